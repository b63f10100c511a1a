import Fluent
import Foundation
import SQLKit
import Vapor

/// Per-region, per-kind, per-day counters (case numbers, notice numbers).
///
/// `next` increments in the caller's write transaction with one upsert: concurrent callers are serialised by the
/// row (PostgreSQL) or by `BEGIN IMMEDIATE` (SQLite), so no two get the same value; a rolled-back transaction
/// rolls its increment back too, so the numbers that exist have no gaps.
enum DailyCounter {
    static let schema = "daily_counters"

    /// The next value (from 1) of the counter `kind` in `region` on `day` (`YYYY-MM-DD`).
    static func next(_ kind: String, region: String, day: String, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let row = try await sql.raw(
            """
            INSERT INTO daily_counters (region_code, kind, day, last_value) VALUES (\(bind: region), \(bind: kind), \(bind: day), 1)
            ON CONFLICT (region_code, kind, day) DO UPDATE SET last_value = daily_counters.last_value + 1
            RETURNING last_value
            """
        ).first()
        guard let row else { throw PlatformError.conflict("编号分配失败，请重试") }
        return try row.decode(column: "last_value", as: Int.self)
    }

    /// Reserves `count` (≥ 1) consecutive values of the counter at once (a bulk import); returns the first.
    static func reserve(_ kind: String, count: Int, region: String, day: String, on db: any Database) async throws -> Int {
        let sql = db as! any SQLDatabase
        let row = try await sql.raw(
            """
            INSERT INTO daily_counters (region_code, kind, day, last_value) VALUES (\(bind: region), \(bind: kind), \(bind: day), \(bind: count))
            ON CONFLICT (region_code, kind, day) DO UPDATE SET last_value = daily_counters.last_value + \(bind: count)
            RETURNING last_value
            """
        ).first()
        guard let row else { throw PlatformError.conflict("编号分配失败，请重试") }
        return try row.decode(column: "last_value", as: Int.self) - count + 1
    }
}

/// The application's clock: `Date()` in production; tests set a fixed instant to pin deadlines.
final class AppClock: @unchecked Sendable {
    private let lock = NSLock()
    private var fixed: Date?

    init(fixed: Date? = nil) { self.fixed = fixed }

    var now: Date {
        lock.lock(); defer { lock.unlock() }
        return fixed ?? Date()
    }

    /// Sets the instant `now` returns (`nil`: the real time again).
    func set(_ date: Date?) {
        lock.lock(); defer { lock.unlock() }
        fixed = date
    }
}

extension Application {
    private struct ClockKey: StorageKey { typealias Value = AppClock }

    var clock: AppClock {
        if let clock = storage[ClockKey.self] { return clock }
        let clock = AppClock()
        storage[ClockKey.self] = clock
        return clock
    }
}

extension Request {
    var now: Date { application.clock.now }
}
