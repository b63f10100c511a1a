import Foundation
import OneWindowCore

/// Local times as pages and notices write them, in the deployment's zone. Computed from the zone's offset at the
/// instant (no formatter per call: lists and the simulator format hundreds of thousands); seconds are truncated.
enum LocalTime {
    /// `2025-09-30 14:05`.
    static func format(_ date: Date, in zone: TimeZone) -> String {
        let (day, second) = parts(date, zone)
        return "\(day) \(two(second / 3600)):\(two(second / 60 % 60))"
    }

    /// The local clock time `HH:mm`.
    static func clock(_ date: Date, in zone: TimeZone) -> String {
        let (_, second) = parts(date, zone)
        return "\(two(second / 3600)):\(two(second / 60 % 60))"
    }

    /// A deadline to the second: `2025-09-30 23:59:59` (RULES.md: limits end at 23:59:59 or 12:00 local).
    static func formatDeadline(_ date: Date, in zone: TimeZone) -> String {
        let (day, second) = parts(date, zone)
        return "\(day) \(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }

    /// An instant for machines: ISO 8601 with the zone's offset, `2025-09-30T23:59:59+08:00`; nil for nil.
    static func iso(_ date: Date?, _ zone: TimeZone) -> String? {
        guard let date else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// The local date and the whole seconds into it.
    private static func parts(_ date: Date, _ zone: TimeZone) -> (LocalDate, Int) {
        let local = Int((date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))).rounded(.down))
        let day = LocalDate(dayNumber: Int((Double(local) / 86_400).rounded(.down)))
        return (day, local - day.dayNumber * 86_400)
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
}
