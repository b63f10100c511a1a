import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The clerk's window console (窗口叫号): sign into a window, call next, recall, begin, finish, 过号, transfer,
/// pause; issue a ticket for someone (marking 绿色通道), check in an appointment; open the workbench for the called
/// ticket, and see the cases created for it.
struct DeskController {
    func register(_ web: any RoutesBuilder) {
        let desk = web.grouped(RoleGuard(FrontDeskAccess.desk))
        desk.get(.desk, use: choose)
        desk.grouped(RoleGuard(FrontDeskAccess.releaseWindow)).post(.deskRelease, use: release)
        desk.post(.deskSignIn, use: signIn)
        desk.get(.deskWindow, use: console)
        desk.post(.deskCall, use: callNext)
        desk.post(.deskTicketAction, use: act)
        desk.post(.deskPause, use: pause)
        desk.post(.deskResume, use: resume)
        desk.post(.deskSignOut, use: signOut)
        desk.post(.deskIssue, use: issue)
        desk.post(.deskCheckIn, use: checkIn)
    }

    /// The staff member's hall: their own, or the county centre.
    static func hall(for staff: Staff, req: Request) async throws -> Hall {
        if let id = staff.$hall.id, let hall = try await Hall.find(id, on: req.db) { return hall }
        guard
            let hall = try await Hall.scoped(on: req.db, to: req.settings.region.value).filter(\.$level == .county)
                .filter(\.$active == true).sort(\.$code).first()
        else { throw PlatformError.notFound(what: "大厅") }
        return hall
    }

    struct ChooseContext: Encodable {
        struct WindowRow: Encodable {
            let id: String; let number: String; let name: String; let kind: String; let staff: String?; let mine: Bool
        }
        let page: PageChrome
        let hall: String
        let hallCode: String
        let windows: [WindowRow]
        let categories: [SelectOption]
        /// Supervisors and admins may free a window left signed in (强制退出).
        let canRelease: Bool
        let error: String?
        let notice: String?
    }

    func choose(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        // Already at a window: straight back to it (after 受理办件, the 前台 link returns to the console).
        if (try? req.query.get(String.self, at: "choose")) == nil,
            let mine = try await WindowDesk.query(on: req.db).filter(\.$staffID == staff.id).first()
        {
            return req.redirect(to: SiteRoute.deskWindow.path(mine.$window.id))
        }
        return try await renderChoose(req, error: nil, status: .ok)
    }

    func renderChoose(_ req: Request, error: String?, notice: String? = nil, status: HTTPResponseStatus) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let hall = try await Self.hall(for: staff, req: req)
        let windows = try await Window.query(on: req.db).filter(\.$hall.$id == hall.requireID()).filter(\.$active == true).all()
            .sorted { (Int($0.number) ?? 0) < (Int($1.number) ?? 0) }
        let desks = try await WindowDesk.query(on: req.db).filter(\.$hall.$id == hall.requireID()).all()
        let categories = try await QueueWebController.categories(hall, on: req.db)
        return try await req.view.render(
            "frontdesk/desk-choose",
            ChooseContext(
                page: PageChrome(request: req, title: "窗口叫号"), hall: hall.name, hallCode: hall.code,
                windows: windows.map { window in
                    let desk = desks.first { $0.$window.id == window.id && $0.staffID != nil }
                    return .init(
                        id: window.id!.uuidString, number: window.number, name: window.name, kind: window.kind.label,
                        staff: desk?.staffName,
                        mine: desk?.staffID == staff.id)
                },
                categories: categories.map { SelectOption(value: $0.id!.uuidString, label: "\($0.prefix) \($0.name)", selected: true) },
                canRelease: staff.has(.supervisor) || staff.has(.admin), error: error, notice: notice)
        ).encodeResponse(status: status, for: req)
    }

    /// 强制退出 (supervisor, admin): frees a window left signed in; its open tickets go back to the queue with their
    /// arrival time.
    func release(req: Request) async throws -> Response {
        let window = try await Self.window(req)
        let returned = try await QueueService(req).release(window: window)
        return try await renderChoose(
            req, error: nil,
            notice: "已强制退出 \(window.number) 号窗口" + (returned.isEmpty ? "。" : "，\(returned.joined(separator: "、")) 重新排队（保留原取号时间）。"),
            status: .ok)
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.formFields()
        guard let id = form["window"].flatMap(UUID.init(uuidString:)),
            let window = try await Window.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.invalidField(FieldError(field: "window", message: "请选择窗口")) }
        let staff = try req.auth.require(Staff.self)
        if let desk = try await WindowDesk.query(on: req.db).filter(\.$window.$id == id).first(), let holder = desk.staffID,
            holder != staff.id
        {
            return try await renderChoose(
                req, error: "\(window.number) 号窗口已由\(desk.staffName ?? "其他工作人员")登录。请其先“退出窗口”；人已离开时，请督查或管理员在本页“强制退出”。",
                status: .conflict)
        }
        guard staff.has(.clerk) || staff.has(.approver) || staff.has(.director) || staff.has(.helper) || staff.has(.admin) else {
            throw PlatformError.forbidden
        }
        let categories = (form.list("categories") + form.list("categories[]")).compactMap(UUID.init(uuidString:))
        do {
            _ = try await QueueService(req).signIn(window: window, categories: categories)
        } catch let error as PlatformError {
            guard case .invalidField(let field) = error else { throw error }
            return try await renderChoose(req, error: field.message, status: .badRequest)
        }
        return req.redirect(to: SiteRoute.deskWindow.path(id))
    }

    static func window(_ req: Request) async throws -> Window {
        guard let id = req.parameters.get("window").flatMap(UUID.init(uuidString:)),
            let window = try await Window.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "窗口") }
        return window
    }

    struct ConsoleContext: Encodable {
        struct Current: Encodable {
            let id: String; let number: String; let category: String; let priority: String?; let state: String; let recalls: Int
            let serving: Bool; let canSkip: Bool; let name: String?; let waited: String; let workbenchLink: String; let cases: [LinkedCase]
        }
        struct LinkedCase: Encodable { let number: String; let item: String; let state: String; let link: String }
        struct Waiting: Encodable { let prefix: String; let name: String; let count: Int }
        struct Recent: Encodable { let number: String; let state: String; let at: String }
        let page: PageChrome
        let windowID: String
        let windowNumber: String
        let windowName: String
        let hall: String
        let hallCode: String
        let signedIn: Bool
        let paused: Bool
        let current: [Current]
        let waiting: [Waiting]
        let recent: [Recent]
        let categories: [SelectOption]
        let windows: [SelectOption]
        let priorities: [SelectOption]
        let error: String?
        let notice: String?
        let recallLimit: Int
        /// The categories this window calls (`A 综合受理、C 社保医保`).
        let calling: String
    }

    func console(req: Request) async throws -> Response {
        try await renderConsole(req, window: try await Self.window(req), error: nil, status: .ok)
    }

    func renderConsole(_ req: Request, window: Window, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let zone = req.settings.timeZone
        let today = LocalDate(req.now, in: zone)
        guard let hall = try await Hall.find(window.$hall.id, on: req.db) else { throw PlatformError.notFound(what: "大厅") }
        let desk = try await WindowDesk.query(on: req.db).filter(\.$window.$id == window.requireID()).first()
        let signedIn = desk?.staffID == staff.id
        let categories = try await QueueWebController.categories(hall, on: req.db)
        let current = try await Ticket.query(on: req.db).filter(\.$window.$id == window.requireID()).filter(
            \.$serviceDay == today.description
        )
        .filter(\.$state ~~ [.called, .serving]).sort(\.$calledAt).all()
        var rows: [ConsoleContext.Current] = []
        let limit = req.application.queueSettings.recallsBeforeNoShow
        for ticket in current {
            let cases = try await Case.query(on: req.db).filter(\.$ticketID == ticket.id).sort(\.$caseNumber).all()
            rows.append(
                .init(
                    id: ticket.id!.uuidString, number: ticket.number,
                    category: categories.first { $0.id == ticket.$category.id }?.name ?? "",
                    priority: ticket.priority.isPriority ? ticket.priority.label : nil, state: ticket.state.label, recalls: ticket.recalls,
                    serving: ticket.state == .serving, canSkip: ticket.state == .called && ticket.recalls >= limit, name: ticket.maskedName,
                    waited: QueueStatistics.format(seconds: (ticket.firstCalledAt ?? req.now).timeIntervalSince(ticket.issuedAt)),
                    workbenchLink: SiteRoute.newCase.path(query: ["ticket": ticket.id!.uuidString]),
                    cases: cases.map {
                        .init(number: $0.caseNumber, item: $0.itemName, state: $0.state.label, link: SiteRoute.caseRecord.path($0.id!))
                    }))
        }
        let state = try await QueueService.displayState(hall: hall, day: today, zone: zone, on: req.db)
        let recent = try await Ticket.query(on: req.db).filter(\.$window.$id == window.requireID()).filter(
            \.$serviceDay == today.description
        )
        .filter(\.$state ~~ [.served, .noShow]).sort(\.$finishedAt, .descending).limit(10).all()
        let windows = try await Window.query(on: req.db).filter(\.$hall.$id == hall.requireID()).filter(\.$active == true).all()
            .filter { $0.id != window.id }.sorted { (Int($0.number) ?? 0) < (Int($1.number) ?? 0) }
        let number = (try? req.query.get(String.self, at: "number")).flatMap { text in
            text.count <= 6 && text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } ? text : nil
        }
        let notice = (try? req.query.get(String.self, at: "done")).flatMap { Self.notices[$0] }.map { text in
            number.map { text + "号码：\($0)" } ?? text
        }
        let context = ConsoleContext(
            page: PageChrome(request: req, title: "\(window.number) 号窗口叫号"), windowID: window.id!.uuidString, windowNumber: window.number,
            windowName: window.name, hall: hall.name, hallCode: hall.code, signedIn: signedIn, paused: desk?.paused ?? false, current: rows,
            waiting: state.waiting.map { .init(prefix: $0.prefix, name: $0.name, count: $0.count) },
            recent: recent.map {
                .init(number: $0.number, state: $0.state.label, at: $0.finishedAt.map { LocalTime.clock($0, in: zone) } ?? "")
            },
            categories: categories.map { SelectOption(value: $0.id!.uuidString, label: "\($0.prefix) \($0.name)", selected: false) },
            windows: windows.map { SelectOption(value: $0.id!.uuidString, label: "\($0.number) 号 \($0.name)", selected: false) },
            priorities: [TicketPriority.none, .disabled, .pregnant].map {
                SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == .none)
            },
            error: error, notice: notice, recallLimit: limit,
            calling: categories.filter { desk?.categoryIDs.contains($0.id!) ?? false }.map { "\($0.prefix) \($0.name)" }.joined(
                separator: "、"))
        return try await req.view.render("frontdesk/desk", context).encodeResponse(status: status, for: req)
    }

    static let notices = ["empty": "目前没有等候的号。", "transfer": "已转移，原取号时间保留。", "issued": "已代取号。", "checkin": "预约已签到，已取号。"]

    /// Runs a console action; a refused one comes back to the console with the reason.
}
