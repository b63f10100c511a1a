import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `/dashboard`: the centre's live figures for its staff, `/dashboard.json` (polled every 5 s by
/// `Public/js/dashboard.js`; the figures span cases, tickets and work orders, which publish no common live event),
/// and `/dashboard/{figure}`: the records behind a figure that no existing list shows with that filter.
struct DashboardController {
    static let roles: Set<Role> = [.clerk, .supervisor, .director, .admin]
    /// How many records a list behind a figure shows at most.
    static let listLimit = 500

    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(Self.roles))
        staff.get(.dashboard, use: page)
        staff.get(.dashboardJSON, use: json)
        staff.get(.dashboardFigure, use: list)
    }

    struct Context: Encodable {
        let page: PageChrome
        let figures: Dashboard.Figures
        let overdueLink: String
    }

    func page(req: Request) async throws -> View {
        let figures = try await Dashboard.figures(region: req.settings.region.value, now: req.now, zone: req.settings.timeZone, on: req.db)
        return try await req.view.render(
            "stats/dashboard",
            Context(
                page: PageChrome(request: req, title: "实时看板"), figures: figures,
                overdueLink: SiteRoute.cases.path(query: ["view": "overdue"])))
    }

    func json(req: Request) async throws -> Dashboard.Figures {
        try await Dashboard.figures(region: req.settings.region.value, now: req.now, zone: req.settings.timeZone, on: req.db)
    }

    struct ListContext: Encodable {
        struct Row: Encodable {
            let cells: [String]
            let link: String?
        }
        let page: PageChrome
        let heading: String
        let explanation: String
        let columns: [String]
        let rows: [Row]
        let total: Int
        let limit: Int
    }

    /// `waiting`, `windows`, `due-today`, `to-sign`: the records behind the figure, names masked.
    func list(req: Request) async throws -> View {
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let now = req.now
        let staff = try req.auth.require(Staff.self)
        let heading: String
        let explanation: String
        let columns: [String]
        var rows: [ListContext.Row] = []
        let total: Int
        switch req.parameters.get("figure") ?? "" {
        case "waiting":
            heading = "等候中的排队号"
            explanation = "今日取号、仍在等候叫号的排队号，按取号先后排列。"
            columns = ["号码", "大厅", "类别", "取号时间", "已等候（分钟）", "优先类别"]
            let query = Dashboard.waitingQuery(region: region, day: LocalDate(now, in: zone), on: req.db)
            total = try await query.count()
            let tickets = try await query.sort(\.$arrivedAt).sort(\.$sequence).limit(Self.listLimit).all()
            let halls = try await names(Hall.scoped(on: req.db, to: region).all(), \.name)
            let categories = try await names(TicketCategory.scoped(on: req.db, to: region).all(), \.name)
            rows = tickets.map {
                .init(
                    cells: [
                        $0.number, halls[$0.$hall.id] ?? "", categories[$0.$category.id] ?? "", LocalTime.clock($0.arrivedAt, in: zone),
                        String(max(0, Int(now.timeIntervalSince($0.arrivedAt) / 60))), $0.priority.label,
                    ], link: nil)
            }
        case "windows":
            heading = "在岗窗口"
            explanation = "今日已登录叫号的窗口，以及各窗口正在办理的排队号。"
            columns = ["大厅", "窗口", "工作人员", "登录时间", "状态", "正在办理"]
            let desks = try await Dashboard.signedInDesks(region: region, now: now, zone: zone, on: req.db).with(\.$window).with(\.$hall)
                .all()
            total = desks.count
            let serving = try await Ticket.scoped(on: req.db, to: region)
                .filter(\.$serviceDay == LocalDate(now, in: zone).description).filter(\.$state == .serving).all()
            rows = desks.sorted { ($0.hall.name, $0.window.number) < ($1.hall.name, $1.window.number) }.map { desk in
                let current = serving.filter { $0.$window.id == desk.$window.id }.map(\.number).joined(separator: "、")
                return .init(
                    cells: [
                        desk.hall.name, "\(desk.window.number) 号 \(desk.window.name)", desk.staffName ?? "",
                        desk.signedInAt.map { LocalTime.clock($0, in: zone) } ?? "", desk.paused ? "暂停服务" : "服务中", current,
                    ],
                    link: nil)
            }
        case "due-today":
            heading = "今日到期办件"
            explanation = "已受理、审查中或已决定，承诺期限在今天的办件（暂停计时中的不计）。"
            columns = ["办件编号", "事项", "当前部门", "状态", "承诺期限", "申请人"]
            let query = Dashboard.dueTodayQuery(region: region, now: now, zone: zone, on: req.db)
            total = try await query.count()
            let cases = try await query.sort(\.$dueAt).sort(\.$caseNumber).limit(Self.listLimit).all()
            let applicants = try await CaseWebController.applicants(of: cases, on: req.db)
            let mayOpen = !CasesModule.staffRoles.isDisjoint(with: staff.roles)
            rows = cases.map {
                .init(
                    cells: [
                        $0.caseNumber, $0.itemName, $0.currentDepartmentName, $0.state.label,
                        $0.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "", applicants[$0.$applicant.id]?.maskedName ?? "",
                    ],
                    link: mayOpen ? $0.id.map { SiteRoute.caseRecord.path($0) } : nil)
            }
        case "to-sign":
            heading = "待签收工单"
            explanation = "已派给承办单位（主办或协办）、尚未签收的工单派单。"
            columns = ["工单编号", "标题", "承办单位", "主办/协办", "派单时间", "签收期限"]
            let query = Dashboard.toSignQuery(region: region, on: req.db)
            total = try await query.count()
            let assignments = try await query.sort(\.$assignedAt).limit(Self.listLimit).with(\.$workOrder).with(\.$department).all()
            let mayOpen = !HotlineOrderController.staffRoles.isDisjoint(with: staff.roles)
            rows = assignments.map {
                .init(
                    cells: [
                        $0.workOrder.number, Masking.redact($0.workOrder.title), $0.department.name, $0.role.label,
                        LocalTime.format($0.assignedAt, in: zone),
                        $0.workOrder.signDueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "",
                    ],
                    link: mayOpen ? $0.workOrder.id.map { SiteRoute.hotlineOrder.path($0) } : nil)
            }
        default:
            throw PlatformError.notFound(what: "这项看板数据")
        }
        return try await req.view.render(
            "stats/dashboard-list",
            ListContext(
                page: PageChrome(request: req, title: heading), heading: heading, explanation: explanation, columns: columns, rows: rows,
                total: total, limit: Self.listLimit))
    }

    private func names<M: Model>(_ models: [M], _ name: KeyPath<M, String>) -> [UUID: String] where M.IDValue == UUID {
        Dictionary(models.compactMap { model in model.id.map { ($0, model[keyPath: name]) } }, uniquingKeysWith: { first, _ in first })
    }
}
