import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The 好差评 figures of a period, counted by the database (a year holds some 450,000 ratings): totals, and groups by
/// department, window, staff member, item or month. Used by the staff page `/ratings` and the public `/board`.
struct RatingFigures {
    let sql: any SQLDatabase
    let region: String
    let zone: TimeZone
    /// Local dates, both inclusive.
    let from: LocalDate
    let to: LocalDate

    init(db: any Database, region: String, zone: TimeZone, from: LocalDate, to: LocalDate) {
        sql = db as! any SQLDatabase
        self.region = region
        self.zone = zone
        self.from = from
        self.to = to
    }

    var start: Date { from.instant(in: zone) }
    var end: Date { to.adding(days: 1).instant(in: zone) }

    /// Overall ratings (整体满意度): how many, 基本满意 or better, 7-day defaults, 差评, and 差评 whose rectification
    /// is closed (回访办结) or found invalid.
    struct Totals: Equatable {
        var count = 0, satisfied = 0, defaults = 0, bad = 0, badClosed = 0
    }

    func totals() async throws -> Totals {
        var totals = Totals()
        if let row = try await sql.raw(
            """
            SELECT count(*) AS n, sum(CASE WHEN level >= 3 THEN 1 ELSE 0 END) AS satisfied,
              sum(CASE WHEN is_default THEN 1 ELSE 0 END) AS defaults, sum(CASE WHEN level <= 2 THEN 1 ELSE 0 END) AS bad
            FROM ratings WHERE region_code = \(bind: region) AND item = 'overall' AND rated_at >= \(bind: start) AND rated_at < \(bind: end)
            """
        ).first() {
            totals.count = try row.decode(column: "n", as: Int.self)
            totals.satisfied = try row.decode(column: "satisfied", as: Int?.self) ?? 0
            totals.defaults = try row.decode(column: "defaults", as: Int?.self) ?? 0
            totals.bad = try row.decode(column: "bad", as: Int?.self) ?? 0
        }
        if let row = try await sql.raw(
            """
            SELECT count(*) AS n FROM rectifications r JOIN ratings g ON g.id = r.rating_id
            WHERE g.region_code = \(bind: region) AND g.item = 'overall' AND g.rated_at >= \(bind: start) AND g.rated_at < \(bind: end)
              AND r.state IN ('closed', 'invalid')
            """
        ).first() {
            totals.badClosed = try row.decode(column: "n", as: Int.self)
        }
        return totals
    }

    enum Key {
        case department, window, staff, item, month
    }

    /// The groups of `key`, sorted by label; overall ratings only, except by item. Ratings without the key (no window)
    /// are left out.
    func groups(by key: Key) async throws -> [EvaluationWebController.Group] {
        let months = self.months
        let column: SQLQueryString
        let label: (String) -> String?
        switch key {
        case .department: column = "department_name"; label = { $0 }
        case .window: column = "window_number"; label = { "\($0) 号窗口" }
        case .staff: column = "staff_name"; label = { $0 }
        case .item: column = "item"; label = { RatingItem(rawValue: $0)?.label }
        case .month:
            // CASE over the months' first instants: the deployment's zone decides the month, on both databases.
            var text: SQLQueryString = "CASE"
            for (index, first) in months.enumerated().dropFirst() {
                text = text + " WHEN rated_at < \(bind: first.instant(in: zone)) THEN \(unsafeRaw: String(index - 1))"
            }
            column = months.count <= 1 ? "0" : text + " ELSE \(unsafeRaw: String(months.count - 1)) END"
            label = { Int($0).flatMap { months.indices.contains($0) ? String(months[$0].description.prefix(7)) : nil } }
        }
        let rows = try await sql.raw(
            """
            SELECT \(column) AS k, count(*) AS n, CAST(sum(level) AS BIGINT) AS s, sum(CASE WHEN level >= 3 THEN 1 ELSE 0 END) AS satisfied,
              sum(CASE WHEN level <= 2 THEN 1 ELSE 0 END) AS bad
            FROM ratings WHERE region_code = \(bind: region) AND rated_at >= \(bind: start) AND rated_at < \(bind: end)
            \(unsafeRaw: key == .item ? "" : "AND item = 'overall'")
            GROUP BY 1
            """
        ).all()
        let counted: [(label: String, count: Int, sum: Int, satisfied: Int, bad: Int)] = try rows.compactMap { row in
            // The key is text (a name, a window; NULL when the rating has none) or, for months, an integer.
            let raw = key == .month ? String(try row.decode(column: "k", as: Int.self)) : try row.decode(column: "k", as: String?.self)
            guard let raw, let text = label(raw) else { return nil }
            return (
                text, try row.decode(column: "n", as: Int.self), try row.decode(column: "s", as: Int?.self) ?? 0,
                try row.decode(column: "satisfied", as: Int?.self) ?? 0, try row.decode(column: "bad", as: Int?.self) ?? 0
            )
        }
        let top = max(counted.map(\.count).max() ?? 1, 1)
        return counted.map { entry in
            EvaluationWebController.Group(
                label: entry.label, count: entry.count, average: String(format: "%.2f", Double(entry.sum) / Double(entry.count)),
                satisfied: String(format: "%.1f%%", Double(entry.satisfied) / Double(entry.count) * 100), bad: entry.bad,
                width: max(2, entry.count * 300 / top))
        }.sorted { $0.label < $1.label }
    }

    /// The first day of each month the period touches (at most 240).
    var months: [LocalDate] {
        var months: [LocalDate] = []
        var month = LocalDate(year: from.year, month: from.month, day: 1)!
        while month <= to, months.count < 240 {
            months.append(month)
            month =
                month.month == 12
                ? LocalDate(year: month.year + 1, month: 1, day: 1)! : LocalDate(year: month.year, month: month.month + 1, day: 1)!
        }
        return months
    }
}
