import Fluent
import Foundation
import Vapor

/// Gives unrated completed cases their 7-day default 基本满意 (RULES.md, 好差评, Decision) once an hour while the
/// server runs (`serve` only, not in tests, which call `RatingService.applyDefaults()` with a fixed clock).
final class RatingDefaultsLifecycle: LifecycleHandler, @unchecked Sendable {
    private var task: Task<Void, Never>?

    func didBootAsync(_ application: Application) async throws {
        guard application.environment != .testing else { return }
        let command = application.environment.arguments.dropFirst().first { !$0.hasPrefix("-") }
        guard command == nil || command == "serve" else { return }
        task = Task {
            while !Task.isCancelled {
                do {
                    let service = RatingService(try await ServiceContext(application, actor: .system))
                    let count = try await service.applyDefaults()
                    if count > 0 { application.logger.info("7 日默认好评：\(count) 件") }
                } catch {
                    application.logger.warning("rating defaults failed: \(error)")
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }

    func shutdownAsync(_ application: Application) async {
        task?.cancel()
        await task?.value
    }
}
