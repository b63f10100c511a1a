import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The counts behind the centre's figures, grouped by the database for Core's `Indicators` and `AnnualReport`.
///
/// Each table is read once per period, through a covering index (M0020) and grouped in the index's order (by day),
/// so a year of the model county (434,000 cases, 450,000 ratings) is counted in well under a second; the days are
/// summed into the period and its months here. Every query filters on the region (the shard key at province scale).
struct StatsQueries {
    let sql: any SQLDatabase
    let region: String
    let zone: TimeZone

    init(db: any Database, region: String, zone: TimeZone) {
        self.sql = db as! any SQLDatabase
        self.region = region
        self.zone = zone
    }

    /// Per month of the period's first year (12 values, January first), for the annual report's charts.
    struct Monthly: Sendable {
        var approvalCases = [Int](repeating: 0, count: 12)
        var serviceRequests = [Int](repeating: 0, count: 12)
        var workOrders = [Int](repeating: 0, count: 12)
        /// First callbacks, and of those 满意 or 基本满意, by the month the order was received.
        var calledBack = [Int](repeating: 0, count: 12)
        var satisfied = [Int](repeating: 0, count: 12)
        /// Ratings, and of those 基本满意 or better.
        var ratings = [Int](repeating: 0, count: 12)
        var ratingsSatisfied = [Int](repeating: 0, count: 12)
    }

    /// The tally of the calendar year `year`, and its months.
    func year(_ year: Int) async throws -> (tally: PeriodTally, monthly: Monthly) {
        try await period(from: LocalDate(year: year, month: 1, day: 1)!, to: LocalDate(year: year + 1, month: 1, day: 1)!)
    }

    /// The tally of the local dates `from` (inclusive) to `to` (exclusive), and the months of `from`'s year in it.
    func period(from: LocalDate, to: LocalDate) async throws -> (tally: PeriodTally, monthly: Monthly) {
        let start = from.instant(in: zone), end = to.instant(in: zone)
        var tally = PeriodTally()
        var monthly = Monthly()
        func month(ofDay day: String) -> Int? {
            guard day.hasPrefix(String(from.year)), let number = Int(day.dropFirst(5).prefix(2)), (1...12).contains(number) else {
                return nil
            }
            return number - 1
        }
        let bounds = (1...13).map { month in
            (month == 13 ? LocalDate(year: from.year + 1, month: 1, day: 1)! : LocalDate(year: from.year, month: month, day: 1)!).instant(
                in: zone)
        }

        // Cases accepted, by day (the index's order), category, type and channel.
        var groups: [PeriodTally.CaseGroup] = []
        for row in try await sql.raw(
            """
            SELECT accepted_on, item_category, case_type, channel, count(*) AS n FROM cases
            WHERE region_code = \(bind: region) AND accepted_on >= \(bind: from.description) AND accepted_on < \(bind: to.description)
            GROUP BY accepted_on, item_category, case_type, channel
            """
        ).all() {
            let count = try row.decode(column: "n", as: Int.self)
            let category = try row.decode(column: "item_category", as: String?.self).flatMap(ItemCategory.init(rawValue:))
            let type = CaseType(rawValue: try row.decode(column: "case_type", as: String.self)) ?? .promised
            if try row.decode(column: "channel", as: String.self) == Case.Channel.online.rawValue { tally.acceptedOnline += count }
            if let index = groups.firstIndex(where: { $0.category == category && $0.caseType == type }) {
                groups[index].count += count
            } else {
                groups.append(.init(category: category, caseType: type, count: count))
            }
            if let month = month(ofDay: try row.decode(column: "accepted_on", as: String.self)) {
                if category == .publicService { monthly.serviceRequests[month] += count } else { monthly.approvalCases[month] += count }
            }
        }
        tally.acceptedCases = groups.sorted {
            ($0.category?.rawValue ?? "", $0.caseType.rawValue) < ($1.category?.rawValue ?? "", $1.caseType.rawValue)
        }

        if let row = try await sql.raw(
            """
            SELECT count(*) AS n, sum(CASE WHEN due_at IS NOT NULL AND completed_at <= due_at THEN 1 ELSE 0 END) AS on_time FROM cases
            WHERE region_code = \(bind: region) AND completed_at >= \(bind: start) AND completed_at < \(bind: end)
            """
        ).first() {
            tally.completed = try row.decode(column: "n", as: Int.self)
            tally.completedOnTime = try row.decode(column: "on_time", as: Int?.self) ?? 0
        }

        for row in try await sql.raw(
            """
            SELECT day, kind, count(*) AS n FROM assistances
            WHERE region_code = \(bind: region) AND day >= \(bind: from.description) AND day < \(bind: to.description) GROUP BY day, kind
            """
        ).all() {
            if let kind = AssistanceKind(rawValue: try row.decode(column: "kind", as: String.self)) {
                tally.assistance[kind, default: 0] += try row.decode(column: "n", as: Int.self)
            }
        }

        // 12345: the orders received in the period (merged duplicates not counted) and what became of them, so a
        // year's figures are about that year's orders (Indicators.annualHotlineDefinitions).
        let received = monthCase("received_at", bounds)
        for row in try await sql.raw(
            """
            SELECT \(received) AS month, channel, count(*) AS n,
              sum(CASE WHEN state = 'closed' THEN 1 ELSE 0 END) AS closed,
              sum(CASE WHEN dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS dispatched,
              sum(CASE WHEN dispatched_at IS NOT NULL AND signed_for_at IS NOT NULL THEN 1 ELSE 0 END) AS signed,
              sum(CASE WHEN reply_due_at IS NOT NULL AND replied_at IS NOT NULL THEN 1 ELSE 0 END) AS replied,
              sum(CASE WHEN reply_due_at IS NOT NULL AND replied_at <= reply_due_at THEN 1 ELSE 0 END) AS on_time,
              sum(CASE WHEN phone IS NOT NULL AND source_ref IS NULL AND replied_at IS NOT NULL THEN 1 ELSE 0 END) AS callback_due,
              sum(CASE WHEN phone IS NOT NULL AND source_ref IS NULL AND called_back_at IS NOT NULL THEN 1 ELSE 0 END) AS called_back,
              sum(CASE WHEN phone IS NOT NULL AND source_ref IS NULL AND called_back_at IS NOT NULL
                AND coalesce(first_satisfaction, satisfaction) IN ('satisfied', 'basicallySatisfied') THEN 1 ELSE 0 END) AS satisfied
            FROM work_orders
            WHERE region_code = \(bind: region) AND received_at >= \(bind: start) AND received_at < \(bind: end) AND state <> 'merged'
            GROUP BY 1, 2
            """
        ).all() {
            let count = try row.decode(column: "n", as: Int.self)
            if let channel = HotlineChannel(rawValue: try row.decode(column: "channel", as: String.self)) {
                tally.workOrdersByChannel[channel, default: 0] += count
            }
            func sum(_ column: String) throws -> Int { try row.decode(column: column, as: Int?.self) ?? 0 }
            tally.hotline.received += count
            tally.hotline.closed += try sum("closed")
            tally.hotline.dispatched += try sum("dispatched")
            tally.hotline.signedFor += try sum("signed")
            tally.hotline.replied += try sum("replied")
            tally.hotline.repliedOnTime += try sum("on_time")
            tally.hotline.callbackDue += try sum("callback_due")
            tally.hotline.calledBack += try sum("called_back")
            tally.hotline.satisfied += try sum("satisfied")
            let month = try row.decode(column: "month", as: Int.self) - 1
            monthly.workOrders[month] += count
            monthly.calledBack[month] += try sum("called_back")
            monthly.satisfied[month] += try sum("satisfied")
        }

        let rated = monthCase("rated_at", bounds)
        for row in try await sql.raw(
            """
            SELECT \(rated) AS month, level, count(*) AS n FROM ratings
            WHERE region_code = \(bind: region) AND item = 'overall' AND rated_at >= \(bind: start) AND rated_at < \(bind: end)
            GROUP BY 1, 2
            """
        ).all() {
            guard let level = RatingLevel(rawValue: try row.decode(column: "level", as: Int.self)) else { continue }
            let count = try row.decode(column: "n", as: Int.self)
            let month = try row.decode(column: "month", as: Int.self) - 1
            tally.ratings[level, default: 0] += count
            monthly.ratings[month] += count
            if level.isSatisfied { monthly.ratingsSatisfied[month] += count }
        }
        return (tally, monthly)
    }

    /// The published catalogue's limits, for the item-based figures.
    func items(on db: any Database) async throws -> [CaseMetrics.ItemLimits] {
        try await ServiceItem.scoped(on: db, to: region).filter(\.$status == .published).all().map {
            CaseMetrics.ItemLimits(
                statutory: $0.statutory, promised: $0.promised, caseType: $0.caseType, fullyOnline: $0.fullyOnline == true)
        }
    }

    /// `CASE WHEN column < b1 THEN 1 … ELSE 12 END`: the local month of an instant column, the same on SQLite and
    /// PostgreSQL (the bounds are bound instants, so the deployment's zone decides the month, not the database's).
    /// Instants past the first year's December (a period longer than a year) count in December.
    private func monthCase(_ column: String, _ bounds: [Date]) -> SQLQueryString {
        var text: SQLQueryString = "CASE"
        for month in 1...11 { text = text + " WHEN \(unsafeRaw: column) < \(bind: bounds[month]) THEN \(unsafeRaw: String(month))" }
        return text + " ELSE 12 END"
    }
}
