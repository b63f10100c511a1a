import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `/api/v1/cases`: create (window intake), list with filters and stable pagination, show, each transition;
/// `/api/v1/files`: upload a material scan. Bearer token with `cases:read` / `cases:write` (the token's staff
/// member's roles apply as on the web). Applicant data is masked in every answer.
struct CaseAPIController {
    func register(_ api: any RoutesBuilder) {
        let authed = api.grouped(APITokenAuthenticator())
        let read = authed.grouped(ScopeGuard("cases:read"))
        let write = authed.grouped(ScopeGuard("cases:write"))
        read.get(.apiCases, use: list)
        read.get(.apiCase, use: show)
        write.post(.apiCases, use: create)
        write.post(.apiCaseAction, use: act)
        write.on(.POST, .apiFiles, body: .stream, use: upload)
    }

    struct CaseDTO: Content {
        struct Person: Content { let kind: String; let name: String; let idNumber: String }
        struct Step: Content { let position: Int; let department: String; let state: String; let owner: String? }
        struct PauseDTO: Content { let reason: String; let from: String; let until: String?; let note: String }
        struct Material: Content { let name: String; let provision: String; let isKey: Bool; let licenceId: String?; let fileId: String? }
        let caseNumber: String
        let itemCode: String
        let itemName: String
        let department: String
        let currentDepartment: String
        let caseType: String
        let channel: String
        let state: String
        let stateLabel: String
        let applicant: Person
        let proxy: Person?
        let submittedAt: String
        let acceptedAt: String?
        let acceptedOn: String?
        let promisedDays: Double
        let statutoryDays: Double?
        let dueAt: String?
        let statutoryDueAt: String?
        let light: String
        let lightLabel: String
        let owner: String?
        let decision: String?
        let reason: String?
        let completedAt: String?
        let deliveryMethod: String?
        let deliveredAt: String?
        let pendingMaterials: Bool
        let steps: [Step]?
        let pauses: [PauseDTO]?
        let materials: [Material]?
    }

    static func dto(
        _ record: Case, applicants: [UUID: Applicant], detail: Bool, now: Date, calendar: WorkingCalendar, zone: TimeZone,
        on db: any Database
    ) async throws -> CaseDTO {
        func person(_ applicant: Applicant?) -> CaseDTO.Person? {
            applicant.map { .init(kind: $0.kind.rawValue, name: $0.maskedName, idNumber: $0.maskedNumber) }
        }
        var steps: [CaseDTO.Step]?
        var pauses: [CaseDTO.PauseDTO]?
        var materials: [CaseDTO.Material]?
        if detail {
            steps = try await CaseStep.query(on: db).filter(\.$case.$id == record.id!).sort(\.$position).all().map {
                .init(position: $0.position + 1, department: $0.departmentName, state: $0.state.rawValue, owner: $0.ownerName)
            }
            pauses = try await CasePause.query(on: db).filter(\.$case.$id == record.id!).sort(\.$startedAt).all().map {
                .init(reason: $0.reason.rawValue, from: $0.startOn, until: $0.endOn, note: $0.note)
            }
            materials = try await SubmittedMaterial.query(on: db).filter(\.$case.$id == record.id!).sort(\.$position).all().map {
                .init(
                    name: $0.name, provision: $0.provision.rawValue, isKey: $0.isKey, licenceId: $0.licenceID,
                    fileId: $0.$file.id?.uuidString)
            }
        }
        let badge = DeadlineBadge.of(record, now: now, calendar: calendar, zone: zone)
        return CaseDTO(
            caseNumber: record.caseNumber, itemCode: record.itemCode, itemName: record.itemName, department: record.departmentName,
            currentDepartment: record.currentDepartmentName, caseType: record.caseType.rawValue, channel: record.channel.rawValue,
            state: record.state.rawValue, stateLabel: record.state.label,
            applicant: person(applicants[record.$applicant.id]) ?? .init(kind: "person", name: "", idNumber: ""),
            proxy: record.$proxy.id.flatMap { person(applicants[$0]) }, submittedAt: LocalTime.iso(record.submittedAt, zone)!,
            acceptedAt: LocalTime.iso(record.acceptedAt, zone), acceptedOn: record.acceptedOn, promisedDays: record.promised.days,
            statutoryDays: record.statutory?.days, dueAt: LocalTime.iso(record.dueAt, zone),
            statutoryDueAt: LocalTime.iso(record.statutoryDueAt, zone),
            light: badge.tone, lightLabel: badge.label, owner: record.ownerName, decision: record.decision?.rawValue, reason: record.reason,
            completedAt: LocalTime.iso(record.completedAt, zone), deliveryMethod: record.deliveryMethod?.rawValue,
            deliveredAt: LocalTime.iso(record.deliveredAt, zone),
            pendingMaterials: record.pendingMaterials, steps: steps, pauses: pauses, materials: materials)
    }

    /// `GET /api/v1/cases?state=&department=&overdue=true&page=&per=`: newest case number first (unique, so pages
    /// are stable).
    func list(req: Request) async throws -> PageDTO<CaseDTO> {
        try Self.requireCaseRole(req)
        var check = FormCheck()
        let state = (try? req.query.get(String.self, at: "state")).flatMap { raw -> CaseState? in
            guard !raw.isEmpty else { return nil }
            guard let state = CaseState(rawValue: raw) else {
                check.fail("state", "state 应为 \(CaseState.allCases.map(\.rawValue).joined(separator: "、")) 之一"); return nil
            }
            return state
        }
        // As the items API reads them: NFKC (１０ is 10), trimmed; given empty (`page=`) is not an integer either.
        let pageText = (try? req.query.get(String.self, at: "page")).map { TextNormalization.normalizedOrNil($0) ?? "" }
        let page = pageText.map { Int($0) ?? 0 } ?? 1
        if !(1...100_000).contains(page) { check.fail("page", "页码（page）应为 1–100000 的整数") }
        let perText = (try? req.query.get(String.self, at: "per")).map { TextNormalization.normalizedOrNil($0) ?? "" }
        let per = perText.map { Int($0) ?? 0 } ?? 20
        if !(1...100).contains(per) { check.fail("per", "每页条数（per）应为 1–100 的整数") }
        let overdueText = try? req.query.get(String.self, at: "overdue")
        if let overdueText, !["true", "false"].contains(overdueText) { check.fail("overdue", "overdue 应为 true 或 false") }
        let departmentKey = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "department"))?.uppercased()
        if let (field, message) = check.errors.sorted(by: { $0.key < $1.key }).first {
            throw PlatformError.invalidField(.init(field: field, message: message))
        }
        let region = req.settings.region.value
        var filter = CaseListFilter(region: region)
        if let state { filter = filter.adding(.state(state)) }
        if let departmentKey {
            let department = try await Department.scoped(on: req.db, to: region).filter(\.$code == departmentKey).first()
            // An unknown code matches nothing (not the cases without a department).
            filter = filter.adding(.currentDepartment(department?.id ?? UUID()))
        }
        if overdueText == "true" { filter = filter.overdue(now: req.now) }
        let query = filter.query(on: req.db)
        let total = try await query.count()
        let records = try await query.sort(\.$caseNumber, .descending).range(((page - 1) * per)..<(page * per)).all()
        let applicants = try await CaseWebController.applicants(of: records, on: req.db)
        let calendar = try await req.workingCalendar()
        var items: [CaseDTO] = []
        for record in records {
            items.append(
                try await Self.dto(
                    record, applicants: applicants, detail: false, now: req.now, calendar: calendar, zone: req.settings.timeZone, on: req.db
                ))
        }
        return PageDTO(items: items, metadata: .init(page: page, per: per, total: total))
    }

    func find(_ req: Request) async throws -> Case {
        let raw = req.parameters.get("number") ?? ""
        let number: CaseNumber
        do { number = try CaseNumber(parsing: raw) } catch { throw PlatformError.invalidField(error) }
        guard let record = try await Case.find(number, region: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "办件 \(number)") }
        return record
    }

    func detail(_ req: Request, _ record: Case, status: HTTPResponseStatus = .ok) async throws -> Response {
        let applicants = try await CaseWebController.applicants(of: [record], on: req.db)
        let dto = try await Self.dto(
            record, applicants: applicants, detail: true, now: req.now, calendar: try await req.workingCalendar(),
            zone: req.settings.timeZone, on: req.db)
        return try await dto.encodeResponse(status: status, for: req)
    }

    func show(req: Request) async throws -> Response {
        try Self.requireCaseRole(req)
        let record = try await find(req)
        try await CaseAccess.require(.view, on: record, req)
        return try await detail(req, record)
    }

    /// Reading cases needs one of the roles of the case pages (a 帮办员's token does not list cases).
    static func requireCaseRole(_ req: Request) throws {
        let staff = try req.auth.require(Staff.self)
        guard CaseWebController.staffRoles.contains(where: staff.has) else { throw PlatformError.forbidden }
    }

}
