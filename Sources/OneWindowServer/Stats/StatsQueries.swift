import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The counts behind the centre's figures, grouped by the database (one pass per table per period), for Core's
/// `Indicators` and `AnnualReport`. Every query filters on the region (the shard key at province scale).
struct StatsQueries {
    let sql: any SQLDatabase
    let region: String
    let zone: TimeZone

    init(db: any Database, region: String, zone: TimeZone) {
        self.sql = db as! any SQLDatabase
        self.region = region
        self.zone = zone
    }

    /// The tally of the local dates `from` (inclusive) to `to` (exclusive).
    func tally(from: LocalDate, to: LocalDate) async throws -> PeriodTally {
        let start = from.instant(in: zone), end = to.instant(in: zone)
        var tally = PeriodTally()

        for row in try await sql.raw("""
            SELECT item_category, case_type, channel, count(*) AS n FROM cases
            WHERE region_code = \(bind: region) AND accepted_on >= \(bind: from.description) AND accepted_on < \(bind: to.description)
            GROUP BY item_category, case_type, channel
            """).all() {
            let count = try row.decode(column: "n", as: Int.self)
            let category = try row.decode(column: "item_category", as: String?.self).flatMap(ItemCategory.init(rawValue:))
            let type = CaseType(rawValue: try row.decode(column: "case_type", as: String.self)) ?? .promised
            if try row.decode(column: "channel", as: String.self) == Case.Channel.online.rawValue { tally.acceptedOnline += count }
            if let index = tally.acceptedCases.firstIndex(where: { $0.category == category && $0.caseType == type }) {
                tally.acceptedCases[index].count += count
            } else {
                tally.acceptedCases.append(.init(category: category, caseType: type, count: count))
            }
        }
        tally.acceptedCases.sort { ($0.category?.rawValue ?? "", $0.caseType.rawValue) < ($1.category?.rawValue ?? "", $1.caseType.rawValue) }

        if let row = try await sql.raw("""
            SELECT count(*) AS n, sum(CASE WHEN due_at IS NOT NULL AND completed_at <= due_at THEN 1 ELSE 0 END) AS on_time FROM cases
            WHERE region_code = \(bind: region) AND completed_at >= \(bind: start) AND completed_at < \(bind: end)
            """).first() {
            tally.completed = try row.decode(column: "n", as: Int.self)
            tally.completedOnTime = try row.decode(column: "on_time", as: Int?.self) ?? 0
        }

        for row in try await sql.raw("""
            SELECT kind, count(*) AS n FROM assistances
            WHERE region_code = \(bind: region) AND day >= \(bind: from.description) AND day < \(bind: to.description) GROUP BY kind
            """).all() {
            if let kind = AssistanceKind(rawValue: try row.decode(column: "kind", as: String.self)) {
                tally.assistance[kind] = try row.decode(column: "n", as: Int.self)
            }
        }

        // 12345: the orders received in the period (merged duplicates not counted) and what became of them, so a
        // year's figures are about that year's orders (Indicators.annualHotlineDefinitions).
        for row in try await sql.raw("""
            SELECT channel, count(*) AS n,
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
            GROUP BY channel
            """).all() {
            let count = try row.decode(column: "n", as: Int.self)
            if let channel = HotlineChannel(rawValue: try row.decode(column: "channel", as: String.self)) {
                tally.workOrdersByChannel[channel] = count
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
        }

        for row in try await sql.raw("""
            SELECT level, count(*) AS n FROM ratings
            WHERE region_code = \(bind: region) AND item = 'overall' AND rated_at >= \(bind: start) AND rated_at < \(bind: end) GROUP BY level
            """).all() {
            if let level = RatingLevel(rawValue: try row.decode(column: "level", as: Int.self)) {
                tally.ratings[level] = try row.decode(column: "n", as: Int.self)
            }
        }
        return tally
    }

    /// The published catalogue's limits, for the item-based figures.
    func items(on db: any Database) async throws -> [CaseMetrics.ItemLimits] {
        try await ServiceItem.query(on: db).filter(\.$regionCode == region).filter(\.$status == .published).all().map {
            CaseMetrics.ItemLimits(statutory: $0.statutory, promised: $0.promised, caseType: $0.caseType, fullyOnline: $0.fullyOnline == true)
        }
    }

    /// Per month of `year` (12 values, January first).
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

    /// The monthly series of the annual report's charts.
    func monthly(year: Int) async throws -> Monthly {
        var months = Monthly()
        for row in try await sql.raw("""
            SELECT substr(accepted_on, 6, 2) AS month, CASE WHEN item_category = 'publicService' THEN 1 ELSE 0 END AS service, count(*) AS n
            FROM cases WHERE region_code = \(bind: region) AND accepted_on >= \(bind: "\(year)-01-01") AND accepted_on < \(bind: "\(year + 1)-01-01")
            GROUP BY 1, 2
            """).all() {
            guard let month = Int(try row.decode(column: "month", as: String.self)), (1...12).contains(month) else { continue }
            let count = try row.decode(column: "n", as: Int.self)
            if try row.decode(column: "service", as: Int.self) == 1 { months.serviceRequests[month - 1] += count } else { months.approvalCases[month - 1] += count }
        }
        let bounds = (1...13).map { month in
            (month == 13 ? LocalDate(year: year + 1, month: 1, day: 1)! : LocalDate(year: year, month: month, day: 1)!).instant(in: zone)
        }
        let received = monthCase("received_at", bounds), rated = monthCase("rated_at", bounds)
        for row in try await sql.raw("""
            SELECT \(received) AS month, count(*) AS n FROM work_orders
            WHERE region_code = \(bind: region) AND received_at >= \(bind: bounds[0]) AND received_at < \(bind: bounds[12]) AND state <> 'merged'
            GROUP BY 1
            """).all() {
            months.workOrders[try row.decode(column: "month", as: Int.self) - 1] = try row.decode(column: "n", as: Int.self)
        }
        for row in try await sql.raw("""
            SELECT \(received) AS month, count(*) AS n,
              sum(CASE WHEN coalesce(first_satisfaction, satisfaction) IN ('satisfied', 'basicallySatisfied') THEN 1 ELSE 0 END) AS satisfied
            FROM work_orders
            WHERE region_code = \(bind: region) AND received_at >= \(bind: bounds[0]) AND received_at < \(bind: bounds[12]) AND state <> 'merged'
              AND phone IS NOT NULL AND source_ref IS NULL AND called_back_at IS NOT NULL
            GROUP BY 1
            """).all() {
            let month = try row.decode(column: "month", as: Int.self) - 1
            months.calledBack[month] = try row.decode(column: "n", as: Int.self)
            months.satisfied[month] = try row.decode(column: "satisfied", as: Int?.self) ?? 0
        }
        for row in try await sql.raw("""
            SELECT \(rated) AS month, count(*) AS n, sum(CASE WHEN level >= 3 THEN 1 ELSE 0 END) AS satisfied FROM ratings
            WHERE region_code = \(bind: region) AND item = 'overall' AND rated_at >= \(bind: bounds[0]) AND rated_at < \(bind: bounds[12])
            GROUP BY 1
            """).all() {
            let month = try row.decode(column: "month", as: Int.self) - 1
            months.ratings[month] = try row.decode(column: "n", as: Int.self)
            months.ratingsSatisfied[month] = try row.decode(column: "satisfied", as: Int?.self) ?? 0
        }
        return months
    }

    /// `CASE WHEN column < b1 THEN 1 … ELSE 12 END`: the local month of an instant column, the same on SQLite and
    /// PostgreSQL (the bounds are bound instants, so the deployment's zone decides the month, not the database's).
    private func monthCase(_ column: String, _ bounds: [Date]) -> SQLQueryString {
        var text: SQLQueryString = "CASE"
        for month in 1...11 { text = text + " WHEN \(unsafeRaw: column) < \(bind: bounds[month]) THEN \(unsafeRaw: String(month))" }
        return text + " ELSE 12 END"
    }
}
