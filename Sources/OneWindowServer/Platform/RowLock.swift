import Fluent
import Foundation
import SQLKit

/// Row locks for read-check-write inside a `writeTransaction`.
enum RowLock {
    /// Locks one row until the transaction ends: `SELECT … FOR UPDATE` on PostgreSQL. On SQLite the
    /// `BEGIN IMMEDIATE` of `writeTransaction` already serialises writers, so nothing more is needed.
    static func lock(_ table: String, id: UUID, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT id FROM \(ident: table) WHERE id = \(bind: id) FOR UPDATE").run()
    }
}
