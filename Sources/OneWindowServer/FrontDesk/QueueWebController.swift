import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The public side of the queue: the kiosk (取号机), the remote ticket page for phones, the slip and the page that
/// follows a ticket's position, the calling display (叫号屏) with its live feed, and the JSON ticket API.
struct QueueWebController {
    func register(_ web: any RoutesBuilder, api: any RoutesBuilder, app: Application) {
        web.get(.kiosk, use: kiosk)
        web.post(.kioskTickets, use: kioskIssue)
        web.post(.kioskCheckIn, use: kioskCheckIn)
        web.get(.remoteQueue, use: remote)
        web.post(.remoteQueueTickets, use: remoteIssue)
        web.get(.ticket, use: follow)
        web.get(.ticketSlip, use: slip)
        app.get(.display, use: display)
        app.get(.displayState, use: displayState)
        app.webSocket(.displayLive, maxFrameSize: WebSocketMaxFrameSize(integerLiteral: 1 << 16), onUpgrade: live)
        api.post(.apiHallTickets, use: apiIssue)
        api.get(.apiHallQueue, use: displayState)
    }

    static func hall(_ req: Request) async throws -> Hall {
        let code = TextNormalization.normalize(req.parameters.get("hall") ?? "").uppercased()
        guard
            let hall = try await Hall.scoped(on: req.db, to: req.settings.region.value).filter(\.$code == code)
                .filter(\.$active == true).first()
        else { throw PlatformError.notFound(what: "大厅") }
        return hall
    }

    static func categories(_ hall: Hall, on db: any Database) async throws -> [TicketCategory] {
        try await TicketCategory.query(on: db).filter(\.$hall.$id == hall.requireID()).filter(\.$active == true).sort(\.$position).all()
    }

    // MARK: Kiosk and phone

    struct KioskContext: Encodable {
        struct Category: Encodable {
            let prefix: String; let name: String; let covers: String; let waiting: Int
            /// Windows calling this category now (signed in, not paused): 0 tells the visitor to ask at the desk.
            let windows: Int
        }
        let page: PageChrome
        let hall: String
        let hallCode: String
        let remote: Bool
        let categories: [Category]
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
        let checkInError: String?
    }

    func kiosk(req: Request) async throws -> View {
        try await renderKiosk(req, remote: false)
    }

    func remote(req: Request) async throws -> View {
        try await renderKiosk(req, remote: true)
    }

    private func renderKiosk(
        _ req: Request, remote: Bool, values: [String: String] = [:], errors: [String: String] = [:],
        checkInError: String? = nil
    ) async throws -> View {
        let hall = try await Self.hall(req)
        let state = try await QueueService.displayState(
            hall: hall, day: LocalDate(req.now, in: req.settings.timeZone), zone: req.settings.timeZone,
            on: req.db)
        let categories = try await Self.categories(hall, on: req.db)
        let open = try await WindowDesk.query(on: req.db).filter(\.$hall.$id == hall.requireID()).filter(\.$staffID != nil)
            .filter(\.$paused == false).all()
        var page = PageChrome(request: req, title: remote ? "手机取号 · \(hall.name)" : "取号 · \(hall.name)", forms: true)
        if !remote { page.bodyClass = "kiosk-page" }
        return try await req.view.render(
            remote ? "frontdesk/remote" : "frontdesk/kiosk",
            KioskContext(
                page: page,
                hall: hall.name, hallCode: hall.code, remote: remote,
                categories: categories.map { category in
                    .init(
                        prefix: category.prefix, name: category.name, covers: category.covers,
                        waiting: state.waiting.first { $0.prefix == category.prefix }?.count ?? 0,
                        windows: open.filter { $0.categoryIDs.contains(category.id!) }.count)
                },
                values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value), checkInError: checkInError))
    }

    /// Reads a ticket request: `category` (prefix), optional `idNumber`, `name`, `phone`. The phone page needs the phone.
    static func issueInput(_ req: Request, hall: Hall, fields: [String: String?], channel: Ticket.Channel) async throws
        -> (QueueService.IssueInput?, [String: String])
    {
        var check = FormCheck()
        let prefix = TextNormalization.normalize(fields["category"].flatMap { $0 } ?? "").uppercased()
        let category = try await categories(hall, on: req.db).first { $0.prefix == prefix }
        if category == nil { check.fail("category", "请选择办事类别") }
        let idText = TextNormalization.normalizedOrNil(fields["idNumber"].flatMap { $0 })
        let id = idText.flatMap { check.residentID($0, field: "idNumber", today: LocalDate(req.now, in: req.settings.timeZone)) }
        let name = check.optional(fields["name"].flatMap { $0 }, field: "name", label: "姓名", max: 30)
        let phoneText = TextNormalization.normalizedOrNil(fields["phone"].flatMap { $0 })
        if channel == .remote, phoneText == nil { check.fail("phone", "手机取号请填写手机号，用于到号提醒") }
        let phone = phoneText.flatMap { text in check.check { () throws(FieldError) in try MobileNumber(text, field: "phone") } }
        guard check.isValid, let category else { return (nil, check.errors) }
        return (
            QueueService.IssueInput(hall: hall, category: category, channel: channel, residentID: id, name: name, phone: phone?.value), [:]
        )
    }

    func kioskIssue(req: Request) async throws -> Response {
        try await issueFromForm(req, channel: .kiosk)
    }

    func remoteIssue(req: Request) async throws -> Response {
        try await issueFromForm(req, channel: .remote)
    }

    private func issueFromForm(_ req: Request, channel: Ticket.Channel) async throws -> Response {
        let hall = try await Self.hall(req)
        let form = try req.formFields()
        let fields = ["category": form["category"], "idNumber": form["idNumber"], "name": form["name"], "phone": form["phone"]]
        let (input, errors) = try await Self.issueInput(req, hall: hall, fields: fields, channel: channel)
        guard let input else {
            return try await renderKiosk(req, remote: channel == .remote, values: fields.compactMapValues { $0 }, errors: errors)
                .encodeResponse(status: .badRequest, for: req)
        }
        let ticket = try await QueueService(req).issue(input)
        return req.redirect(
            to: channel == .kiosk
                ? SiteRoute.ticketSlip.path(ticket.followToken, query: ["kiosk": "1"]) : SiteRoute.ticket.path(ticket.followToken))
    }

    func kioskCheckIn(req: Request) async throws -> Response {
        let hall = try await Self.hall(req)
        let code = TextNormalization.normalize(try req.formFields()["code"] ?? "")
        do {
            let ticket = try await AppointmentService(req).checkIn(code: code, hallID: try hall.requireID(), queue: QueueService(req))
            return req.redirect(to: SiteRoute.ticketSlip.path(ticket.followToken, query: ["kiosk": "1"]))
        } catch let error as any DomainError where error.status != .internalServerError {
            return try await renderKiosk(req, remote: false, values: ["code": code], checkInError: error.reason).encodeResponse(
                status: error.status, for: req)
        }
    }

    // MARK: Slip and position

    struct TicketContext: Encodable {
        let page: PageChrome
        let hall: String
        let number: String
        let category: String
        let priority: String?
        let state: String
        let ahead: Int
        let waiting: Bool
        let window: String?
        let issuedAt: String
        let followLink: String
        /// The full address, printed on the slip to type into a phone.
        let followURL: String
        let name: String?
        /// The booked slot of an appointment ticket (`20:00–21:00`).
        let slot: String?
        /// On a kiosk: the start page the slip returns to.
        let kioskReturn: String?
    }

    static func ticketContext(_ req: Request, token: String, title: String) async throws -> TicketContext {
        guard token.count == 20, let ticket = try await Ticket.query(on: req.db).filter(\.$followToken == token).first() else {
            throw PlatformError.notFound(what: "号票")
        }
        let hall = try await Hall.find(ticket.$hall.id, on: req.db)
        let category = try await TicketCategory.find(ticket.$category.id, on: req.db)
        return TicketContext(
            page: PageChrome(request: req, title: title), hall: hall?.name ?? "", number: ticket.number, category: category?.name ?? "",
            priority: ticket.priority.isPriority ? ticket.priority.label : nil, state: ticket.state.label,
            ahead: try await QueueService.ahead(of: ticket, on: req.db), waiting: ticket.state == .waiting,
            window: ticket.state == .called || ticket.state == .serving ? ticket.windowNumber : nil,
            issuedAt: LocalTime.format(ticket.issuedAt, in: req.settings.timeZone),
            followLink: SiteRoute.ticket.path(token), followURL: SiteAddress.base(req) + SiteRoute.ticket.path(token),
            name: ticket.maskedName,
            slot: ticket.slotStartsAt.map { "\(LocalTime.clock($0, in: req.settings.timeZone)) 起" },
            kioskReturn: (try? req.query.get(String.self, at: "kiosk")) == "1" ? hall.map { SiteRoute.kiosk.path($0.code) } : nil)
    }

    func follow(req: Request) async throws -> View {
        try await req.view.render("frontdesk/ticket", Self.ticketContext(req, token: req.parameters.get("token") ?? "", title: "我的排队号"))
    }

    func slip(req: Request) async throws -> View {
        try await req.view.render("frontdesk/slip", Self.ticketContext(req, token: req.parameters.get("token") ?? "", title: "排队号"))
    }

    // MARK: Display

    struct DisplayContext: Encodable {
        let hall: String
        let hallCode: String
    }

    func display(req: Request) async throws -> View {
        let hall = try await Self.hall(req)
        return try await req.view.render("frontdesk/display", DisplayContext(hall: hall.name, hallCode: hall.code))
    }

    func displayState(req: Request) async throws -> QueueService.DisplayState {
        let hall = try await Self.hall(req)
        return try await QueueService.displayState(
            hall: hall, day: LocalDate(req.now, in: req.settings.timeZone), zone: req.settings.timeZone,
            on: req.db)
    }

    /// The live feed: the full state at once, then one message per change (with `announce` on a call).
    @Sendable
    func live(req: Request, ws: WebSocket) async {
        guard let hall = try? await Self.hall(req), let hallID = hall.id else {
            try? await ws.close(code: .policyViolation)
            return
        }
        let stream = req.application.eventBus.subscribe("hall:\(hallID.uuidString)")
        if let state = try? await QueueService.displayState(
            hall: hall, day: LocalDate(req.now, in: req.settings.timeZone),
            zone: req.settings.timeZone, on: req.db),
            let data = try? JSONEncoder().encode(state), let json = String(data: data, encoding: .utf8)
        {
            try? await ws.send(json)
        }
        let task = Task {
            for await event in stream {
                if ws.isClosed { break }
                try? await ws.send(event.json)
            }
        }
        ws.onClose.whenComplete { _ in task.cancel() }
    }

    // MARK: API

    struct IssueRequest: Content {
        let category: String?
        let idNumber: String?
        let name: String?
        let phone: String?
    }

    struct TicketDTO: Content {
        let number: String
        let category: String
        let serviceDay: String
        let priority: String
        let ahead: Int
        /// ISO 8601 with the hall's offset (`2025-03-05T09:12:00+08:00`).
        let issuedAt: String
        let followUrl: String
    }

    /// `POST /api/v1/halls/{hall}/tickets`: a remote or kiosk ticket as JSON → 201.
    func apiIssue(req: Request) async throws -> Response {
        let hall = try await Self.hall(req)
        // A wrong type (an ID number sent as a JSON number) is a 400 naming that field, from the decoder.
        let body =
            req.body.data == nil
            ? IssueRequest(category: nil, idNumber: nil, name: nil, phone: nil) : try req.content.decode(IssueRequest.self)
        let (input, errors) = try await Self.issueInput(
            req, hall: hall, fields: ["category": body.category, "idNumber": body.idNumber, "name": body.name, "phone": body.phone],
            channel: .kiosk)
        guard let input else {
            let (field, message) = errors.sorted { $0.key < $1.key }.first ?? ("category", "请选择办事类别")
            throw PlatformError.invalidField(FieldError(field: field, message: message))
        }
        let (ticket, ahead) = try await QueueService(req).issueCounting(input)
        let dto = TicketDTO(
            number: ticket.number, category: input.category.name, serviceDay: ticket.serviceDay, priority: ticket.priority.rawValue,
            ahead: ahead ?? 0,
            issuedAt: LocalTime.iso(ticket.issuedAt, req.settings.timeZone) ?? "",
            followUrl: SiteRoute.ticket.path(ticket.followToken))
        return try await dto.encodeResponse(status: .created, for: req)
    }
}
