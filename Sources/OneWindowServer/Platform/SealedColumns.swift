import Fluent
import Foundation
import SQLKit
import Vapor

/// One column holding `SealedText`, registered by the module that owns its table, with the column of its keyed hash
/// when look-ups compare it (`id_number` → `id_number_hash`).
struct SealedColumn: Sendable, Hashable {
    let table: String
    let column: String
    let hashColumn: String?

    init(_ table: String, _ column: String, hash hashColumn: String? = nil) {
        self.table = table
        self.column = column
        self.hashColumn = hashColumn
    }
}

/// The sealed columns of every module, and the job that brings them to the current key.
final class SealedColumns: @unchecked Sendable {
    private var columns: [SealedColumn] = []
    private let lock = NSLock()
    private var running: Task<Void, Never>?

    func add(_ column: SealedColumn) { lock.withLock { columns.append(column) } }

    var all: [SealedColumn] { lock.withLock { columns } }

    /// What a pass did: rows re-sealed (plaintext or an older key, or a missing hash) and rows that could not be
    /// opened (a key missing from the ring, or a damaged value), which are left as they are and logged.
    struct Report: Sendable, Equatable {
        var resealed = 0
        var failed = 0
    }

    /// Re-seals, under `cipher`'s current key, every value of every registered column sealed with another key or
    /// still in plaintext, and fills a missing hash. Batches of `batch` rows in `id` order, each row written only if
    /// it still holds the value read (a concurrent change wins); idempotent, and resumable after a stop because the
    /// rows themselves say what is left (`NOT LIKE 'k2:%'`).
    func reseal(on db: any Database, cipher: FieldCipher, batch: Int = 200, logger: Logger) async throws -> Report {
        guard let sql = db as? any SQLDatabase else { return Report() }
        var report = Report()
        for column in all {
            var after: UUID?
            while !Task.isCancelled {
                let rows = try await pending(column, after: after, cipher: cipher, batch: batch, on: sql)
                for row in rows {
                    let id = try row.decode(column: "id", as: UUID.self)
                    let stored = try row.decode(column: column.column, as: String.self)
                    after = id
                    do {
                        let plain = try cipher.open(stored).text
                        var update = sql.update(column.table).set(SQLIdentifier(column.column), to: SQLBind(cipher.seal(plain)))
                        if let hash = column.hashColumn { update = update.set(SQLIdentifier(hash), to: SQLBind(cipher.hash(plain))) }
                        try await update.where(SQLIdentifier("id"), .equal, SQLBind(id))
                            .where(SQLIdentifier(column.column), .equal, SQLBind(stored)).run()
                        report.resealed += 1
                    } catch {
                        report.failed += 1
                        logger.error("\(column.table).\(column.column) row \(id): \(error)")
                    }
                }
                if rows.count < batch { break }
            }
        }
        return report
    }

    private func pending(_ column: SealedColumn, after: UUID?, cipher: FieldCipher, batch: Int, on sql: any SQLDatabase)
        async throws -> [any SQLRow]
    {
        let query = sql.select().column("id").column(SQLIdentifier(column.column)).from(column.table)
            .where(SQLIdentifier(column.column), .isNot, SQLLiteral.null)
            .where(group: { group in
                group.where(SQLIdentifier(column.column), .notLike, SQLBind(cipher.currentID + ":%"))
                if let hash = column.hashColumn { group.orWhere(SQLIdentifier(hash), .is, SQLLiteral.null) }
                return group
            })
        if let after { query.where(SQLIdentifier("id"), .greaterThan, SQLBind(after)) }
        return try await query.orderBy("id").limit(batch).all()
    }

    /// Starts `reseal` in the background (the `serve` start-up task); `stop` cancels it between batches and waits.
    func startInBackground(_ app: Application) {
        let cipher = FieldCiphers.current
        let task = Task {
            do {
                let report = try await reseal(on: app.db, cipher: cipher, logger: app.logger)
                if report.resealed + report.failed > 0 {
                    app.logger.notice("data keys: re-sealed \(report.resealed) value(s) under \(cipher.currentID), \(report.failed) failed")
                }
            } catch {
                app.logger.error("data keys: re-sealing stopped: \(error)")
            }
        }
        lock.withLock { running = task }
    }

    func stop() async {
        let task = lock.withLock { running }
        task?.cancel()
        await task?.value
    }
}

/// Stops the background re-sealing before the database shuts down.
struct SealingLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async { await application.sealedColumns.stop() }
}

extension Application {
    private struct SealedColumnsKey: StorageKey { typealias Value = SealedColumns }

    /// The sealed columns the modules registered.
    var sealedColumns: SealedColumns { storage.memo(SealedColumnsKey.self, SealedColumns()) }
}

extension QueryBuilder {
    /// Rows whose sealed `column` holds `value` (normalised as stored): by the keyed hash in `hashColumn`, or, for a
    /// row written before encryption that the start-up job has not sealed yet (no hash), by its plaintext.
    @discardableResult
    func filterSealed(_ column: String, hash hashColumn: String, equals value: String) -> Self {
        let hashField = DatabaseQuery.Field.path([FieldKey(stringLiteral: hashColumn)], schema: Model.schemaOrAlias)
        let plainField = DatabaseQuery.Field.path([FieldKey(stringLiteral: column)], schema: Model.schemaOrAlias)
        return group(.or) { or in
            or.filter(hashField, .equal, .bind(FieldCiphers.current.hash(value)))
            or.group(.and) { legacy in
                legacy.filter(hashField, .equal, .null)
                legacy.filter(plainField, .equal, .bind(value))
            }
        }
    }
}
