import FluentKit
import NIOCore

/// SQLite through exactly one connection per application.
///
/// Fluent opens one SQLite connection per event loop. Two connections of one process then contend for SQLite's
/// write lock, and sqlite-nio's busy handler retries without sleeping on a shared thread-pool thread: with two
/// writers waiting, both pool threads spin and the lock holder never gets a thread to commit (seen as a hang of the
/// whole test run at 200 % CPU). SQLite runs one writer at a time anyway, so every request here uses the pool of
/// one fixed event loop: one connection, queries in turn, no busy-waiting inside the process. PostgreSQL is untouched.
struct SingleConnectionSQLite: DatabaseConfiguration {
    var base: any DatabaseConfiguration

    var middleware: [any AnyModelMiddleware] {
        get { base.middleware }
        set { base.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        Driver(base: base.makeDriver(for: databases), loop: databases.eventLoopGroup.any())
    }

    struct Driver: DatabaseDriver {
        let base: any DatabaseDriver
        let loop: any EventLoop

        func makeDatabase(with context: DatabaseContext) -> any Database {
            base.makeDatabase(
                with: DatabaseContext(
                    configuration: context.configuration, logger: context.logger, eventLoop: loop, history: context.history,
                    pageSizeLimit: context.pageSizeLimit, shouldTrace: context.shouldTrace))
        }

        func shutdown() { base.shutdown() }

        func shutdownAsync() async { await base.shutdownAsync() }
    }
}

extension DatabaseConfigurationFactory {
    /// Wraps a SQLite configuration so the application uses one connection (`SingleConnectionSQLite`).
    static func singleConnection(_ factory: DatabaseConfigurationFactory) -> DatabaseConfigurationFactory {
        DatabaseConfigurationFactory { SingleConnectionSQLite(base: factory.make()) }
    }
}
