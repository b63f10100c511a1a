import Fluent
import Foundation
import OneWindowCore
import Vapor

/// 局长帮办: the monthly schedule of director shifts, a shift's page (cases served, the one citizen consulted and
/// their feedback, findings as improvements with owner, due date and status), and the public list of improvements.
struct DirectorShiftController {
    func register(_ web: any RoutesBuilder) {
        web.get(.improvements, use: publicImprovements)
        let staff = web.grouped(RoleGuard(FrontDeskAccess.directorShifts))
        staff.get(.directorShifts, use: schedule)
        staff.post(.directorShifts, use: create)
        staff.get(.directorShift, use: show)
        staff.post(.directorShiftCases, use: addCase)
        staff.post(.directorShiftConsultation, use: consult)
        staff.post(.directorShiftImprovements, use: addImprovement)
        staff.post(.improvementStatus, use: setStatus)
    }

    struct ScheduleContext: Encodable {
        struct Row: Encodable {
            let day: String; let period: String; let department: String; let director: String; let cases: Int; let consulted: Bool;
            let link: String
        }
        let page: PageChrome
        let month: String
        let previous: String
        let next: String
        let rows: [Row]
        let departments: [SelectOption]
        let directors: [SelectOption]
        let errors: [String: String]
    }

    static func month(_ req: Request) -> String {
        let text = (try? req.query.get(String.self, at: "month")) ?? ""
        if text.count == 7, LocalDate(iso: text + "-01") != nil { return text }
        return String(LocalDate(req.now, in: req.settings.timeZone).description.prefix(7))
    }

    func schedule(req: Request) async throws -> View {
        try await renderSchedule(req, month: Self.month(req), errors: [:])
    }

    func renderSchedule(_ req: Request, month: String, errors: [String: String]) async throws -> View {
        let region = req.settings.region.value
        let shifts = try await DirectorShift.scoped(on: req.db, to: region).filter(\.$month == month).sort(\.$day).all()
        let links = try await DirectorShiftCase.query(on: req.db).filter(\.$shift.$id ~~ shifts.compactMap(\.id)).all()
        let rows = shifts.map { shift in
            ScheduleContext.Row(
                day: shift.day, period: shift.period, department: shift.departmentName, director: shift.directorName,
                cases: links.filter { $0.$shift.id == shift.id }.count, consulted: shift.feedback != nil,
                link: SiteRoute.directorShift.path(shift.id!))
        }
        let first =
            LocalDate(iso: month + "-01") ?? LocalDate(
                iso: String(LocalDate(req.now, in: req.settings.timeZone).description.prefix(7)) + "-01")!
        let departments = try await Department.scoped(on: req.db, to: region).filter(\.$active == true).sort(\.$code)
            .all()
        let directors = try await Staff.scoped(on: req.db, to: region).filter(\.$active == true).all().filter {
            $0.has(.director)
        }
        return try await req.view.render(
            "frontdesk/director-shifts",
            ScheduleContext(
                page: PageChrome(request: req, title: "局长帮办排班"), month: month,
                previous: String(first.adding(days: -1).description.prefix(7)), next: String(first.adding(days: 31).description.prefix(7)),
                rows: rows,
                departments: departments.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: false) },
                directors: directors.map { SelectOption(value: $0.id!.uuidString, label: $0.displayName, selected: false) }, errors: errors)
        )
    }

    func create(req: Request) async throws -> Response {
        let form = try req.formFields()
        var check = FormCheck()
        let today = LocalDate(req.now, in: req.settings.timeZone)
        var day = LocalDate(iso: form["day"] ?? "")
        if day == nil { check.fail("day", "请选择日期") }
        if let chosen = day, abs(chosen.dayNumber - today.dayNumber) > 366 {
            check.fail("day", "排班日期应在一年之内")
            day = nil
        }
        let period = form["period"].flatMap { ["上午", "下午", "全天"].contains($0) ? $0 : nil }
        if period == nil { check.fail("period", "请选择上午、下午或全天") }
        let departmentID = check.uuid(form["department"], field: "department", label: "部门", required: true)
        let directorID = check.uuid(form["director"], field: "director", label: "局长", required: true)
        let department = try await departmentID.asyncMap { try await Department.find($0, on: req.db) } ?? nil
        let director = try await directorID.asyncMap { try await Staff.find($0, on: req.db) } ?? nil
        if departmentID != nil, department?.regionCode != req.settings.region.value { check.fail("department", "请选择部门") }
        if directorID != nil, director?.has(.director) != true { check.fail("director", "请选择有“局长”角色的账号") }
        guard check.isValid, let day, let period, let department, let director else {
            let month = day.map { String($0.description.prefix(7)) } ?? Self.month(req)
            return try await renderSchedule(req, month: month, errors: check.errors).encodeResponse(status: .badRequest, for: req)
        }
        let hall = try await DeskController.hall(for: director, req: req)
        let duplicate =
            try await DirectorShift.scoped(on: req.db, to: req.settings.region.value).filter(\.$day == day.description)
            .filter(\.$period == period).filter(\.$departmentID == department.id).count() > 0
        if duplicate {
            return try await renderSchedule(
                req, month: String(day.description.prefix(7)), errors: ["day": "\(day) \(period) \(department.name) 已有排班"]
            )
            .encodeResponse(status: .conflict, for: req)
        }
        let shift = DirectorShift()
        shift.regionCode = req.settings.region.value
        shift.$hall.id = try hall.requireID()
        shift.departmentID = department.id
        shift.departmentName = department.name
        shift.directorID = director.id
        shift.directorName = director.displayName
        shift.day = day.description
        shift.month = String(day.description.prefix(7))
        shift.period = period
        shift.createdAt = req.now
        let actor = req.actor
        let region = req.settings.region.value
        let now = req.now
        try await req.db.writeTransaction { tx in
            try await shift.create(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: "director_shift.create", entityType: "director_shift",
                entityID: shift.id?.uuidString, summary: "局长帮办排班 \(shift.day)\(period) \(department.name) \(director.displayName)", at: now)
        }
        return req.redirect(to: SiteRoute.directorShifts.path(query: ["month": shift.month]))
    }

}
