import Fluent
import Foundation
import OneWindowCore
import Vapor

/// What an action tells the console after its redirect: `?done=<code>` (a key of `DeskController.notices`) and, for a
/// ticket just issued, `&number=<ticket number>`.
struct DeskNotice: ExpressibleByStringLiteral {
    let done: String
    var number: String? = nil

    init(done: String, number: String? = nil) {
        self.done = done
        self.number = number
    }

    init(stringLiteral done: String) { self.init(done: done) }
}

extension DeskController {
    func perform(_ req: Request, _ body: (Window) async throws -> DeskNotice?) async throws -> Response {
        let window = try await Self.window(req)
        do {
            let notice = try await body(window)
            return req.redirect(to: SiteRoute.deskWindow.path(window.id!, query: ["done": notice?.done, "number": notice?.number]))
        } catch let error as any DomainError where error.status != .internalServerError && error.status != .forbidden {
            return try await renderConsole(req, window: window, error: error.reason, status: error.status)
        }
    }

    func callNext(req: Request) async throws -> Response {
        try await perform(req) { window in
            try await QueueService(req).callNext(window: window) == nil ? "empty" : nil
        }
    }

    func act(req: Request) async throws -> Response {
        try await perform(req) { window in
            guard let action = req.parameters.get("action").flatMap(TicketAction.init(rawValue:)), action != .call,
                let ticketID = req.parameters.get("ticket").flatMap(UUID.init(uuidString:))
            else { throw PlatformError.notFound(what: "操作") }
            var toCategory: TicketCategory?
            var toWindow: Window?
            if action == .transfer {
                let form = try req.formFields()
                let target = form["target"] ?? ""
                if target.hasPrefix("c:"), let id = UUID(uuidString: String(target.dropFirst(2))) {
                    toCategory = try await TicketCategory.find(id, on: req.db)
                }
                if target.hasPrefix("w:"), let id = UUID(uuidString: String(target.dropFirst(2))) {
                    toWindow = try await Window.find(id, on: req.db)
                }
            }
            _ = try await QueueService(req).act(action, ticketID: ticketID, window: window, toCategory: toCategory, toWindow: toWindow)
            return action == .transfer ? "transfer" : nil
        }
    }

    func pause(req: Request) async throws -> Response {
        try await perform(req) { window in
            try await QueueService(req).setPaused(true, window: window); return nil
        }
    }

    func resume(req: Request) async throws -> Response {
        try await perform(req) { window in
            try await QueueService(req).setPaused(false, window: window); return nil
        }
    }

    func signOut(req: Request) async throws -> Response {
        let window = try await Self.window(req)
        try await QueueService(req).signOut(window: window)
        return req.redirect(to: SiteRoute.desk.path())
    }

    /// 代取号: staff issue a ticket, marking a declared disability or pregnancy (绿色通道).
    func issue(req: Request) async throws -> Response {
        try await perform(req) { window in
            guard let hall = try await Hall.find(window.$hall.id, on: req.db) else { throw PlatformError.notFound(what: "大厅") }
            let form = try req.formFields()
            let (input, errors) = try await QueueWebController.issueInput(
                req, hall: hall,
                fields: ["category": form["category"], "idNumber": form["idNumber"], "name": form["name"], "phone": form["phone"]],
                channel: .staff)
            guard var ready = input else {
                let (field, message) = errors.sorted { $0.key < $1.key }.first ?? ("category", "请选择办事类别")
                throw PlatformError.invalidField(FieldError(field: field, message: message))
            }
            ready.declared =
                form["priority"].flatMap(TicketPriority.init(rawValue:)).flatMap { [.disabled, .pregnant].contains($0) ? $0 : nil } ?? .none
            let ticket = try await QueueService(req).issue(ready)
            return DeskNotice(done: "issued", number: ticket.number)
        }
    }

    func checkIn(req: Request) async throws -> Response {
        try await perform(req) { window in
            let code = TextNormalization.normalize(try req.formFields()["code"] ?? "")
            let ticket = try await AppointmentService(req).checkIn(code: code, hallID: window.$hall.id, queue: QueueService(req))
            return DeskNotice(done: "checkin", number: ticket.number)
        }
    }
}
