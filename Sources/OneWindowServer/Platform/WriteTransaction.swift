import Fluent
import SQLKit

extension Database {
    /// Runs `body` in one transaction that writes.
    ///
    /// On SQLite (WAL) it begins with `BEGIN IMMEDIATE`: the write lock is taken at the start, so a concurrent
    /// writer waits its turn instead of failing with `SQLITE_BUSY_SNAPSHOT` when a transaction that read first
    /// tries to write after another connection committed (Fluent's own `transaction` begins deferred).
    /// On PostgreSQL it is Fluent's transaction. Do not nest it.
    func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard let sql = self as? any SQLDatabase, sql.dialect.name == "sqlite", !inTransaction else {
            return try await transaction(body)
        }
        return try await withConnection { connection in
            let raw = connection as! any SQLDatabase
            try await raw.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(connection)
                try await raw.raw("COMMIT").run()
                return result
            } catch {
                try? await raw.raw("ROLLBACK").run()
                throw error
            }
        }
    }
}
