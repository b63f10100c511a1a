import Foundation
import OneWindowCore

/// How a case's deadline looks on a list or a page: the light, its words (colour is never the only signal) and
/// the due time.
struct DeadlineBadge: Encodable, Sendable {
    /// `green`, `yellow`, `red`, `paused`, `done`, `late`, `none` (a CSS class).
    let tone: String
    /// 正常 / 预警 / 超期 / 暂停计时 / 按时办结 / 超期办结.
    let label: String
    /// `2025-09-30 23:59:59`, or `—`.
    let due: String

    static func of(_ record: Case, now: Date, calendar: WorkingCalendar, zone: TimeZone) -> DeadlineBadge {
        let due = record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "—"
        if record.state.isFinished, let completed = record.completedAt {
            let onTime = record.dueAt.map { completed <= $0 } ?? false
            return DeadlineBadge(tone: onTime ? "done" : "late", label: onTime ? "按时办结" : "超期办结", due: due)
        }
        switch record.state {
        case .paused: return DeadlineBadge(tone: "paused", label: "暂停计时", due: "恢复后重算")
        case .submitted: return DeadlineBadge(tone: "none", label: "待预审", due: "受理后起算")
        case .rejected: return DeadlineBadge(tone: "none", label: "不予受理", due: "—")
        default: break
        }
        guard let dueAt = record.dueAt else { return DeadlineBadge(tone: "none", label: "—", due: due) }
        let local = Calendar(identifier: .gregorian).dateComponents(in: zone, from: dueAt)
        let dueTime = DueTime(date: LocalDate(dueAt, in: zone), atNoon: local.hour == 12)
        let light = (try? WarningLight.evaluate(now: now, due: dueTime, limit: record.promised, calendar: calendar, zone: zone)) ?? .green
        return DeadlineBadge(tone: light.rawValue, label: light == .green ? "正常" : (light == .yellow ? "黄灯 预警" : "红灯 超期"), due: due)
    }
}

/// One row of a case list (masked applicant: lists are seen over shoulders).
struct CaseRow: Encodable, Sendable {
    let id: String
    let link: String
    let caseNumber: String
    let itemName: String
    let department: String
    let applicant: String
    let state: String
    let channel: String
    let caseType: String
    let owner: String
    let accepted: String
    let badge: DeadlineBadge

    init(_ record: Case, applicant: Applicant?, now: Date, calendar: WorkingCalendar, zone: TimeZone) {
        id = record.id!.uuidString
        link = SiteRoute.caseRecord.path(record.id!)
        caseNumber = record.caseNumber
        itemName = record.itemName
        department = record.currentDepartmentName
        self.applicant = applicant?.maskedName ?? "—"
        state = record.state.label
        channel = record.channel.label
        caseType = record.caseType.label
        owner = record.ownerName ?? "—"
        accepted = record.acceptedAt.map { LocalTime.format($0, in: zone) } ?? LocalTime.format(record.submittedAt, in: zone)
        badge = DeadlineBadge.of(record, now: now, calendar: calendar, zone: zone)
    }
}
