import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The four CSV exports (issue 7, part 3): 办件, 12345 工单, 好差评 and 排队号, each over a range of local dates.
///
/// Who may export, and who may export full personal data, follows the pages that show the same records:
/// - 办件: the case staff; the full name, 证件号码 and phone are the case page's audited full view, open to the same
///   roles, so a full export is too.
/// - 12345 工单: the hotline's staff and directors; full appellant data only for the hotline's own staff
///   (`HotlineAccess.hotline`), as on the work-order page.
/// - 好差评 and 排队号: supervisors, directors, admins; always masked (no page shows a rater's comment or a ticket's
///   name, 身份证号 or phone in full).
/// A full export writes one `export.unmasked` audit event with the number of records (RULES.md, Identity).
enum ExportKind: String, CaseIterable, Sendable {
    case cases
    case workOrders = "work-orders"
    case ratings
    case tickets

    var label: String {
        switch self {
        case .cases: return "办件"
        case .workOrders: return "12345 工单"
        case .ratings: return "好差评"
        case .tickets: return "排队号"
        }
    }

    /// The start of the file name (`办件-2024-01-01至2024-12-31.csv`).
    var fileStem: String {
        switch self {
        case .cases: return "办件"
        case .workOrders: return "工单"
        case .ratings: return "好差评"
        case .tickets: return "排队号"
        }
    }

    /// Which date the range applies to, as the page says it.
    var dateDefinition: String {
        switch self {
        case .cases: return "按申请（登记）时间"
        case .workOrders: return "按受理时间（不含导入的历史留言）"
        case .ratings: return "按评价时间"
        case .tickets: return "按取号日期"
        }
    }

    var path: String { SiteRoute.export(rawValue).path() }

    /// The roles that may download the export (masked).
    var roles: Set<Role> {
        switch self {
        case .cases: return [.clerk, .approver, .supervisor, .director, .admin]
        case .workOrders: return [.hotlineAgent, .supervisor, .director, .admin]
        case .ratings, .tickets: return [.supervisor, .director, .admin]
        }
    }

    /// The roles that may download it with full personal data (`full=1`, audited); empty: always masked. A bulk file of
    /// the whole county's applicants is not what a clerk's or an approver's work needs (RULES.md: full values only where
    /// the role and the record need them): they open a single case's full view, audited, on its page.
    var fullRoles: Set<Role> {
        switch self {
        case .cases: return roles.intersection(AccessPolicy.fullExportRoles(for: .application))
        case .workOrders: return roles.intersection(AccessPolicy.fullExportRoles(for: .workOrder)).intersection(HotlineAccess.hotline)
        case .ratings, .tickets: return []
        }
    }

    var header: [String] {
        switch self {
        case .cases:
            return [
                "办件编号", "事项编码", "事项名称", "实施部门", "办件类型", "受理渠道", "状态", "申请人类型", "申请人", "证件号码", "联系电话",
                "申请时间", "受理时间", "承诺时限（工作日）", "承诺期限", "办结时间", "是否超期", "申请事由",
            ]
        case .workOrders:
            return [
                "工单编号", "受理时间", "来源渠道", "诉求类型", "紧急程度", "诉求人", "联系电话", "标题", "诉求内容", "地址", "诉求分类", "主办单位",
                "状态", "答复期限", "答复时间", "回访满意度", "催办次数", "重办次数", "办结时间",
            ]
        case .ratings:
            return [
                "评价时间", "评价对象类型", "评价对象", "部门", "窗口", "工作人员", "事项编码", "评价指标", "评价等级", "等级名称", "是否差评",
                "评价渠道", "是否实名", "是否默认好评", "评价内容",
            ]
        case .tickets:
            return [
                "取号日期", "号码", "大厅", "类别", "取号方式", "优先类别", "姓名", "身份证号", "手机", "取号时间", "首次叫号", "开始办理", "办结时间",
                "状态", "窗口", "工作人员", "等候分钟", "办理分钟", "重呼次数", "转移次数",
            ]
        }
    }
}

/// The local dates of an export, inclusive, and the instants they span in the deployment's zone.
struct ExportRange: Sendable, Equatable {
    let from: LocalDate
    let to: LocalDate
    /// `from` 00:00 local.
    let start: Date
    /// The day after `to`, 00:00 local (exclusive).
    let end: Date

    init(from: LocalDate, to: LocalDate, zone: TimeZone) {
        self.from = from
        self.to = to
        self.start = from.instant(in: zone)
        self.end = to.adding(days: 1).instant(in: zone)
    }

    /// Reads `from` and `to` (`YYYY-MM-DD`); missing ones default to 1 January of this year and today.
    /// - Throws: `PlatformError.invalidField` naming `from` or `to` when one is not a date, or `to` is before `from`.
    static func parse(from fromText: String?, to toText: String?, today: LocalDate, zone: TimeZone) throws -> ExportRange {
        func date(_ text: String?, field: String, label: String) throws -> LocalDate? {
            guard let text = TextNormalization.normalizedOrNil(text) else { return nil }
            guard let date = LocalDate(iso: text) else {
                throw PlatformError.invalidField(FieldError(field: field, message: "\(label)（\(field)）应为 YYYY-MM-DD 格式的日期，如 2024-01-01"))
            }
            return date
        }
        let from = try date(fromText, field: "from", label: "开始日期") ?? LocalDate(year: today.year, month: 1, day: 1)!
        let to = try date(toText, field: "to", label: "结束日期") ?? today
        guard from <= to else {
            throw PlatformError.invalidField(FieldError(field: "to", message: "结束日期（to）\(to) 早于开始日期（from）\(from)"))
        }
        return ExportRange(from: from, to: to, zone: zone)
    }
}
