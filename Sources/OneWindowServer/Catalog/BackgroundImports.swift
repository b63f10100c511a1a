import Foundation
import Vapor

/// Imports running in the background of this instance, so shutdown can wait for them.
final class BackgroundImports: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [UUID: Task<Void, Never>] = [:]
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func start(_ id: UUID, _ work: @escaping @Sendable () async throws -> ImportRun) {
        let logger = self.logger
        let task = Task {
            do {
                _ = try await work()
            } catch {
                logger.error("import \(id) failed: \(String(reflecting: error))")
            }
            self.finish(id)
        }
        lock.withLock { tasks[id] = task }
    }

    private func finish(_ id: UUID) {
        _ = lock.withLock { tasks.removeValue(forKey: id) }
    }

    /// Waits for every running import (used at shutdown and by tests).
    func waitForAll() async {
        while true {
            let pending = lock.withLock { tasks }
            if pending.isEmpty { return }
            for (id, task) in pending {
                await task.value
                finish(id)
            }
        }
    }
}

extension Application {
    private struct BackgroundImportsKey: StorageKey { typealias Value = BackgroundImports }

    var backgroundImports: BackgroundImports {
        get { storage[BackgroundImportsKey.self]! }
        set { storage[BackgroundImportsKey.self] = newValue }
    }
}
