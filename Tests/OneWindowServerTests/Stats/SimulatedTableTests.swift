import Fluent
import Foundation
import SQLKit
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("The simulator's tables: one definition per table, checked against the migrated database")
struct SimulatedTableTests {
    /// The columns of the simulated tables that the simulator leaves to their default (NULL), by table, each with why.
    /// Exact: the test fails on a column missing from here, and on one here that the simulator writes or the table lacks.
    static let leftToDefault: [String: Set<String>] = [
        // No 代办人 or 帮办代办 (applicants come in person), no 不予受理 / 不予许可 (every case is approved), no 送达 step
        // (即办件 are handed over at the window), no 申请事由 typed by an applicant, no 上门服务.
        "cases": ["proxy_id", "reason", "delivery_method", "delivered_at", "applicant_note", "home_visit_id", "proxy_staff_name"],
        // No ticket is directed to one window (转移 is not simulated).
        "tickets": ["directed_window_id"],
        // Every simulated appointment is checked in, none cancelled.
        "appointments": ["cancelled_at"],
        // Help-desk records carry no note and are linked to no home visit or case.
        "assistances": ["note", "home_visit_id", "case_id"],
        // The place stays a written address (no 乡镇 code, no coordinates); no 并单, 延期, 退单; not from Open311, not
        // imported (`source_ref` marks imported history), not from the agent form (its one-time `intake_key`).
        "work_orders": [
            "township_code", "latitude", "longitude", "merged_into_id", "extension_requested_days", "extension_reason", "extended_days",
            "return_reason", "service_code", "open311_token", "source_ref", "intake_key",
        ],
        // Ratings come without a comment.
        "ratings": ["comment"],
        // 差评 are verified as valid and rectified; none is appealed (申诉).
        "rectifications": ["appeal_reason", "appeal_decision"],
        // Events made by the simulator come from no request, so no IP address.
        "audit_events": ["ip"],
    ]

    /// The columns of `table` in the migrated database: `PRAGMA table_info` on SQLite; on PostgreSQL
    /// `information_schema.columns` of the test's own schema.
    static func columns(of table: String, on sql: any SQLDatabase) async throws -> [String] {
        if sql.dialect.name == "sqlite" {
            return try await sql.raw("PRAGMA table_info(\(ident: table))").all().map { try $0.decode(column: "name", as: String.self) }
        }
        return try await sql.raw(
            """
            SELECT column_name::text AS name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(bind: table) ORDER BY ordinal_position
            """
        ).all().map { try $0.decode(column: "name", as: String.self) }
    }

    @Test func simulator_writes_every_column_of_every_table_it_fills() async throws {
        try await withTestApp { app in
            // Setup: a fresh database, migrated; the simulator's writer for a day.
            let sql = try #require(app.db as? any SQLDatabase)
            let writer = Simulator.Writer()

            // Act: read the real columns of every table the simulator fills.
            var actual: [String: [String]] = [:]
            for table in SimulatedTable.allCases { actual[table.name] = try await Self.columns(of: table.name, on: sql) }

            // Validate: the writer's tables are the definitions (all but the applicants, stored before the first day),
            // in the same order.
            let daily = SimulatedTable.allCases.filter { $0 != .applicants }
            #expect(writer.ordered.map(\.name) == daily.map(\.name))
            #expect(writer.ordered.map(\.columns) == daily.map(\.columns))
            var unwritten: [String: Set<String>] = [:]
            for table in SimulatedTable.allCases {
                let columns = try #require(actual[table.name])
                #expect(!columns.isEmpty, "\(table.name): no such table after migration")
                #expect(Set(table.columns).count == table.columns.count, "\(table.name): a column listed twice")
                let exempt = Self.leftToDefault[table.name] ?? []
                // Issues are recorded as `Comment`s: LeafKit makes `String` an `Error`, so a bare string would be one.
                for column in columns where !table.columns.contains(column) {
                    if !exempt.contains(column) {
                        Issue.record(
                            Comment(
                                rawValue: """
                                    \(table.name).\(column): the table has this column but the simulator does not write it; add it to \
                                    SimulatedTable.\(table) (and its value to the rows), or to leftToDefault with why
                                    """))
                    }
                    unwritten[table.name, default: []].insert(column)
                }
                for column in table.columns where !columns.contains(column) {
                    Issue.record(Comment(rawValue: "\(table.name).\(column): the simulator writes this column but the table has none"))
                }
                for column in exempt.sorted() where !columns.contains(column) || table.columns.contains(column) {
                    let why = columns.contains(column) ? "the simulator writes it" : "the table has no such column"
                    Issue.record(Comment(rawValue: "\(table.name).\(column): on leftToDefault, but \(why)"))
                }
            }
            // The exact list of columns left to their default, as `table.column`.
            func listed(_ columns: [String: Set<String>]) -> [String] {
                columns.flatMap { table, names in names.map { "\(table).\($0)" } }.sorted()
            }
            #expect(listed(unwritten) == listed(Self.leftToDefault))
        }
    }
}
