import Foundation
import OneWindowCore
import Testing

@Suite("数说成绩单 in Core: indicators, the annual report's lines, the simulation profile and its curves")
struct StatsTests {
    /// The tally a year of the chongyang-2024 profile leaves: every work order called back, all on time.
    static func seedTally() -> PeriodTally {
        var tally = PeriodTally()
        tally.acceptedCases = [
            .init(category: .licensing, caseType: .instant, count: 200_000),
            .init(category: .otherPower, caseType: .instant, count: 110_097),
            .init(category: .licensing, caseType: .promised, count: 5_000), .init(category: .benefit, caseType: .joint, count: 621),
            .init(category: .publicService, caseType: .instant, count: 118_274),
        ]
        tally.acceptedOnline = 130_198
        tally.completed = 433_992
        tally.completedOnTime = 433_992
        tally.assistance = [.consult: 267_000, .guide: 6_000]
        tally.workOrdersByChannel = [.phone: 18_624, .wechat: 437, .website: 163, .app: 41]
        tally.hotline = HotlineRates(
            dispatched: 19_265, signedFor: 19_265, received: 19_265, closed: 19_265, replied: 19_265,
            repliedOnTime: 19_265, callbackDue: 19_265, calledBack: 19_265, satisfied: 15_894)
        tally.ratings = [.verySatisfied: 150_000, .satisfied: 20_000, .basicallySatisfied: 263_992, .dissatisfied: 3_371]
        return tally
    }

    static func previousTally() -> PeriodTally {
        var tally = PeriodTally()
        tally.acceptedCases = [
            .init(category: .licensing, caseType: .instant, count: 150_533), .init(category: .licensing, caseType: .promised, count: 2_729),
            .init(category: .publicService, caseType: .instant, count: 57_415),
        ]
        tally.workOrdersByChannel = [.phone: 14_326, .wechat: 336, .website: 125, .app: 32]
        tally.hotline = HotlineRates(
            dispatched: 14_819, signedFor: 14_819, received: 14_819, closed: 14_819, replied: 14_819,
            repliedOnTime: 14_819, callbackDue: 14_819, calledBack: 14_819, satisfied: 12_226)
        return tally
    }

    @Test("Each indicator from a tally: consultations, 审批 split 即办 / 承诺 (联办 counts as 承诺), 服务事项, volume, 12345 rates, ratings")
    func indicators() {
        let tally = Self.seedTally()
        #expect(Indicators.consultations(tally) == 267_000)
        let approval = Indicators.approvalCases(tally)
        #expect(approval.total == 315_718 && approval.instant == 310_097 && approval.promised == 5_621)
        #expect(Indicators.serviceRequests(tally) == 118_274)
        #expect(Indicators.hallVolume(tally) == 433_992)
        #expect(Indicators.workOrders(tally) == 19_265)
        #expect(Indicators.onTimeRate(tally).percent == "100.0%")
        #expect(Indicators.signForRate(tally).percent == "100.0%")
        #expect(Indicators.closeRate(tally).percent == "100.0%")
        #expect(Indicators.callbackSatisfactionRate(tally).percent == "82.5%")
        #expect(Indicators.onlineCaseRate(tally) == Ratio(130_198, 433_992))
        #expect(Indicators.licenceRealTimeRate(tally) == nil)
        let ratings = Indicators.ratings(tally)
        #expect(ratings.count == 437_363 && ratings.bad == 3_371 && ratings.satisfied == Ratio(433_992, 437_363))
        #expect(Indicators.change(433_992, from: 210_677).map(AnnualReport.signedPercent) == "+106.0%")
        #expect(Indicators.change(19_265, from: 14_819).map(AnnualReport.signedPercent) == "+30.0%")
        #expect(Indicators.change(5, from: 0) == nil)
        #expect(Indicators.pointChange(Ratio(9559, 10000), from: Ratio(9318, 10000)).map(AnnualReport.signedPoints) == "+2.41个百分点")
    }

    @Test("The annual report prints the seed table's lines with last year's figures and the change")
    func annualLines() throws {
        let items = [
            CaseMetrics.ItemLimits(statutory: WorkingDays(20), promised: WorkingDays(1), caseType: .promised, fullyOnline: true),
            CaseMetrics.ItemLimits(statutory: WorkingDays(10), promised: WorkingDays(0), caseType: .instant, fullyOnline: true),
        ]
        let report = AnnualReport(year: 2024, current: Self.seedTally(), previous: Self.previousTally(), items: items)
        func text(_ id: String) -> [String]? { report.line(id).map { [$0.value.text, $0.previous.text, $0.change] } }
        #expect(text("hall.consultations") == ["267,000", "0", "—"])
        #expect(text("cases.approval") == ["315,718", "153,262", "+106.0%"])
        #expect(text("cases.instant") == ["310,097", "150,533", "+106.0%"])
        #expect(text("cases.promised") == ["5,621", "2,729", "+106.0%"])
        #expect(text("cases.service") == ["118,274", "57,415", "+106.0%"])
        #expect(text("cases.volume") == ["433,992", "210,677", "+106.0%"])
        #expect(text("cases.on_time") == ["100.0%", "—", "—"])
        #expect(text("hotline.orders") == ["19,265", "14,819", "+30.0%"])
        #expect(text("hotline.channel.wechat") == ["437", "336", "+30.1%"])
        #expect(text("hotline.channel.website") == ["163", "125", "+30.4%"])
        #expect(text("hotline.channel.app") == ["41", "32", "+28.1%"])
        #expect(text("hotline.channel.phone") == ["18,624", "14,326", "+30.0%"])
        #expect(report.line("hotline.channel.other") == nil)
        #expect(text("hotline.closed_on_time") == ["19,265", "14,819", "+30.0%"])
        #expect(text("hotline.sign_for") == ["100.0%", "100.0%", "+0.00个百分点"])
        #expect(text("hotline.close") == ["100.0%", "100.0%", "+0.00个百分点"])
        #expect(text("hotline.satisfaction") == ["82.5%", "82.5%", "+0.00个百分点"])
        // (20 − 1 + 10 − 0) ÷ 30 = 96.67 %; mean (0.95 + 1) ÷ 2 = 97.50 %.
        #expect(text("items.compression") == ["96.67%", "—", "—"])
        #expect(text("items.compression_mean") == ["97.50%", "—", "—"])
        #expect(text("items.fully_online") == ["100.00%", "—", "—"])
        #expect(report.line("items.licence")?.value == .unavailable("电子证照模块尚未上线，暂无证照记录"))
        #expect(report.line("items.licence")?.drillable == false)
        #expect(text("ratings.bad") == ["3,371", "0", "—"])
        #expect(report.line("cases.instant")?.value.plain == "310097")
        #expect(report.line("hotline.satisfaction")?.value.plain == "0.825019")
        let table = report.terminalTable.split(separator: "\n")
        #expect(table[0] == "领域    指标                                     2024年   2023年            同比")
        #expect(table[3] == "大厅    受理审批事项                            315,718  153,262         +106.0%")
        #expect(table[18] == "12345   回访满意率                                82.5%    82.5%   +0.00个百分点")
        #expect(report.lines.count == table.count - 2)
    }

    @Test("Profiles: the 1 % profile's counts, the 2023 profile's changes, exact apportionment over days")
    func profiles() {
        let full = SimulationProfile.chongyang2024
        #expect(full.caseCount == 433_992 && full.workOrderCount == 19_265 && full.recordCount == 731_257)
        let small = full.scaled(by: 0.01)
        #expect(
            [small.approvalInstant, small.approvalPromised, small.serviceRequests, small.consultations] == [3_101, 56, 1_183, 2_670]
                as [Int])
        #expect(small.workOrders == [HotlineChannel.phone: 186, .wechat: 4, .website: 2, .app: 0] as [HotlineChannel: Int])
        #expect(small.satisfiedCallbacks == 158)
        let before = SimulationProfile.chongyang2023
        #expect(Indicators.change(full.caseCount, from: before.caseCount).map(AnnualReport.signedPercent) == "+106.0%")
        #expect(Indicators.change(full.workOrderCount, from: before.workOrderCount).map(AnnualReport.signedPercent) == "+30.0%")
        #expect(SimulationCurves.apportion(10, weights: [1, 1, 1]) == [3, 4, 3])
        #expect(SimulationCurves.apportion(5, weights: [0, 2, 0, 3]) == [0, 2, 0, 3])
        #expect(SimulationCurves.apportion(7, weights: [0.5, 0.25, 0.25]) == [4, 1, 2])
        #expect(SimulationCurves.apportion(0, weights: [1, 2]) == [0, 0])
        let shares = SimulationCurves.apportion(310_097, weights: (0..<251).map { Double($0 % 5 + 1) })
        #expect(shares.reduce(0, +) == 310_097 && shares.allSatisfy { $0 >= 0 })
        // 192 orders over 366 days of nearly equal weight: every 30 days get 15 or 16.
        let days = SimulationCurves.apportion(192, weights: (0..<366).map { $0 % 7 >= 5 ? 0.8 : 1.0 })
        #expect(
            stride(from: 0, to: 360, by: 30).map { days[$0..<($0 + 30)].reduce(0, +) } == [16, 16, 15, 16, 16, 16, 15, 16, 16, 15, 16, 16])
    }

    @Test("Curves: hall times fall in opening hours, the first day after a long holiday is busier, draws are seeded")
    func curves() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let second = SimulationCurves.hallSecond(using: &generator)
            #expect((8 * 3600 + 1800..<12 * 3600).contains(second) || (14 * 3600..<17 * 3600 + 1800).contains(second))
        }
        let tuesday = LocalDate(iso: "2024-10-08")!  // the first working day after the National Day week
        #expect(SimulationCurves.hallDayWeight(tuesday, daysOffBefore: 7) == 0.9 * 1.1 * 1.4)
        #expect(SimulationCurves.hallDayWeight(LocalDate(iso: "2024-10-09")!, daysOffBefore: 0) == 0.9 * 1.0)
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        #expect((0..<5).map { _ in SimulationCurves.hallSecond(using: &a) } == (0..<5).map { _ in SimulationCurves.hallSecond(using: &b) })
    }

    @Test("Resident ID check characters (GB 11643) and percents with two decimals")
    func helpers() throws {
        #expect(ResidentID.checkCharacter(of: "11010519900307102") == "8")
        #expect(ResidentID.checkCharacter(of: "11010519900307101") == "X")
        #expect(try ResidentID("110105199003071028").value == "110105199003071028")
        #expect(Ratio(9559, 10000).percent(decimals: 2) == "95.59%")
        #expect(Ratio(1, 3).percent(decimals: 2) == "33.33%")
        #expect(Ratio(0, 0).percent(decimals: 2) == "—")
        #expect(AnnualReport.grouped(1_234_567) == "1,234,567" && AnnualReport.grouped(-999) == "-999")
    }
}
