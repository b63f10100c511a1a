// M0020_StatsIndexes added the figures' column and indexes to other modules' tables. Each table's owner now migrates
// its own (M0016_1 and M0020_1 in Cases, M0020_2 in FrontDesk, M0020_3 in Evaluation, M0020_4 in Hotline, M0020_5
// in Platform); a database that ran M0020 finds each step done and skips it. Stats owns no table.
