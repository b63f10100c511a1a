import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Deadlines a module could not count because they run into a year whose holidays are not published yet
/// (RULES.md, Time: refuse to count past the calendar). Calendar asks every provider to count them when a year is
/// loaded (admin page, `onewindow import calendar`) and at start-up; modules add themselves with
/// `app.hooks.add(PendingDeadlines.self, …)`.
protocol PendingDeadlines: Sendable {
    /// Sets every pending deadline the calendar in `context` now reaches, in `context.db`; returns how many were set.
    func countPending(_ context: ServiceContext) async throws -> Int
}

/// The words every page and text shows in place of a deadline that is pending.
enum PendingDeadline {
    /// Shown where the date would be.
    static let note = "待定（节假日安排未公布，载入后自动计算）"

    /// Asks every module to count the deadlines the calendar now reaches; returns how many were set.
    static func countAll(_ app: Application) async throws -> Int {
        let context = try await ServiceContext(app, actor: .system)
        var total = 0
        for provider in app.hooks.all((any PendingDeadlines).self) {
            total += try await provider.countPending(context)
        }
        return total
    }
}
