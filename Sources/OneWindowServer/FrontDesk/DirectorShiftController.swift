import Fluent
import Foundation
import OneWindowCore
import Vapor

/// 局长帮办: the monthly schedule of director shifts, a shift's page (cases served, the one citizen consulted and
/// their feedback, findings as improvements with owner, due date and status), and the public list of improvements.
struct DirectorShiftController {
    func register(_ web: any RoutesBuilder) {
        web.get("improvements", use: publicImprovements)
        let staff = web.grouped(RoleGuard(FrontDeskAccess.directorShifts))
        staff.get("director-shifts", use: schedule)
        staff.post("director-shifts", use: create)
        staff.get("director-shifts", ":id", use: show)
        staff.post("director-shifts", ":id", "cases", use: addCase)
        staff.post("director-shifts", ":id", "consultation", use: consult)
        staff.post("director-shifts", ":id", "improvements", use: addImprovement)
        staff.post("improvements", ":id", "status", use: setStatus)
    }

    struct ScheduleContext: Encodable {
        struct Row: Encodable { let day: String; let period: String; let department: String; let director: String; let cases: Int; let consulted: Bool; let link: String }
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

    private func renderSchedule(_ req: Request, month: String, errors: [String: String]) async throws -> View {
        let region = req.settings.region.value
        let shifts = try await DirectorShift.query(on: req.db).filter(\.$regionCode == region).filter(\.$month == month).sort(\.$day).all()
        let links = try await DirectorShiftCase.query(on: req.db).filter(\.$shift.$id ~~ shifts.compactMap(\.id)).all()
        let rows = shifts.map { shift in
            ScheduleContext.Row(day: shift.day, period: shift.period, department: shift.departmentName, director: shift.directorName,
                                cases: links.filter { $0.$shift.id == shift.id }.count, consulted: shift.feedback != nil,
                                link: Paths.directorShift(shift.id!))
        }
        let first = LocalDate(iso: month + "-01") ?? LocalDate(iso: String(LocalDate(req.now, in: req.settings.timeZone).description.prefix(7)) + "-01")!
        let departments = try await Department.query(on: req.db).filter(\.$regionCode == region).filter(\.$active == true).sort(\.$code).all()
        let directors = try await Staff.query(on: req.db).filter(\.$regionCode == region).filter(\.$active == true).all().filter { $0.has(.director) }
        return try await req.view.render("frontdesk/director-shifts", ScheduleContext(
            page: PageChrome(request: req, title: "局长帮办排班"), month: month,
            previous: String(first.adding(days: -1).description.prefix(7)), next: String(first.adding(days: 31).description.prefix(7)), rows: rows,
            departments: departments.map { SelectOption(value: $0.id!.uuidString, label: $0.name, selected: false) },
            directors: directors.map { SelectOption(value: $0.id!.uuidString, label: $0.displayName, selected: false) }, errors: errors))
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
        let duplicate = try await DirectorShift.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$day == day.description)
            .filter(\.$period == period).filter(\.$departmentID == department.id).count() > 0
        if duplicate {
            return try await renderSchedule(req, month: String(day.description.prefix(7)), errors: ["day": "\(day) \(period) \(department.name) 已有排班"])
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
            try await Audit.record(on: tx, region: region, actor: actor, action: "director_shift.create", entityType: "director_shift",
                                   entityID: shift.id?.uuidString, summary: "局长帮办排班 \(shift.day)\(period) \(department.name) \(director.displayName)", at: now)
        }
        return req.redirect(to: Paths.directorShifts + "?month=" + shift.month)
    }

    struct ShowContext: Encodable {
        struct CaseRow: Encodable { let number: String; let item: String; let state: String; let link: String }
        struct ImprovementRow: Encodable { let id: String; let finding: String; let action: String; let owner: String; let due: String; let status: String; let statuses: [SelectOption] }
        let page: PageChrome
        let id: String
        let title: String
        let cases: [CaseRow]
        let consultedName: String?
        let consultedPhone: String?
        let feedback: String?
        let improvements: [ImprovementRow]
        let error: String?
    }

    static func shift(_ req: Request) async throws -> DirectorShift {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let shift = try await DirectorShift.find(id, on: req.db),
              shift.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "局长帮办班次") }
        return shift
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, shift: try await Self.shift(req), error: nil, status: .ok)
    }

    static func improvementRow(_ improvement: Improvement) -> ShowContext.ImprovementRow {
        .init(id: improvement.id!.uuidString, finding: improvement.finding, action: improvement.action, owner: improvement.owner, due: improvement.dueOn,
              status: improvement.status.label,
              statuses: ImprovementStatus.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == improvement.status) })
    }

    private func renderShow(_ req: Request, shift: DirectorShift, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let links = try await DirectorShiftCase.query(on: req.db).filter(\.$shift.$id == shift.requireID()).with(\.$case).all()
        let improvements = try await Improvement.query(on: req.db).filter(\.$shift.$id == shift.requireID()).sort(\.$createdAt).all()
        return try await req.view.render("frontdesk/director-shift", ShowContext(
            page: PageChrome(request: req, title: "局长帮办 \(shift.day)"), id: shift.id!.uuidString,
            title: "\(shift.day) \(shift.period) · \(shift.departmentName) · \(shift.directorName)",
            cases: links.map { .init(number: $0.case.caseNumber, item: $0.case.itemName, state: $0.case.state.label, link: Paths.case($0.case.id!)) }
                .sorted { $0.number < $1.number },
            consultedName: shift.consultedName.map(Masking.name), consultedPhone: shift.consultedPhone.map(Masking.phone), feedback: shift.feedback,
            improvements: improvements.map(Self.improvementRow), error: error)).encodeResponse(status: status, for: req)
    }

    /// Runs a change to a shift in one transaction with its audit event; a field error comes back to the page.
    private func change(_ req: Request, action: String, _ body: @escaping @Sendable (DirectorShift, any Database) async throws -> String) async throws -> Response {
        let shift = try await Self.shift(req)
        let actor = req.actor
        let region = req.settings.region.value
        let now = req.now
        do {
            try await req.db.writeTransaction { tx in
                let summary = try await body(shift, tx)
                try await Audit.record(on: tx, region: region, actor: actor, action: action, entityType: "director_shift", entityID: shift.id?.uuidString,
                                       summary: summary, at: now)
            }
            return req.redirect(to: Paths.directorShift(shift.id!))
        } catch let error as any DomainError where error.status == .badRequest || error.status == .conflict {
            return try await renderShow(req, shift: shift, error: error.reason, status: error.status)
        }
    }

    func addCase(req: Request) async throws -> Response {
        let text = try req.formFields()["caseNumber"] ?? ""
        let region = req.settings.region.value
        return try await change(req, action: "director_shift.case") { shift, tx in
            guard let number = try? CaseNumber(parsing: text), let record = try await Case.find(number, region: region, on: tx) else {
                throw PlatformError.invalidField(FieldError(field: "caseNumber", message: "没有这个办件编号"))
            }
            if try await DirectorShiftCase.query(on: tx).filter(\.$shift.$id == shift.requireID()).filter(\.$case.$id == record.requireID()).count() > 0 {
                throw PlatformError.conflict("该办件已在本班次记录中")
            }
            let link = DirectorShiftCase()
            link.$shift.id = try shift.requireID()
            link.$case.id = try record.requireID()
            try await link.create(on: tx)
            return "局长帮办 \(shift.day) 办理 \(record.caseNumber)"
        }
    }

    func consult(req: Request) async throws -> Response {
        let form = try req.formFields()
        var check = FormCheck()
        let name = check.required(form["name"], field: "name", label: "群众姓名", max: 30)
        let phone = TextNormalization.normalizedOrNil(form["phone"]).flatMap { text in check.check { () throws(FieldError) in try MobileNumber(text, field: "phone") } }
        let feedback = check.optional(form["feedback"].map { $0.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ") },
                                      field: "feedback", label: "群众意见", max: 1000) ?? ""
        if feedback.isEmpty { check.fail("feedback", "请填写群众意见") }
        let errors = check.errors
        return try await change(req, action: "director_shift.consult") { shift, tx in
            if let error = errors.sorted(by: { $0.key < $1.key }).first { throw PlatformError.invalidField(FieldError(field: error.key, message: error.value)) }
            // 征询一名群众: one per shift, kept as said.
            if shift.feedback != nil { throw PlatformError.conflict("本班次已征询过一名群众（\(Masking.name(shift.consultedName ?? ""))），不能覆盖") }
            shift.consultedName = name
            shift.consultedPhone = phone?.value
            shift.feedback = feedback
            try await shift.save(on: tx)
            return "局长帮办 \(shift.day) 征询群众 \(Masking.name(name))"
        }
    }

    func addImprovement(req: Request) async throws -> Response {
        let form = try req.formFields()
        var check = FormCheck()
        let finding = check.required(form["finding"], field: "finding", label: "发现的问题", max: 500)
        let action = check.required(form["action"], field: "action", label: "整改措施", max: 500)
        let owner = check.required(form["owner"], field: "owner", label: "责任单位和责任人", max: 60)
        let due = LocalDate(iso: form["dueOn"] ?? "")
        if due == nil { check.fail("dueOn", "请选择完成期限") }
        let errors = check.errors
        let now = req.now
        let region = req.settings.region.value
        return try await change(req, action: "improvement.create") { shift, tx in
            if let error = errors.sorted(by: { $0.key < $1.key }).first { throw PlatformError.invalidField(FieldError(field: error.key, message: error.value)) }
            let improvement = Improvement()
            improvement.regionCode = region
            improvement.$shift.id = shift.id
            improvement.finding = finding
            improvement.action = action
            improvement.owner = owner
            improvement.dueOn = due!.description
            improvement.status = .open
            improvement.createdAt = now
            try await improvement.create(on: tx)
            return "整改事项：\(finding.prefix(40))（\(owner)，\(due!.description) 前）"
        }
    }

    func setStatus(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let improvement = try await Improvement.find(id, on: req.db),
              improvement.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "整改事项") }
        guard let status = try req.formFields()["status"].flatMap(ImprovementStatus.init(rawValue:)) else {
            throw PlatformError.invalidField(FieldError(field: "status", message: "请选择状态"))
        }
        let actor = req.actor
        let region = req.settings.region.value
        let now = req.now
        let today = LocalDate(now, in: req.settings.timeZone).description
        try await req.db.writeTransaction { tx in
            improvement.status = status
            improvement.doneOn = status == .done ? today : nil
            try await improvement.save(on: tx)
            try await Audit.record(on: tx, region: region, actor: actor, action: "improvement.status", entityType: "improvement", entityID: id.uuidString,
                                   summary: "整改事项“\(improvement.finding.prefix(30))”：\(status.label)", at: now)
        }
        return req.redirect(to: improvement.$shift.id.map(Paths.directorShift) ?? Paths.improvements)
    }

    struct PublicContext: Encodable {
        struct Row: Encodable { let finding: String; let action: String; let owner: String; let due: String; let status: String; let overdue: Bool; let source: String }
        let page: PageChrome
        let rows: [Row]
        let open: Int
        let inProgress: Int
        let done: Int
    }

    /// The public list of improvements and their state (no personal data: the finding, the action, the owner).
    func publicImprovements(req: Request) async throws -> View {
        let improvements = try await Improvement.query(on: req.db).filter(\.$regionCode == req.settings.region.value).sort(\.$createdAt, .descending)
            .with(\.$shift).all()
        let today = LocalDate(req.now, in: req.settings.timeZone).description
        return try await req.view.render("frontdesk/improvements", PublicContext(
            page: PageChrome(request: req, title: "局长帮办 · 整改清单"),
            rows: improvements.map {
                .init(finding: Masking.redact($0.finding), action: Masking.redact($0.action), owner: Masking.redact($0.owner), due: $0.dueOn,
                      status: $0.status.label,
                      overdue: $0.status != .done && $0.dueOn < today,
                      source: $0.shift.map { "\($0.day) \($0.departmentName)局长帮办" } ?? "")
            },
            open: improvements.filter { $0.status == .open }.count, inProgress: improvements.filter { $0.status == .inProgress }.count,
            done: improvements.filter { $0.status == .done }.count))
    }
}
