import Fluent
import Foundation
import SQLKit
import Vapor

/// The two baselines of the benchmark harness (`bench/run.sh`, DESIGN.md "Performance"), registered only when
/// `ONEWINDOW_BENCH=1`:
/// - `GET /bench/bare-read`: a constant string (bare-read);
/// - `POST /bench/bare-write`: one row inserted through Fluent into `bench_rows`, 201 (bare-write);
/// - `GET /bench/sqlite`: the connection's `journal_mode` and `synchronous`, so the harness can print them.
///
/// They sit on the application itself, outside the session, sign-in and CSRF middleware of the web pages, so they
/// measure Vapor and Fluent alone. `bench_rows` is created at boot (`CREATE TABLE IF NOT EXISTS`), never by a
/// migration: the normal schema does not have it.
enum BenchRoutes {
    static let environmentKey = "ONEWINDOW_BENCH"

    static var isEnabled: Bool { Environment.get(environmentKey) == "1" }

    static func register(_ app: Application) {
        guard isEnabled else { return }
        app.lifecycle.use(BenchTableLifecycle())
        app.get(.benchBareRead) { _ in "ok" }
        app.post(.benchBareWrite, use: bareWrite)
        app.get(.benchSQLite, use: sqlite)
    }

    static func bareWrite(req: Request) async throws -> HTTPStatus {
        let row = BenchRow()
        row.note = "bench"
        row.createdAt = Date()
        try await row.create(on: req.db)
        return .created
    }

    struct PragmaDTO: Content {
        let journalMode: String
        /// 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
        let synchronous: Int
    }

    static func sqlite(req: Request) async throws -> Response {
        guard let sql = req.db as? any SQLDatabase, sql.dialect.name == "sqlite" else { throw Abort(.notFound) }
        struct Mode: Decodable { let journal_mode: String }
        struct Sync: Decodable { let synchronous: Int }
        let mode = try await sql.raw("PRAGMA journal_mode").first(decoding: Mode.self)?.journal_mode ?? "?"
        let sync = try await sql.raw("PRAGMA synchronous").first(decoding: Sync.self)?.synchronous ?? -1
        return try await PragmaDTO(journalMode: mode, synchronous: sync).encodeResponse(for: req)
    }
}

/// One row of the bare-write baseline.
final class BenchRow: Model, @unchecked Sendable {
    static let schema = "bench_rows"

    @ID(key: .id) var id: UUID?
    @Field(key: "note") var note: String
    @Field(key: "created_at") var createdAt: Date

    init() {}
}

/// Creates `bench_rows` when a bench-mode application boots (kept out of the migrations).
struct BenchTableLifecycle: LifecycleHandler {
    func didBootAsync(_ application: Application) async throws {
        try await application.db.schema(BenchRow.schema)
            .id()
            .field("note", .string, .required)
            .field("created_at", .datetime, .required)
            .ignoreExisting()
            .create()
    }
}
