import Fluent
import Foundation
import OneWindowCore
import Vapor

extension DirectorShiftController {
    struct ShowContext: Encodable {
        struct CaseRow: Encodable { let number: String; let item: String; let state: String; let link: String }
        struct ImprovementRow: Encodable {
            let id: String; let finding: String; let action: String; let owner: String; let due: String; let status: String;
            let statuses: [SelectOption]
        }
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
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let shift = try await DirectorShift.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "局长帮办班次") }
        return shift
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, shift: try await Self.shift(req), error: nil, status: .ok)
    }

    static func improvementRow(_ improvement: Improvement) -> ShowContext.ImprovementRow {
        .init(
            id: improvement.id!.uuidString, finding: improvement.finding, action: improvement.action, owner: improvement.owner,
            due: improvement.dueOn,
            status: improvement.status.label,
            statuses: ImprovementStatus.allCases.map {
                SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == improvement.status)
            })
    }

    func renderShow(_ req: Request, shift: DirectorShift, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let links = try await DirectorShiftCase.query(on: req.db).filter(\.$shift.$id == shift.requireID()).with(\.$case).all()
        let improvements = try await Improvement.query(on: req.db).filter(\.$shift.$id == shift.requireID()).sort(\.$createdAt).all()
        return try await req.view.render(
            "frontdesk/director-shift",
            ShowContext(
                page: PageChrome(request: req, title: "局长帮办 \(shift.day)"), id: shift.id!.uuidString,
                title: "\(shift.day) \(shift.period) · \(shift.departmentName) · \(shift.directorName)",
                cases: links.map {
                    .init(
                        number: $0.case.caseNumber, item: $0.case.itemName, state: $0.case.state.label,
                        link: SiteRoute.caseRecord.path($0.case.id!))
                }
                .sorted { $0.number < $1.number },
                consultedName: shift.consultedName.map(Masking.name), consultedPhone: shift.consultedPhone.map(Masking.phone),
                feedback: shift.feedback,
                improvements: improvements.map(Self.improvementRow), error: error)
        ).encodeResponse(status: status, for: req)
    }

    /// Runs a change to a shift in one transaction with its audit event; a field error comes back to the page.
    func change(_ req: Request, action: String, _ body: @escaping @Sendable (DirectorShift, any Database) async throws -> String)
        async throws -> Response
    {
        let shift = try await Self.shift(req)
        let actor = req.actor
        let region = req.settings.region.value
        let now = req.now
        do {
            try await req.db.writeTransaction { tx in
                let summary = try await body(shift, tx)
                try await Audit.record(
                    on: tx, region: region, actor: actor, action: action, entityType: "director_shift", entityID: shift.id?.uuidString,
                    summary: summary, at: now)
            }
            return req.redirect(to: SiteRoute.directorShift.path(shift.id!))
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
            if try await DirectorShiftCase.query(on: tx).filter(\.$shift.$id == shift.requireID()).filter(\.$case.$id == record.requireID())
                .count() > 0
            {
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
        let phone = TextNormalization.normalizedOrNil(form["phone"]).flatMap { text in
            check.check { () throws(FieldError) in try MobileNumber(text, field: "phone") }
        }
        let feedback =
            check.optional(
                form["feedback"].map { $0.replacingOccurrences(of: "\r\n", with: " ").replacingOccurrences(of: "\n", with: " ") },
                field: "feedback", label: "群众意见", max: 1000) ?? ""
        if feedback.isEmpty { check.fail("feedback", "请填写群众意见") }
        let errors = check.errors
        return try await change(req, action: "director_shift.consult") { shift, tx in
            if let error = errors.sorted(by: { $0.key < $1.key }).first {
                throw PlatformError.invalidField(FieldError(field: error.key, message: error.value))
            }
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
            if let error = errors.sorted(by: { $0.key < $1.key }).first {
                throw PlatformError.invalidField(FieldError(field: error.key, message: error.value))
            }
            let known = try await ImprovementPeople.names(of: [shift.requireID()], on: tx)[shift.requireID()] ?? []
            for (field, text) in [("finding", finding), ("action", action), ("owner", owner)] {
                if let person = ImprovementPeople.namedPerson(in: text, knowing: known) {
                    throw PlatformError.invalidField(
                        FieldError(field: field, message: "整改清单向社会公开，请勿写入群众姓名（\(person)），可写“群众”或“申请人”"))
                }
            }
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
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let improvement = try await Improvement.find(id, in: req.settings.region.value, on: req.db)
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
            try await Audit.record(
                on: tx, region: region, actor: actor, action: "improvement.status", entityType: "improvement", entityID: id.uuidString,
                summary: "整改事项“\(improvement.finding.prefix(30))”：\(status.label)", at: now)
        }
        return req.redirect(to: improvement.$shift.id.map { SiteRoute.directorShift.path($0) } ?? SiteRoute.improvements.path())
    }

    struct PublicContext: Encodable {
        struct Row: Encodable {
            let finding: String; let action: String; let owner: String; let due: String; let status: String; let overdue: Bool;
            let source: String
        }
        let page: PageChrome
        let rows: [Row]
        let open: Int
        let inProgress: Int
        let done: Int
    }

    /// The public list of improvements and their state (no personal data: the finding, the action, the owner).
    func publicImprovements(req: Request) async throws -> View {
        let improvements = try await Improvement.scoped(on: req.db, to: req.settings.region.value).sort(
            \.$createdAt, .descending
        )
        .with(\.$shift).all()
        let people = try await ImprovementPeople.names(of: Array(Set(improvements.compactMap { $0.$shift.id })), on: req.db)
        let today = LocalDate(req.now, in: req.settings.timeZone).description
        return try await req.view.render(
            "frontdesk/improvements",
            PublicContext(
                page: PageChrome(request: req, title: "局长帮办 · 整改清单"),
                rows: improvements.map {
                    let names = $0.$shift.id.flatMap { people[$0] } ?? []
                    return .init(
                        finding: Masking.redact($0.finding, names: names), action: Masking.redact($0.action, names: names),
                        owner: Masking.redact($0.owner, names: names),
                        due: $0.dueOn,
                        status: $0.status.label,
                        overdue: $0.status != .done && $0.dueOn < today,
                        source: $0.shift.map { "\($0.day) \($0.departmentName)局长帮办" } ?? "")
                },
                open: improvements.filter { $0.status == .open }.count, inProgress: improvements.filter { $0.status == .inProgress }.count,
                done: improvements.filter { $0.status == .done }.count))
    }
}
