import Foundation

/// The light shown beside a running deadline (RULES.md, Time): 绿灯 on track, 黄灯 close, 红灯 overdue.
/// Colour is never the only signal: every light carries its words (`label`).
public enum WarningLight: String, Sendable, Codable, CaseIterable {
    case green
    case yellow
    case red

    /// 正常 / 预警 / 超期.
    public var label: String {
        switch self {
        case .green: return "正常"
        case .yellow: return "预警"
        case .red: return "超期"
        }
    }

    /// The light at instant `now` for a deadline `due` of a limit `limit`.
    ///
    /// 红灯 once `now` is past the due instant; 黄灯 when at most 1 working day, or at most 20 % of the
    /// limit, is left; 绿灯 otherwise.
    public static func evaluate(
        now: Date, due: DueTime, limit: WorkingDays, calendar: WorkingCalendar, zone: TimeZone
    ) throws(CalendarError) -> WarningLight {
        if now > due.instant(in: zone) { return .red }
        let left = try calendar.workingDaysLeft(today: LocalDate(now, in: zone), until: due)
        if left <= 1 || Double(left) <= 0.2 * limit.days { return .yellow }
        return .green
    }
}
