import FluentKit
import NIOCore
import SQLKit
import SQLiteKit

/// The application's `Database`: it routes each statement to a connection and adds its time to the request's
/// database time (`DatabaseTimer`).
///
/// `.split` (SQLite, `SQLiteReadersWriter`): a `.read`/`.aggregate` query and a raw statement that only reads
/// (`RoutedDatabase.onlyReads`) take a reader; everything else — other query actions, schema and enum changes,
/// `transaction`, `withConnection` (so `writeTransaction`), `withSession` — takes the writer. `.pinned`: every
/// statement goes to one database — PostgreSQL's pool, or the connection of a transaction, so reads inside a write
/// transaction stay on its connection and see its writes.
struct RoutedDatabase: Database, SQLDatabase {
    enum Target: Sendable {
        case split(SQLiteReadersWriter.Driver)
        case pinned(any Database)
    }

    let context: DatabaseContext
    let target: Target

    var inTransaction: Bool {
        if case .pinned(let database) = target { return database.inTransaction }
        return false
    }

    /// Where writes go: the writer, or the pinned database.
    private var writer: any Database {
        switch target {
        case .split(let driver): driver.writerDatabase(context)
        case .pinned(let database): database
        }
    }

    private func reading<T: Sendable>(_ body: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        switch target {
        case .split(let driver): driver.read(context, body)
        case .pinned(let database): body(database)
        }
    }

    private func timed<T>(_ body: () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        guard let timer = DatabaseTimer.of(context.logger) else { return body() }
        let start = NIODeadline.now()
        return body().always { _ in timer.add(NIODeadline.now() - start) }
    }

    // Database

    /// Rows reach `onOutput` on this database's event loop, and the future completes there after them: Fluent's query
    /// builder collects rows on `database.eventLoop`, while the writer's and readers' connections live on loops of
    /// their own.
    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        let loop = context.eventLoop
        let deliver: @Sendable (any DatabaseOutput) -> Void = { output in
            if loop.inEventLoop { onOutput(output) } else { loop.execute { onOutput(output) } }
        }
        return timed {
            switch query.action {
            case .read, .aggregate: reading { $0.execute(query: query, onOutput: deliver) }
            default: writer.execute(query: query, onOutput: deliver).hop(to: loop)
            }
        }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { timed { writer.execute(schema: schema) } }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { timed { writer.execute(enum: `enum`) } }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        writer.transaction { closure(RoutedDatabase(context: $0.context, target: .pinned($0))) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        writer.withConnection { closure(RoutedDatabase(context: $0.context, target: .pinned($0))) }
    }

    // SQLDatabase

    var dialect: any SQLDialect {
        switch target {
        case .split: SQLiteDialect()
        case .pinned(let database): (database as! any SQLDatabase).dialect
        }
    }

    var version: (any SQLDatabaseReportedVersion)? { (writer as! any SQLDatabase).version }

    var queryLogLevel: Logger.Level? { (writer as! any SQLDatabase).queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        timed {
            if case .split = target, onlyReads(query) {
                return reading { ($0 as! any SQLDatabase).execute(sql: query, onRow) }
            }
            return (writer as! any SQLDatabase).execute(sql: query, onRow)
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await execute(sql: query, onRow).get()
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await (writer as! any SQLDatabase).withSession(closure)
    }

    /// True when `query` only reads: a SQLKit `SELECT` or `UNION`, or raw SQL that begins `SELECT`, `EXPLAIN` or
    /// `VALUES`, or begins `WITH` and names no `INSERT`, `UPDATE`, `DELETE` or `REPLACE`. Anything else (`PRAGMA`
    /// included) counts as a write.
    func onlyReads(_ query: any SQLExpression) -> Bool {
        if query is SQLSelect || query is SQLUnion { return true }
        if query is SQLInsert || query is SQLUpdate || query is SQLDelete { return false }
        return Self.onlyReads(sql: serialize(query).sql)
    }

    static func onlyReads(sql: String) -> Bool {
        let words = sql.uppercased().split { !($0.isLetter || $0 == "_") }
        guard let first = words.first else { return false }
        switch first {
        case "SELECT", "EXPLAIN", "VALUES": return true
        case "WITH": return !words.contains { ["INSERT", "UPDATE", "DELETE", "REPLACE"].contains($0) }
        default: return false
        }
    }
}

/// Wraps a configuration (PostgreSQL's pool) so its databases are `RoutedDatabase`s pinned to it: every statement
/// goes where it went before, timed.
struct MeasuredDatabaseConfiguration: DatabaseConfiguration {
    var base: any DatabaseConfiguration

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver { Driver(base: base.makeDriver(for: databases)) }

    struct Driver: DatabaseDriver {
        let base: any DatabaseDriver

        func makeDatabase(with context: DatabaseContext) -> any Database {
            RoutedDatabase(context: context, target: .pinned(base.makeDatabase(with: context)))
        }

        func shutdown() { base.shutdown() }

        func shutdownAsync() async { await base.shutdownAsync() }
    }
}
