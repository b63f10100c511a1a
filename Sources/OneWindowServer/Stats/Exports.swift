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
        case .cases: return [.supervisor, .director, .admin]
        case .workOrders: return roles.intersection(HotlineAccess.hotline)
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

/// Reads one export's records page by page (keyset on a unique, indexed key) and turns them into CSV cells.
/// Request-free: tests call it with a `Database`.
struct ExportSource: Sendable {
    static let pageSize = 1_000

    let kind: ExportKind
    let range: ExportRange
    let region: String
    let zone: TimeZone
    /// Full personal data (the caller has checked the role and written the audit event).
    let full: Bool
    /// For 是否超期 of cases still open.
    let now: Date

    var filename: String { "\(kind.fileStem)-\(range.from)至\(range.to).csv" }

    /// How many records the export holds (for the audit event of a full export).
    func count(on db: any Database) async throws -> Int {
        switch kind {
        case .cases: return try await casesQuery(db).count()
        case .workOrders: return try await workOrdersQuery(db).count()
        case .ratings: return try await ratingsQuery(db).count()
        case .tickets: return try await ticketsQuery(db).count()
        }
    }

    /// Hands the rows to `emit`, `pageSize` records at a time.
    /// - Returns: how many rows were written.
    @discardableResult
    func stream(on db: any Database, pageSize: Int = Self.pageSize, emit: @Sendable ([[CSVExport.Cell]]) async throws -> Void) async throws
        -> Int
    {
        var written = 0
        switch kind {
        case .cases:
            var after: String?
            while true {
                let query = casesQuery(db)
                if let after { query.filter(\.$caseNumber > after) }
                let page = try await query.sort(\.$caseNumber).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(try await caseRows(page, on: db))
                written += page.count
                after = last.caseNumber
                if page.count < pageSize { break }
            }
        case .workOrders:
            let lookups = try await WorkOrderLookups(region: region, on: db)
            var after: String?
            while true {
                let query = workOrdersQuery(db)
                if let after { query.filter(\.$number > after) }
                let page = try await query.sort(\.$number).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(page.map { workOrderRow($0, lookups: lookups) })
                written += page.count
                after = last.number
                if page.count < pageSize { break }
            }
        case .ratings:
            var after: UUID?
            while true {
                let query = ratingsQuery(db)
                if let after { query.filter(\.$id > after) }
                let page = try await query.sort(\.$id).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(page.map(ratingRow))
                written += page.count
                after = last.id
                if page.count < pageSize { break }
            }
        case .tickets:
            let halls = Dictionary(
                uniqueKeysWithValues: try await Hall.query(on: db).filter(\.$regionCode == region).all().map { ($0.id!, $0.name) })
            let categories = Dictionary(
                uniqueKeysWithValues: try await TicketCategory.query(on: db).filter(\.$regionCode == region).all()
                    .map { ($0.id!, $0.name) })
            var after: UUID?
            while true {
                let query = ticketsQuery(db)
                if let after { query.filter(\.$id > after) }
                let page = try await query.sort(\.$id).limit(pageSize).all()
                guard let last = page.last else { break }
                try await emit(page.map { ticketRow($0, halls: halls, categories: categories) })
                written += page.count
                after = last.id
                if page.count < pageSize { break }
            }
        }
        return written
    }

    // MARK: Queries

    private func casesQuery(_ db: any Database) -> QueryBuilder<Case> {
        Case.query(on: db).filter(\.$regionCode == region).filter(\.$submittedAt >= range.start).filter(\.$submittedAt < range.end)
    }

    private func workOrdersQuery(_ db: any Database) -> QueryBuilder<WorkOrder> {
        WorkOrder.query(on: db).filter(\.$regionCode == region).filter(\.$sourceRef == nil)
            .filter(\.$receivedAt >= range.start).filter(\.$receivedAt < range.end)
    }

    private func ratingsQuery(_ db: any Database) -> QueryBuilder<Rating> {
        Rating.query(on: db).filter(\.$regionCode == region).filter(\.$ratedAt >= range.start).filter(\.$ratedAt < range.end)
    }

    private func ticketsQuery(_ db: any Database) -> QueryBuilder<Ticket> {
        Ticket.query(on: db).filter(\.$regionCode == region)
            .filter(\.$serviceDay >= range.from.description).filter(\.$serviceDay <= range.to.description)
    }

    // MARK: Rows

    private func time(_ date: Date?) -> CSVExport.Cell { .value(date.map { LocalTime.format($0, in: zone) } ?? "") }

    private func yes(_ flag: Bool) -> CSVExport.Cell { .value(flag ? "是" : "否") }

    private func caseRows(_ page: [Case], on db: any Database) async throws -> [[CSVExport.Cell]] {
        let applicants = try await CaseWebController.applicants(of: page, on: db)
        return page.map { record in
            let applicant = applicants[record.$applicant.id]
            let name = applicant.map { full ? $0.name : $0.maskedName } ?? ""
            let number = applicant.map { full ? $0.idNumber : $0.maskedNumber } ?? ""
            let overdue: String
            if let due = record.dueAt {
                overdue = (record.completedAt ?? now) > due ? "是" : "否"
            } else {
                overdue = ""
            }
            return [
                .value(record.caseNumber), .value(record.itemCode), .text(record.itemName), .text(record.departmentName),
                .value(record.caseType.label), .value(record.channel.label), .value(record.state.label),
                .value(applicant?.kind.label ?? ""), .text(name), .value(number),
                .value(full ? record.contactPhone : Masking.phone(record.contactPhone)),
                time(record.submittedAt), time(record.acceptedAt), .number(record.promised.days),
                .value(record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? ""), time(record.completedAt), .value(overdue),
                .text(record.applicantNote.map { full ? $0 : Masking.redact($0) } ?? ""),
            ]
        }
    }

    /// Category paths and department names of the region, read once per export.
    struct WorkOrderLookups: Sendable {
        let categories: [UUID: String]
        let departments: [UUID: String]

        init(region: String, on db: any Database) async throws {
            categories = Dictionary(
                uniqueKeysWithValues: try await HotlineCategory.query(on: db).filter(\.$regionCode == region).all()
                    .map { ($0.id!, $0.path) })
            departments = Dictionary(uniqueKeysWithValues: try await Department.query(on: db).all().map { ($0.id!, $0.name) })
        }
    }

    private func workOrderRow(_ order: WorkOrder, lookups: WorkOrderLookups) -> [CSVExport.Cell] {
        let name = order.appellantName.map { full ? $0 : Masking.name($0) } ?? "匿名"
        // A landline (`0715-3321777`) keeps its area code, as on the work-order page.
        let phone = order.phone.map { full ? $0 : ($0.contains("-") ? String($0.prefix(5)) + "****" : Masking.phone($0)) } ?? ""
        return [
            .value(order.number), time(order.receivedAt), .value(order.channel.label), .value(order.appealType.label),
            .value(order.urgency.label),
            .text(name), .value(phone), .text(full ? order.title : Masking.redact(order.title)),
            .text(full ? order.content : Masking.redact(order.content)), .text(full ? order.address : Masking.address(order.address)),
            .value(order.$category.id.flatMap { lookups.categories[$0] } ?? ""),
            .value(order.$leadDepartment.id.flatMap { lookups.departments[$0] } ?? ""), .value(order.state.label),
            .value(order.replyDueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? ""), time(order.repliedAt),
            .value(order.satisfaction?.label ?? ""), .integer(order.urgeCount), .integer(order.reopenCount), time(order.closedAt),
        ]
    }

    private func ratingRow(_ rating: Rating) -> [CSVExport.Cell] {
        [
            time(rating.ratedAt), .value(rating.subjectKind.label), .text(rating.subjectLabel), .text(rating.departmentName ?? ""),
            .value(rating.windowNumber ?? ""), .text(rating.staffName ?? ""), .value(rating.itemCode ?? ""), .value(rating.item.label),
            .integer(rating.level.rawValue), .value(rating.level.label), yes(rating.level.isBad), .value(rating.channel.label),
            yes(rating.realName), yes(rating.isDefault),
            // No page shows a comment in full: the export neither.
            .text(rating.comment.map(Masking.redact) ?? ""),
        ]
    }

    private static func channelLabel(_ channel: Ticket.Channel) -> String {
        switch channel {
        case .kiosk: return "现场取号"
        case .remote: return "网上取号"
        case .appointment: return "预约取号"
        case .staff: return "工作人员代取"
        }
    }

    private func ticketRow(_ ticket: Ticket, halls: [UUID: String], categories: [UUID: String]) -> [CSVExport.Cell] {
        func minutes(_ from: Date?, _ to: Date?) -> CSVExport.Cell {
            guard let from, let to else { return .value("") }
            return .integer(Int((to.timeIntervalSince(from) / 60).rounded()))
        }
        return [
            .value(ticket.serviceDay), .value(ticket.number), .value(halls[ticket.$hall.id] ?? ""),
            .value(categories[ticket.$category.id] ?? ""),
            .value(Self.channelLabel(ticket.channel)), .value(ticket.priority.label), .text(ticket.maskedName ?? ""),
            .value(ticket.idNumber.map(Masking.residentID) ?? ""), .value(ticket.phone.map(Masking.phone) ?? ""),
            time(ticket.issuedAt), time(ticket.firstCalledAt), time(ticket.servingAt), time(ticket.finishedAt), .value(ticket.state.label),
            .value(ticket.windowNumber ?? ""), .text(ticket.staffName ?? ""), minutes(ticket.arrivedAt, ticket.firstCalledAt),
            minutes(ticket.servingAt, ticket.finishedAt), .integer(ticket.recalls), .integer(ticket.transfers),
        ]
    }
}
