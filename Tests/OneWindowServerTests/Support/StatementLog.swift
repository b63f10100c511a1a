import Foundation
import Logging
import NIOConcurrencyHelpers
import Vapor

/// Counts the SQL statements the application sends: SQLKit logs each statement it executes ("Executing query", with
/// the SQL in the `sql` metadata) on the database's logger. Outside a transaction that is the request's logger
/// (`req.db`); inside one it is the pooled connection's, which is the logger that opened it: the application's, during
/// the migrations. So `withTestApp(statements:)` gives the application a logger writing into this log before the
/// database is configured, and a middleware gives every request one; `record` returns the statements sent while its
/// body ran (`BEGIN`/`COMMIT` count as statements). Other log messages go on to the application's original logger.
final class StatementLog: Sendable {
    private let box = NIOLockedValueBox<(recording: Bool, statements: [String])>((false, []))

    /// Gives the application a capturing logger; called by `withTestApp` before it configures the database.
    func install(_ app: Application) {
        let original = app.logger
        app.logger = Logger(label: original.label) { [self] _ in Handler(log: self, forward: original) }
    }

    /// Adds the middleware giving each request a capturing logger; called by `withTestApp` after configuring.
    func installMiddleware(_ app: Application) {
        app.middleware.use(Capture(log: self))
    }

    /// The statements sent by requests while `body` ran, in order.
    func record(_ body: () async throws -> Void) async rethrows -> [String] {
        box.withLockedValue { $0 = (true, []) }
        defer { box.withLockedValue { $0.recording = false } }
        try await body()
        return box.withLockedValue { $0.statements }
    }

    /// Connection set-up (`PRAGMA cache_size` on a reader's first use, `PRAGMA journal_mode` once) is not the
    /// action's: which reader serves a read varies, so it is left out of the count.
    fileprivate func append(_ sql: String) {
        guard !sql.uppercased().hasPrefix("PRAGMA") else { return }
        box.withLockedValue { if $0.recording { $0.statements.append(sql) } }
    }

    private struct Capture: AsyncMiddleware {
        let log: StatementLog

        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let original = request.logger
            var logger = Logger(label: original.label) { _ in Handler(log: log, forward: original) }
            logger[metadataKey: "request-id"] = request.logger[metadataKey: "request-id"]
            request.logger = logger
            return try await next.respond(to: request)
        }
    }

    private struct Handler: LogHandler {
        let log: StatementLog
        let forward: Logger
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            if event.message.description == "Executing query", case .string(let sql)? = event.metadata?["sql"] {
                log.append(sql)
            } else if event.level >= forward.logLevel {
                forward.log(
                    level: event.level, event.message, metadata: event.metadata, source: event.source, file: event.file,
                    function: event.function, line: event.line)
            }
        }
    }
}
