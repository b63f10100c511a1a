import FluentKit
import FluentSQLiteDriver
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// SQLite through one writer connection and a pool of read-only reader connections, in WAL mode.
///
/// Every write — a `writeTransaction`, Fluent's `transaction`, a `create`/`update`/`delete` query, a schema change, a
/// raw statement that is not a `SELECT` — goes through the one writer connection, in turn: SQLite runs one writer at a
/// time anyway, and a second writing connection would contend for the write lock. That contention is the lesson of
/// the single-connection design this replaces: sqlite-nio's busy handler retries without sleeping on a thread-pool
/// thread, so two writers waiting spin every pool thread and the lock holder never gets one to commit (a hang at
/// 200 % CPU). A plain read (`.read`/`.aggregate` query, raw `SELECT`) takes the first free reader: a connection
/// opened `mode=ro` on the same file. In WAL mode readers never wait for the writer nor it for them, so nobody
/// busy-waits: a reader sees every transaction committed before its statement began, and a write that reaches a reader
/// fails at once (`SQLITE_READONLY`). Reads inside a write transaction use that transaction's connection.
///
/// The writer runs on a thread of its own and the readers on `readers` threads of their own, so a long read can hold
/// neither the writer's thread nor its connection. Routing is done by `RoutedDatabase`.
struct SQLiteReadersWriter: DatabaseConfiguration {
    /// The database file (absolute path).
    let path: String
    /// How many reader connections (and reader threads) to open, at least 1.
    let readers: Int
    /// How long a write may wait for the writer connection before it fails.
    let writerTimeout: TimeAmount
    var middleware: [any AnyModelMiddleware] = []

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        Driver(path: path, readers: max(1, readers), writerTimeout: writerTimeout, group: databases.eventLoopGroup)
    }

    /// The read-only form of a file path: a `file:` URI with `mode=ro` (SQLite opens it with `SQLITE_OPEN_URI`).
    static func readOnlyURI(_ path: String) -> String {
        var components = URLComponents(url: URL(fileURLWithPath: path), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "mode", value: "ro")]
        return components.url!.absoluteString
    }

    final class Driver: DatabaseDriver {
        let writer: any DatabaseDriver
        let writerLoop: any EventLoop
        let lanes: [(driver: any DatabaseDriver, loop: any EventLoop)]
        let gate: ReaderGate
        private let threadPools: [NIOThreadPool]
        /// `PRAGMA journal_mode=WAL` through the writer: running (`pending`) or done.
        private let walReady = NIOLockedValueBox<(pending: EventLoopFuture<Void>?, done: Bool)>((nil, false))
        private let preparedLanes = NIOLockedValueBox<Set<Int>>([])

        init(path: String, readers: Int, writerTimeout: TimeAmount, group: any EventLoopGroup) {
            let writerThreads = NIOThreadPool(numberOfThreads: 1)
            let readerThreads = NIOThreadPool(numberOfThreads: readers)
            writerThreads.start()
            readerThreads.start()
            threadPools = [writerThreads, readerThreads]
            writer = DatabaseConfigurationFactory.sqlite(.file(path), connectionPoolTimeout: writerTimeout).make()
                .makeDriver(for: Databases(threadPool: writerThreads, on: group))
            writerLoop = group.any()
            let readOnly = SQLiteConfiguration(storage: .file(path: SQLiteReadersWriter.readOnlyURI(path)))
            lanes = (0..<readers).map { _ in
                (
                    DatabaseConfigurationFactory.sqlite(readOnly, connectionPoolTimeout: .seconds(60)).make()
                        .makeDriver(for: Databases(threadPool: readerThreads, on: group)),
                    group.next()
                )
            }
            gate = ReaderGate(lanes: readers)
        }

        func makeDatabase(with context: DatabaseContext) -> any Database {
            RoutedDatabase(context: context, target: .split(self))
        }

        /// The writer connection's database for `context` (its pool lives on one fixed event loop).
        func writerDatabase(_ context: DatabaseContext) -> any Database {
            writer.makeDatabase(with: context.on(writerLoop))
        }

        /// Runs `body` on the first free reader, after the file is in WAL mode (set once through the writer: a
        /// read-only connection cannot set it, and without it readers and the writer would lock each other out).
        func read<T: Sendable>(_ context: DatabaseContext, _ body: @escaping @Sendable (any Database) -> EventLoopFuture<T>)
            -> EventLoopFuture<T>
        {
            ensureWAL(context).flatMap {
                self.gate.acquire(on: context.eventLoop) { self.lanes[$0].loop === context.eventLoop }
            }.flatMap { lane in
                let database = self.lanes[lane].driver.makeDatabase(with: context.on(self.lanes[lane].loop))
                return self.prepare(lane, database).flatMap { body(database) }.hop(to: context.eventLoop)
                    .always { _ in self.gate.release(lane) }
            }
        }

        /// A reader's first use sets its page cache (`PRAGMA cache_size`, per connection): 32 MiB for the year-long
        /// reads of figures and exports.
        private func prepare(_ lane: Int, _ database: any Database) -> EventLoopFuture<Void> {
            guard !preparedLanes.withLockedValue({ $0.contains(lane) }) else { return database.eventLoop.makeSucceededVoidFuture() }
            return (database as! any SQLDatabase).raw("PRAGMA cache_size=-32768").run().map {
                self.preparedLanes.withLockedValue { _ = $0.insert(lane) }
            }
        }

        private func ensureWAL(_ context: DatabaseContext) -> EventLoopFuture<Void> {
            let (future, started) = walReady.withLockedValue { state -> (EventLoopFuture<Void>?, Bool) in
                if state.done { return (nil, false) }
                if let pending = state.pending { return (pending, false) }
                let future = (writerDatabase(context) as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
                state.pending = future
                return (future, true)
            }
            guard let future else { return context.eventLoop.makeSucceededVoidFuture() }
            if started {
                // Outside the lock: a callback on a completed future may run at once, on this thread.
                future.whenComplete { result in
                    self.walReady.withLockedValue { state in
                        state.pending = nil
                        if case .success = result { state.done = true }
                    }
                }
            }
            return future.hop(to: context.eventLoop)
        }

        func shutdown() {
            writer.shutdown()
            for lane in lanes { lane.driver.shutdown() }
            for pool in threadPools { try? pool.syncShutdownGracefully() }
        }

        func shutdownAsync() async {
            await writer.shutdownAsync()
            for lane in lanes { await lane.driver.shutdownAsync() }
            for pool in threadPools { try? await pool.shutdownGracefully() }
        }
    }
}

/// Hands out reader lanes: the first free one, or the first to be released, in order of asking.
final class ReaderGate: Sendable {
    private struct State {
        var free: [Int]
        var waiting: [EventLoopPromise<Int>] = []
    }
    private let state: NIOLockedValueBox<State>

    init(lanes: Int) { state = NIOLockedValueBox(State(free: Array((0..<lanes).reversed()))) }

    /// The first free lane, one for which `preferred` holds if any is free (a reader on the caller's event loop saves
    /// two hops between loops); otherwise the first lane released.
    func acquire(on loop: any EventLoop, preferring preferred: (Int) -> Bool = { _ in true }) -> EventLoopFuture<Int> {
        state.withLockedValue { state in
            if let index = state.free.lastIndex(where: preferred) { return loop.makeSucceededFuture(state.free.remove(at: index)) }
            if let lane = state.free.popLast() { return loop.makeSucceededFuture(lane) }
            let promise = loop.makePromise(of: Int.self)
            state.waiting.append(promise)
            return promise.futureResult
        }
    }

    func release(_ lane: Int) {
        let next = state.withLockedValue { state -> EventLoopPromise<Int>? in
            if state.waiting.isEmpty {
                state.free.append(lane)
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.succeed(lane)
    }
}

extension DatabaseContext {
    /// The same context on another event loop (the pool of a connection lives on one loop).
    func on(_ loop: any EventLoop) -> DatabaseContext {
        DatabaseContext(
            configuration: configuration, logger: logger, eventLoop: loop, history: history, pageSizeLimit: pageSizeLimit,
            shouldTrace: shouldTrace)
    }
}
