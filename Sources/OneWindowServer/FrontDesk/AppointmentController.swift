import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Appointments on the portal (`/appointments`), as JSON (`/api/v1/appointments`), and the staff page that opens
/// slots (`/frontdesk/slots`).
struct AppointmentController {
    static func registerAPI(_ api: any RoutesBuilder) {
        let controller = AppointmentController()
        api.get(.apiAppointmentSlots, use: controller.apiSlots)
        api.post(.apiAppointments, use: controller.apiBook)
    }

    func register(_ web: any RoutesBuilder) {
        web.get(.appointments, use: booking)
        web.post(.appointments, use: book)
        web.get(.appointment, use: confirmation)
        web.post(.appointmentCancel, use: cancel)
        let staff = web.grouped(RoleGuard(FrontDeskAccess.slots))
        staff.get(.slots, use: slotsPage)
        staff.post(.slots, use: createSlots)
        web.grouped(RoleGuard(FrontDeskAccess.appointments)).get(.appointmentDay, use: dayList)
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
            .map {
                .init(
                    id: $0.id!.uuidString, started: $0.startsAt <= req.now, day: $0.day, starts: LocalTime.clock($0.startsAt, in: zone),
                    ends: LocalTime.clock($0.endsAt, in: zone),
                    capacity: $0.capacity, booked: $0.booked, remaining: max(0, $0.capacity - $0.booked))
            }
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
        let halls = try await Hall.scoped(on: req.db, to: region).filter(\.$active == true).sort(\.$code).all()
            .sorted { ($0.level == .county ? 0 : 1, $0.code) < ($1.level == .county ? 0 : 1, $1.code) }
        let hallCode = values["hall"] ?? (try? req.query.get(String.self, at: "hall")) ?? halls.first?.code ?? ""
        let hall = halls.first { $0.code == hallCode } ?? halls.first
        let categories = try await hall.asyncMap { try await QueueWebController.categories($0, on: req.db) } ?? []
        let prefix = values["category"] ?? (try? req.query.get(String.self, at: "category")) ?? categories.first?.prefix ?? ""
        let category = categories.first { $0.prefix == prefix } ?? categories.first
        let calendar = try? await req.workingCalendar()
        // Working days only (a year without a calendar: weekdays).
        let days = (1...7).map { today.adding(days: $0) }.filter { day in (try? calendar?.isWorkingDay(day)) ?? !day.isWeekend }
        let dayText = values["day"] ?? (try? req.query.get(String.self, at: "day")) ?? (days.first ?? today).description
        let day = LocalDate(iso: dayText).flatMap { days.contains($0) || $0 == today ? $0 : nil } ?? days.first ?? today
        let slots = try await hall.asyncMap { try await Self.slotRows(hall: $0, category: category, day: day, req: req) } ?? []
        return try await req.view.render(
            "frontdesk/appointments",
            BookingContext(
                page: PageChrome(request: req, title: "预约办事", forms: true),
                halls: halls.map { SelectOption(value: $0.code, label: $0.name, selected: $0.id == hall?.id) },
                categories: categories.map {
                    SelectOption(value: $0.prefix, label: "\($0.name)（\($0.covers)）", selected: $0.id == category?.id)
                },
                days: ([today] + days).map {
                    SelectOption(value: $0.description, label: $0.description + ($0 == today ? "（今天）" : ""), selected: $0 == day)
                },
                slots: slots, hallCode: hall?.code ?? "", categoryPrefix: category?.prefix ?? "", day: day.description,
                values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value)))
    }

    /// Validates a booking: `slotId`, `idNumber`, `name`, `phone`.
    static func bookingInput(slotID: String?, idNumber: String?, name: String?, phone: String?, today: LocalDate) -> (
        AppointmentService.BookingInput?, [String: String]
    ) {
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
        let values = [
            "hall": form["hall"], "category": form["category"], "day": form["day"], "slotId": form["slotId"], "idNumber": form["idNumber"],
            "name": form["name"], "phone": form["phone"],
        ].compactMapValues { $0 }
        let (input, errors) = Self.bookingInput(
            slotID: form["slotId"], idNumber: form["idNumber"], name: form["name"], phone: form["phone"],
            today: LocalDate(req.now, in: req.settings.timeZone))
        guard let input else {
            return try await renderBooking(req, values: values, errors: errors).encodeResponse(status: .badRequest, for: req)
        }
        do {
            let appointment = try await AppointmentService(req).book(input)
            return req.redirect(to: SiteRoute.appointment.path(appointment.code))
        } catch let error as FrontDeskError {
            return try await renderBooking(req, values: values, errors: [error.field ?? "slotId": error.reason]).encodeResponse(
                status: error.status, for: req)
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
        try await renderConfirmation(req, code: TextNormalization.normalize(req.parameters.get("code") ?? ""), error: nil)
    }

    private func renderConfirmation(_ req: Request, code: String, error: String?) async throws -> View {
        guard code.count == 9,
            let appointment = try await Appointment.scoped(on: req.db, to: req.settings.region.value)
                .filter(\.$code == code.uppercased()).first(),
            let slot = try await AppointmentSlot.find(appointment.$slot.id, on: req.db)
        else { throw PlatformError.notFound(what: "预约") }
        let hall = try await Hall.find(appointment.hallID, on: req.db)
        let category = try await TicketCategory.find(appointment.categoryID, on: req.db)
        let zone = req.settings.timeZone
        let ticket = try await appointment.ticketID.asyncMap { try await Ticket.find($0, on: req.db) } ?? nil
        return try await req.view.render(
            "frontdesk/appointment",
            ConfirmationContext(
                page: PageChrome(request: req, title: "预约凭证", forms: true), code: appointment.code, hall: hall?.name ?? "",
                hallCode: hall?.code ?? "",
                category: category?.name ?? "",
                time: "\(slot.day) \(LocalTime.clock(slot.startsAt, in: zone))–\(LocalTime.clock(slot.endsAt, in: zone))",
                name: Masking.name(appointment.name), idNumber: Masking.residentID(appointment.idNumber),
                phone: Masking.phone(appointment.phone),
                state: appointment.state.label, booked: appointment.state == .booked, error: error,
                ticketNumber: ticket?.number, ticketLink: ticket.map { SiteRoute.ticket.path($0.followToken) }))
    }

    func cancel(req: Request) async throws -> Response {
        let code = TextNormalization.normalize(req.parameters.get("code") ?? "")
        let last4 = TextNormalization.normalize(try req.formFields()["phoneLast4"] ?? "")
        // Guessing the 4 digits is throttled like the progress query.
        let throttles = req.application.publicLookups
        let subject = "ap:" + code.uppercased()
        try await throttles.check(subject, on: req)
        do {
            _ = try await AppointmentService(req).cancel(code: code, phoneLast4: last4)
            return req.redirect(to: SiteRoute.appointment.path(code.uppercased()))
        } catch let error as any DomainError where error.status == .badRequest || error.status == .conflict {
            if error.status == .badRequest {
                await throttles.recordFailure(subject, on: req)
            }
            return try await renderConfirmation(req, code: code, error: error.reason).encodeResponse(status: error.status, for: req)
        }
    }

    // MARK: API

    /// `GET /api/v1/appointment-slots?hall=CY-ZX&category=B&day=2025-03-05`.
    func apiSlots(req: Request) async throws -> [SlotRow] {
        let code = TextNormalization.normalize((try? req.query.get(String.self, at: "hall")) ?? "").uppercased()
        guard
            let hall = try await Hall.scoped(on: req.db, to: req.settings.region.value).filter(
                \.$code == code.uppercased()
            ).first()
        else { throw PlatformError.invalidField(FieldError(field: "hall", message: "没有这个大厅")) }
        let prefix = TextNormalization.normalize((try? req.query.get(String.self, at: "category")) ?? "").uppercased()
        guard let category = try await QueueWebController.categories(hall, on: req.db).first(where: { $0.prefix == prefix }) else {
            throw PlatformError.invalidField(FieldError(field: "category", message: "没有这个类别"))
        }
        guard let day = LocalDate(iso: TextNormalization.normalize((try? req.query.get(String.self, at: "day")) ?? "")) else {
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
        let body =
            req.body.data == nil ? BookRequest(slotId: nil, idNumber: nil, name: nil, phone: nil) : try req.content.decode(BookRequest.self)
        let (input, errors) = Self.bookingInput(
            slotID: body.slotId, idNumber: body.idNumber, name: body.name, phone: body.phone,
            today: LocalDate(req.now, in: req.settings.timeZone))
        guard let input else {
            let (field, message) = errors.sorted { $0.key < $1.key }.first ?? ("slotId", "请选择预约时段")
            throw PlatformError.invalidField(FieldError(field: field, message: message))
        }
        let appointment = try await AppointmentService(req).book(input)
        return try await AppointmentDTO(
            code: appointment.code, slotId: input.slotID.uuidString, day: appointment.day, state: appointment.state.rawValue,
            name: Masking.name(appointment.name), idNumber: Masking.residentID(appointment.idNumber)
        )
        .encodeResponse(status: .created, for: req)
    }
}
