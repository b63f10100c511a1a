import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Staff pages of appointments: open slots (`/frontdesk/slots`), the bookings of a day and their CSV.
extension AppointmentController {
    // MARK: Staff: the bookings of a day

    struct DayContext: Encodable {
        struct Row: Encodable {
            let time: String; let hall: String; let category: String; let code: String; let name: String; let idNumber: String;
            let phone: String; let state: String
        }
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
        let appointments = try await Appointment.scoped(on: req.db, to: region).filter(\.$day == day.description).all()
        let slots = try await AppointmentSlot.scoped(on: req.db, to: region).filter(\.$day == day.description).all()
        let halls = try await Hall.scoped(on: req.db, to: region).all()
        let categories = try await TicketCategory.scoped(on: req.db, to: region).all()
        let rows: [DayContext.Row] = appointments.compactMap { appointment in
            guard let slot = slots.first(where: { $0.id == appointment.$slot.id }) else { return nil }
            return .init(
                time: "\(LocalTime.clock(slot.startsAt, in: zone))–\(LocalTime.clock(slot.endsAt, in: zone))",
                hall: halls.first { $0.id == appointment.hallID }?.name ?? "",
                category: categories.first { $0.id == appointment.categoryID }?.name ?? "",
                code: appointment.code, name: Masking.name(appointment.name), idNumber: Masking.residentID(appointment.idNumber),
                phone: Masking.phone(appointment.phone), state: appointment.state.label)
        }.sorted { ($0.time, $0.code) < ($1.time, $1.code) }
        if (try? req.query.get(String.self, at: "format")) == "csv" {
            return try CSVExport.response(
                filename: "预约-\(day).csv", header: ["日期", "时段", "大厅", "类别", "预约号", "姓名", "身份证号", "手机", "状态"],
                rows: rows.map {
                    [day.description, $0.time, $0.hall, $0.category, $0.code, CSVExport.text($0.name), $0.idNumber, $0.phone, $0.state]
                })
        }
        return try await req.view.render(
            "frontdesk/appointment-day",
            DayContext(
                page: PageChrome(request: req, title: "预约名单 \(day)"), day: day.description, rows: rows,
                csvLink: SiteRoute.appointmentDay.path(query: ["day": "\(day)", "format": "csv"]))
        ).encodeResponse(for: req)
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

    func renderSlots(_ req: Request, values: [String: String], errors: [String: String], created: Int?) async throws -> View {
        let halls = try await Hall.scoped(on: req.db, to: req.settings.region.value).filter(\.$active == true).sort(
            \.$code
        ).all()
        let categories = try await TicketCategory.scoped(on: req.db, to: req.settings.region.value).filter(
            \.$active == true
        )
        .sort(\.$position).all()
        return try await req.view.render(
            "frontdesk/slots",
            SlotsContext(
                page: PageChrome(request: req, title: "开放预约时段"),
                categories: categories.compactMap { category in
                    guard let hall = halls.first(where: { $0.id == category.$hall.id }) else { return nil }
                    return SelectOption(
                        value: category.id!.uuidString, label: "\(hall.name) · \(category.prefix) \(category.name)",
                        selected: values["category"] == category.id!.uuidString)
                },
                values: values, errors: errors, created: created))
    }

    /// Parses `09:00-10:00, 10:00-11:00`.
    static func times(_ text: String) -> [(start: (Int, Int), end: (Int, Int))]? {
        func clock(_ part: Substring) -> (Int, Int)? {
            let pieces = part.split(separator: ":")
            guard pieces.count == 2, let h = Int(pieces[0]), let m = Int(pieces[1]), (0..<24).contains(h), (0..<60).contains(m) else {
                return nil
            }
            return (h, m)
        }
        let entries = TextNormalization.normalize(text).split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " || $0 == "、" })
        var result: [(start: (Int, Int), end: (Int, Int))] = []
        for entry in entries {
            let ends = entry.split(separator: "-")
            guard ends.count == 2, let start = clock(ends[0]), let end = clock(ends[1]), start.0 * 60 + start.1 < end.0 * 60 + end.1 else {
                return nil
            }
            result.append((start, end))
        }
        let minutes = result.map { ($0.start.0 * 60 + $0.start.1, $0.end.0 * 60 + $0.end.1) }.sorted { $0.0 < $1.0 }
        for (earlier, later) in zip(minutes, minutes.dropFirst()) where later.0 < earlier.1 { return nil }
        return result.isEmpty || result.count > 24 ? nil : result
    }

    func createSlots(req: Request) async throws -> Response {
        let form = try req.formFields()
        let values = [
            "category": form["category"], "from": form["from"], "to": form["to"], "times": form["times"], "capacity": form["capacity"],
        ]
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
            return try await renderSlots(req, values: values, errors: check.errors, created: nil).encodeResponse(
                status: .badRequest, for: req)
        }
        do {
            let created = try await AppointmentService(req).createSlots(
                category: category, from: from, to: to, times: times, capacity: capacity,
                calendar: try await req.workingCalendar(), actor: req.actor)
            return try await renderSlots(req, values: values, errors: [:], created: created).encodeResponse(for: req)
        } catch let error as PlatformError {
            guard case .invalidField(let field) = error else { throw error }
            return try await renderSlots(req, values: values, errors: [field.field: field.message], created: nil).encodeResponse(
                status: .badRequest, for: req)
        } catch let error as CalendarError {
            return try await renderSlots(req, values: values, errors: ["to": error.message], created: nil).encodeResponse(
                status: .unprocessableEntity, for: req)
        }
    }
}
