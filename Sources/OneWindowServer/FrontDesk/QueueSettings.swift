import Foundation
import OneWindowCore
import Vapor

/// The queue rules a deployment may tune, from the environment at start-up:
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `ONEWINDOW_PRIORITY_IN_A_ROW` | 3 | priority calls in a row at a window before a waiting normal ticket is called (1–20) |
/// | `ONEWINDOW_RECALLS_BEFORE_NO_SHOW` | 2 | recalls before 过号 is allowed (0–10) |
/// | `ONEWINDOW_ELDERLY_AGE` | 70 | age from which the 身份证号 gives a 绿色通道 ticket (50–100) |
struct QueueSettings: Sendable {
    /// Priority (绿色通道 and appointment) calls in a row at one window before a waiting normal ticket must be called.
    var maxPriorityInARow = 3
    /// Recalls (重呼) before a ticket may be marked 过号.
    var recallsBeforeNoShow = 2
    /// "即将到号" is sent when this many people are ahead.
    var soonAhead = 3
    var priority = PriorityRule()
    var booking = BookingRules()

    /// - Throws: a start-up error naming the variable when a value is not a whole number in its range.
    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> QueueSettings {
        func number(_ name: String, _ range: ClosedRange<Int>, _ fallback: Int) throws -> Int {
            guard let text = env[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw Abort(
                    .internalServerError, reason: "\(name)=\(text) should be a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        var settings = QueueSettings()
        settings.maxPriorityInARow = try number("ONEWINDOW_PRIORITY_IN_A_ROW", 1...20, 3)
        settings.recallsBeforeNoShow = try number("ONEWINDOW_RECALLS_BEFORE_NO_SHOW", 0...10, 2)
        settings.priority = PriorityRule(elderlyAge: try number("ONEWINDOW_ELDERLY_AGE", 50...100, 70))
        return settings
    }
}

extension Application {
    private struct QueueSettingsKey: StorageKey { typealias Value = QueueSettings }

    var queueSettings: QueueSettings {
        get { storage[QueueSettingsKey.self] ?? QueueSettings() }
        set { storage[QueueSettingsKey.self] = newValue }
    }
}
