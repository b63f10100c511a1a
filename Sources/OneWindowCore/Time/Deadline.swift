import Foundation

/// A stretch of a case's life when the clock stops (补正 `.correction`, 特殊环节 `.specialProcedure`).
///
/// `start` is the local date the pause began (inclusive); `end` the local date the case resumed (exclusive),
/// or `nil` while it is still paused. RULES.md, Decision (pauses).
public struct Pause: Hashable, Sendable {
    public enum Reason: String, Sendable, Codable, CaseIterable {
        case correction
        case specialProcedure
    }

    public let reason: Reason
    public let start: LocalDate
    public let end: LocalDate?

    public init(_ reason: Reason = .correction, from start: LocalDate, until end: LocalDate?) {
        self.reason = reason
        self.start = start
        self.end = end
    }

    func covers(_ date: LocalDate) -> Bool {
        date >= start && (end.map { date < $0 } ?? true)
    }
}

/// When a limit runs out: the end of a local day (23:59:59) or, for a half day, its noon (12:00).
public struct DueTime: Hashable, Sendable, CustomStringConvertible {
    public let date: LocalDate
    /// `true`: 12:00 of `date`; `false`: 23:59:59 of `date`.
    public let atNoon: Bool

    public init(date: LocalDate, atNoon: Bool = false) {
        self.date = date
        self.atNoon = atNoon
    }

    /// The instant the limit runs out, in the deployment's zone.
    public func instant(in zone: TimeZone) -> Date {
        atNoon ? date.instant(hour: 12, in: zone) : date.instant(hour: 23, minute: 59, second: 59, in: zone)
    }

    /// `2025-03-17 23:59:59` or `2025-03-17 12:00`.
    public var description: String { atNoon ? "\(date) 12:00" : "\(date) 23:59:59" }
}

/// Errors in deadline arithmetic.
public enum DeadlineError: Error, Equatable, Sendable {
    case calendar(CalendarError)
    /// A pause begins before the start event, ends before it begins, or overlaps another pause.
    case invalidPause(String)

    public var message: String {
        switch self {
        case .calendar(let error): return error.message
        case .invalidPause(let why): return "暂停时段不正确：\(why)"
        }
    }
}

extension WorkingCalendar {
    /// The deadline of a limit of `limit` working days counted from an event on local date `start`.
    ///
    /// RULES.md, Decision (counting): `start` is day 0 whatever time the event happened and whether or not it
    /// is a working day; a limit of N ends at 23:59:59 of the N-th working day after it. N = 0 (即办件) ends at
    /// the end of `start`, or of the next working day when `start` is not one. N.5 ends at 12:00 of working day
    /// N+1. Decision (pauses): working days from a pause's start (inclusive) to its end (exclusive) are not
    /// counted; several pauses add up.
    ///
    /// - Returns: the due time, or `nil` while a pause is still open (the deadline is not known until resumed).
    /// - Throws: `DeadlineError.calendar(.noCalendar)` when the count reaches a year with no calendar;
    ///   `DeadlineError.invalidPause` for a pause before `start`, ending before it starts, or overlapping another.
    public func deadline(from start: LocalDate, limit: WorkingDays, pauses: [Pause] = []) throws(DeadlineError) -> DueTime? {
        let ordered = pauses.sorted { $0.start < $1.start }
        for (index, pause) in ordered.enumerated() {
            if pause.start < start { throw .invalidPause("暂停日期 \(pause.start) 早于起算日 \(start)") }
            if let end = pause.end, end < pause.start { throw .invalidPause("恢复日期 \(end) 早于暂停日期 \(pause.start)") }
            if index + 1 < ordered.count {
                guard let end = pause.end else { throw .invalidPause("暂停尚未恢复，不能再次暂停") }
                if ordered[index + 1].start < end { throw .invalidPause("暂停时段重叠") }
            }
        }
        if let last = ordered.last, last.end == nil { return nil }

        do {
            // Working days to count past day 0; a half day needs one more day, ending at noon.
            let target = limit.wholeDays + (limit.hasHalfDay ? 1 : 0)
            if target == 0 {
                var day = start
                while try !isWorkingDay(day) || ordered.contains(where: { $0.covers(day) }) { day = day.adding(days: 1) }
                return DueTime(date: day)
            }
            var counted = 0
            var day = start
            while counted < target {
                day = day.adding(days: 1)
                if try isWorkingDay(day), !ordered.contains(where: { $0.covers(day) }) { counted += 1 }
            }
            return DueTime(date: day, atNoon: limit.hasHalfDay)
        } catch {
            throw .calendar(error)
        }
    }

    /// Working days left from `today` until `due`: the working days after `today` up to and including
    /// `due.date`. `0` when due today; negative (minus the working days late) once `today` is past it.
    public func workingDaysLeft(today: LocalDate, until due: DueTime) throws(CalendarError) -> Int {
        if today <= due.date {
            return try workingDays(from: today.adding(days: 1), to: due.date.adding(days: 1))
        }
        return -(try workingDays(from: due.date.adding(days: 1), to: today.adding(days: 1)))
    }
}
