import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Appointments on the portal (`/appointments`), as JSON (`/api/v1/appointments`), and the staff page that opens
/// slots (`/frontdesk/slots`).
struct AppointmentController {
    static func registerAPI(_ api: any RoutesBuilder) {
        let controller = AppointmentController()
        api.get("appointment-slots", use: controller.apiSlots)
        api.post("appointments", use: controller.apiBook)
    }

    func register(_ web: any RoutesBuilder) {
        web.get("appointments", use: booking)
        web.post("appointments", use: book)
        web.get("appointments", ":code", use: confirmation)
        web.post("appointments", ":code", "cancel", use: cancel)
        let staff = web.grouped(RoleGuard(.supervisor, .admin))
        staff.get("frontdesk", "slots", use: slotsPage)
        staff.post("frontdesk", "slots", use: createSlots)
        web.grouped(RoleGuard(.clerk, .supervisor, .admin)).get("frontdesk", "appointments", use: dayList)
    }

    // MARK: Staff: the bookings of a day

    struct DayContext: Encodable {
        struct Row: Encodable { let time: String; let hall: String; let category: String; let code: String; let name: String; let idNumber: String; let phone: String; let state: String }
        let page: PageChrome
        let day: String
        let rows: [Row]
        let csvLink: String
    }

    /// The bookings of one local day (the hall's zone: a 07:30 +08:00 slot is on its own day, whatever the host's
    /// `TZ`), masked; `format=csv` downloads the same rows.
    func dayList(req: Request) async throws -> Response {
        let zone = req.settings.timeZone
        let text = (try? req.query.get(String.self, at: "day")) ?? LocalDate(req.now, in: zone).description
        guard let day = LocalDate(iso: text) else { throw PlatformError.invalidField(FieldError(field: "day", message: "日期应为 YYYY-MM-DD")) }
        let region = req.settings.region.value
        let appointments = try await Appointment.query(on: req.db).filter(\.$regionCode == region).filter(\.$day == day.description).all()
        let slots = try await AppointmentSlot.query(on: req.db).filter(\.$regionCode == region).filter(\.$day == day.description).all()
        let halls = try await Hall.query(on: req.db).filter(\.$regionCode == region).all()
        let categories = try await TicketCategory.query(on: req.db).filter(\.$regionCode == region).all()
        let rows: [DayContext.Row] = appointments.compactMap { appointment in
            guard let slot = slots.first(where: { $0.id == appointment.$slot.id }) else { return nil }
            return .init(time: "\(LocalTime.clock(slot.startsAt, in: zone))–\(LocalTime.clock(slot.endsAt, in: zone))",
                         hall: halls.first { $0.id == appointment.hallID }?.name ?? "", category: categories.first { $0.id == appointment.categoryID }?.name ?? "",
                         code: appointment.code, name: Masking.name(appointment.name), idNumber: Masking.residentID(appointment.idNumber),
                         phone: Masking.phone(appointment.phone), state: appointment.state.label)
        }.sorted { ($0.time, $0.code) < ($1.time, $1.code) }
        if (try? req.query.get(String.self, at: "format")) == "csv" {
            return try CSVExport.response(
                filename: "预约-\(day).csv", header: ["日期", "时段", "大厅", "类别", "预约号", "姓名", "身份证号", "手机", "状态"],
                rows: rows.map { [day.description, $0.time, $0.hall, $0.category, $0.code, CSVExport.text($0.name), $0.idNumber, $0.phone, $0.state] })
        }
        return try await req.view.render("frontdesk/appointment-day", DayContext(
            page: PageChrome(request: req, title: "预约名单 \(day)"), day: day.description, rows: rows,
            csvLink: Paths.appointmentDay + "?day=\(day)&format=csv")).encodeResponse(for: req)
    }

    struct SlotRow: Content {
        let id: String
        /// The slot has started or passed: shown, not bookable.
        let started: Bool
        let day: String
        let starts: String
        let ends: String
        let capacity: Int
        let booked: Int
        let remaining: Int
    }

    static func slotRows(hall: Hall, category: TicketCategory?, day: LocalDate, req: Request) async throws -> [SlotRow] {
        guard let category else { return [] }
        let zone = req.settings.timeZone
        return try await AppointmentSlot.query(on: req.db).filter(\.$category.$id == category.requireID()).filter(\.$day == day.description)
            .sort(\.$startsAt).all()
            .map { .init(id: $0.id!.uuidString, started: $0.startsAt <= req.now, day: $0.day, starts: LocalTime.clock($0.startsAt, in: zone), ends: LocalTime.clock($0.endsAt, in: zone),
                         capacity: $0.capacity, booked: $0.booked, remaining: max(0, $0.capacity - $0.booked)) }
    }

    struct BookingContext: Encodable {
        let page: PageChrome
        let halls: [SelectOption]
        let categories: [SelectOption]
        let days: [SelectOption]
        let slots: [SlotRow]
        let hallCode: String
        let categoryPrefix: String
        let day: String
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
    }

    func booking(req: Request) async throws -> View {
        try await renderBooking(req, values: [:], errors: [:])
    }

    private func renderBooking(_ req: Request, values: [String: String], errors: [String: String]) async throws -> View {
        let region = req.settings.region.value
        let today = LocalDate(req.now, in: req.settings.timeZone)
        let halls = try await Hall.query(on: req.db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$code).all()
            .sorted { ($0.level == .county ? 0 : 1, $0.code) < ($1.level == .county ? 0 : 1, $1.code) }
        let hallCode = values["hall"] ?? (try? req.query.get(String.self, at: "hall")) ?? halls.first?.code ?? ""
        let hall = halls.first { $0.code == hallCode } ?? halls.first
        let categories = try await hall.asyncMap { try await QueueWebController.categories($0, on: req.db) } ?? []
        let prefix = values["category"] ?? (try? req.query.get(String.self, at: "category")) ?? categories.first?.prefix ?? ""
        let category = categories.first { $0.prefix == prefix } ?? categories.first
        let days = (1...7).map { today.adding(days: $0) }
        let dayText = values["day"] ?? (try? req.query.get(String.self, at: "day")) ?? days[0].description
        let day = LocalDate(iso: dayText).flatMap { days.contains($0) || $0 == today ? $0 : nil } ?? days[0]
        let slots = try await hall.asyncMap { try await Self.slotRows(hall: $0, category: category, day: day, req: req) } ?? []
        return try await req.view.render("frontdesk/appointments", BookingContext(
            page: PageChrome(request: req, title: "预约办事", forms: true),
            halls: halls.map { SelectOption(value: $0.code, label: $0.name, selected: $0.id == hall?.id) },
            categories: categories.map { SelectOption(value: $0.prefix, label: "\($0.name)（\($0.covers)）", selected: $0.id == category?.id) },
            days: ([today] + days).map { SelectOption(value: $0.description, label: $0.description + ($0 == today ? "（今天）" : ""), selected: $0 == day) },
            slots: slots, hallCode: hall?.code ?? "", categoryPrefix: category?.prefix ?? "", day: day.description,
            values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value)))
    }

    /// Validates a booking: `slotId`, `idNumber`, `name`, `phone`.
    static func bookingInput(slotID: String?, idNumber: String?, name: String?, phone: String?, today: LocalDate) -> (AppointmentService.BookingInput?, [String: String]) {
        var check = FormCheck()
        let slot = check.uuid(slotID, field: "slotId", label: "预约时段", required: true)
        let id = check.residentID(idNumber, field: "idNumber", today: today)
        let name = check.required(name, field: "name", label: "姓名", max: 30)
        let phone = check.check { () throws(FieldError) in try MobileNumber(phone ?? "", field: "phone") }
        guard check.isValid, let slot, let id, let phone else { return (nil, check.errors) }
        return (.init(slotID: slot, residentID: id, name: name, phone: phone), [:])
    }

    func book(req: Request) async throws -> Response {
        let form = try req.formFields()
        let values = ["hall": form["hall"], "category": form["category"], "day": form["day"], "slotId": form["slotId"], "idNumber": form["idNumber"],
                      "name": form["name"], "phone": form["phone"]].compactMapValues { $0 }
        let (input, errors) = Self.bookingInput(slotID: form["slotId"], idNumber: form["idNumber"], name: form["name"], phone: form["phone"],
                                                 today: LocalDate(req.now, in: req.settings.timeZone))
        guard let input else {
            return try await renderBooking(req, values: values, errors: errors).encodeResponse(status: .badRequest, for: req)
        }
        do {
            let appointment = try await AppointmentService(req).book(input)
            return req.redirect(to: Paths.appointment(appointment.code))
        } catch let error as FrontDeskError {
            return try await renderBooking(req, values: values, errors: [error.field ?? "slotId": error.reason]).encodeResponse(status: error.status, for: req)
        }
    }

    struct ConfirmationContext: Encodable {
        let page: PageChrome
        let code: String
        let hall: String
        let hallCode: String
        let category: String
        let time: String
        let name: String
        let idNumber: String
        let phone: String
        let state: String
        let booked: Bool
        let error: String?
        /// After check-in: the ticket's number and its follow link.
        let ticketNumber: String?
        let ticketLink: String?
    }

    func confirmation(req: Request) async throws -> View {
        try await renderConfirmation(req, code: req.parameters.get("code") ?? "", error: nil)
    }

    private func renderConfirmation(_ req: Request, code: String, error: String?) async throws -> View {
        guard code.count == 9, let appointment = try await Appointment.query(on: req.db).filter(\.$regionCode == req.settings.region.value)
            .filter(\.$code == code.uppercased()).first(),
            let slot = try await AppointmentSlot.find(appointment.$slot.id, on: req.db)
        else { throw PlatformError.notFound(what: "预约") }
        let hall = try await Hall.find(appointment.hallID, on: req.db)
        let category = try await TicketCategory.find(appointment.categoryID, on: req.db)
        let zone = req.settings.timeZone
        let ticket = try await appointment.ticketID.asyncMap { try await Ticket.find($0, on: req.db) } ?? nil
        return try await req.view.render("frontdesk/appointment", ConfirmationContext(
            page: PageChrome(request: req, title: "预约凭证", forms: true), code: appointment.code, hall: hall?.name ?? "", hallCode: hall?.code ?? "",
            category: category?.name ?? "",
            time: "\(slot.day) \(LocalTime.clock(slot.startsAt, in: zone))–\(LocalTime.clock(slot.endsAt, in: zone))",
            name: Masking.name(appointment.name), idNumber: Masking.residentID(appointment.idNumber), phone: Masking.phone(appointment.phone),
            state: appointment.state.label, booked: appointment.state == .booked, error: error,
            ticketNumber: ticket?.number, ticketLink: ticket.map { Paths.ticket($0.followToken) }))
    }

    func cancel(req: Request) async throws -> Response {
        let code = req.parameters.get("code") ?? ""
        let last4 = TextNormalization.normalize(try req.formFields()["phoneLast4"] ?? "")
        do {
            _ = try await AppointmentService(req).cancel(code: code, phoneLast4: last4)
            return req.redirect(to: Paths.appointment(code.uppercased()))
        } catch let error as any DomainError where error.status == .badRequest || error.status == .conflict {
            return try await renderConfirmation(req, code: code, error: error.reason).encodeResponse(status: error.status, for: req)
        }
    }

    // MARK: Staff: open slots

    struct SlotsContext: Encodable {
        let page: PageChrome
        let categories: [SelectOption]
        let values: [String: String]
        let errors: [String: String]
        let created: Int?
    }

    func slotsPage(req: Request) async throws -> View {
        try await renderSlots(req, values: [:], errors: [:], created: nil)
    }

    private func renderSlots(_ req: Request, values: [String: String], errors: [String: String], created: Int?) async throws -> View {
        let halls = try await Hall.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$active == true).sort(\.$code).all()
        let categories = try await TicketCategory.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$active == true)
            .sort(\.$position).all()
        return try await req.view.render("frontdesk/slots", SlotsContext(
            page: PageChrome(request: req, title: "开放预约时段"),
            categories: categories.compactMap { category in
                guard let hall = halls.first(where: { $0.id == category.$hall.id }) else { return nil }
                return SelectOption(value: category.id!.uuidString, label: "\(hall.name) · \(category.prefix) \(category.name)",
                                    selected: values["category"] == category.id!.uuidString)
            },
            values: values, errors: errors, created: created))
    }

    /// Parses `09:00-10:00, 10:00-11:00`.
    static func times(_ text: String) -> [(start: (Int, Int), end: (Int, Int))]? {
        func clock(_ part: Substring) -> (Int, Int)? {
            let pieces = part.split(separator: ":")
            guard pieces.count == 2, let h = Int(pieces[0]), let m = Int(pieces[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
            return (h, m)
        }
        let entries = TextNormalization.normalize(text).split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " || $0 == "、" })
        var result: [(start: (Int, Int), end: (Int, Int))] = []
        for entry in entries {
            let ends = entry.split(separator: "-")
            guard ends.count == 2, let start = clock(ends[0]), let end = clock(ends[1]), start.0 * 60 + start.1 < end.0 * 60 + end.1 else { return nil }
            result.append((start, end))
        }
        let minutes = result.map { ($0.start.0 * 60 + $0.start.1, $0.end.0 * 60 + $0.end.1) }.sorted { $0.0 < $1.0 }
        for (earlier, later) in zip(minutes, minutes.dropFirst()) where later.0 < earlier.1 { return nil }
        return result.isEmpty || result.count > 24 ? nil : result
    }

    func createSlots(req: Request) async throws -> Response {
        let form = try req.formFields()
        let values = ["category": form["category"], "from": form["from"], "to": form["to"], "times": form["times"], "capacity": form["capacity"]]
            .compactMapValues { $0 }
        var check = FormCheck()
        let categoryID = check.uuid(form["category"], field: "category", label: "类别", required: true)
        let from = LocalDate(iso: form["from"] ?? "")
        let to = LocalDate(iso: form["to"] ?? "")
        if from == nil { check.fail("from", "请填写开始日期") }
        if to == nil { check.fail("to", "请填写结束日期") }
        let times = Self.times(form["times"] ?? "")
        if times == nil { check.fail("times", "时段格式如 09:00-10:00, 10:00-11:00（开始早于结束，互不重叠，最多 24 段）") }
        let capacity = Int(TextNormalization.normalize(form["capacity"] ?? ""))
        if capacity == nil { check.fail("capacity", "请填写每个时段可约人数") }
        let category = try await categoryID.asyncMap { try await TicketCategory.find($0, on: req.db) } ?? nil
        if categoryID != nil, category?.regionCode != req.settings.region.value { check.fail("category", "请选择类别") }
        guard check.isValid, let category, let from, let to, let times, let capacity else {
            return try await renderSlots(req, values: values, errors: check.errors, created: nil).encodeResponse(status: .badRequest, for: req)
        }
        do {
            let created = try await AppointmentService(req).createSlots(category: category, from: from, to: to, times: times, capacity: capacity,
                                                                         calendar: try await req.workingCalendar())
            return try await renderSlots(req, values: values, errors: [:], created: created).encodeResponse(for: req)
        } catch let error as PlatformError {
            guard case .invalidField(let field) = error else { throw error }
            return try await renderSlots(req, values: values, errors: [field.field: field.message], created: nil).encodeResponse(status: .badRequest, for: req)
        } catch let error as CalendarError {
            return try await renderSlots(req, values: values, errors: ["to": error.message], created: nil).encodeResponse(status: .unprocessableEntity, for: req)
        }
    }

    // MARK: API

    /// `GET /api/v1/appointment-slots?hall=CY-ZX&category=B&day=2025-03-05`.
    func apiSlots(req: Request) async throws -> [SlotRow] {
        let code = (try? req.query.get(String.self, at: "hall")) ?? ""
        guard let hall = try await Hall.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$code == code.uppercased()).first()
        else { throw PlatformError.invalidField(FieldError(field: "hall", message: "没有这个大厅")) }
        let prefix = ((try? req.query.get(String.self, at: "category")) ?? "").uppercased()
        guard let category = try await QueueWebController.categories(hall, on: req.db).first(where: { $0.prefix == prefix }) else {
            throw PlatformError.invalidField(FieldError(field: "category", message: "没有这个类别"))
        }
        guard let day = LocalDate(iso: (try? req.query.get(String.self, at: "day")) ?? "") else {
            throw PlatformError.invalidField(FieldError(field: "day", message: "日期应为 YYYY-MM-DD"))
        }
        return try await Self.slotRows(hall: hall, category: category, day: day, req: req)
    }

    struct BookRequest: Content {
        let slotId: String?
        let idNumber: String?
        let name: String?
        let phone: String?
    }

    struct AppointmentDTO: Content {
        let code: String
        let slotId: String
        let day: String
        let state: String
        let name: String
        let idNumber: String
    }

    /// `POST /api/v1/appointments` → 201, 409 when the slot is full or the person already booked that day, 400 on a field.
    func apiBook(req: Request) async throws -> Response {
        let body = req.body.data == nil ? BookRequest(slotId: nil, idNumber: nil, name: nil, phone: nil) : try req.content.decode(BookRequest.self)
        let (input, errors) = Self.bookingInput(slotID: body.slotId, idNumber: body.idNumber, name: body.name, phone: body.phone,
                                                 today: LocalDate(req.now, in: req.settings.timeZone))
        guard let input else {
            let (field, message) = errors.sorted { $0.key < $1.key }.first ?? ("slotId", "请选择预约时段")
            throw PlatformError.invalidField(FieldError(field: field, message: message))
        }
        let appointment = try await AppointmentService(req).book(input)
        return try await AppointmentDTO(code: appointment.code, slotId: input.slotID.uuidString, day: appointment.day, state: appointment.state.rawValue,
                                        name: Masking.name(appointment.name), idNumber: Masking.residentID(appointment.idNumber))
            .encodeResponse(status: .created, for: req)
    }
}
