import Fluent
import Foundation
import OneWindowCore
import Vapor

/// An application as typed (web form or JSON), before validation. Field names are the same on both surfaces.
struct RawApplication: Sendable {
    var applicantKind: String?
    var idNumber: String?
    var name: String?
    var phone: String?
    var proxyIdNumber: String?
    var proxyName: String?
    var proxyPhone: String?
    var note: String?
    /// Department codes of a 联办件's further steps.
    var jointDepartments: [String] = []
    var materials: [UUID: RawMaterial] = [:]

    struct RawMaterial: Sendable {
        var provision: String?
        var note: String?
        var licenceID: String?
        var file: StoredFile?
    }

    /// Reads the form fields: `m_<requirement id>` (provision), `n_…` (note), `l_…` (licence ID).
    static func fromForm(_ fields: FormFields, requirements: [MaterialRequirement], files: [UUID: StoredFile]) -> RawApplication {
        func text(_ key: String) -> String? { fields[key] }
        var raw = RawApplication(
            applicantKind: text("applicantKind"), idNumber: text("idNumber"), name: text("name"), phone: text("phone"),
            proxyIdNumber: text("proxyIdNumber"), proxyName: text("proxyName"), proxyPhone: text("proxyPhone"), note: text("note"))
        raw.jointDepartments = (fields.list("jointDepartments") + fields.list("jointDepartments[]")).filter { !$0.isEmpty }
        for requirement in requirements {
            let id = requirement.id!
            raw.materials[id] = RawMaterial(
                provision: text("m_\(id.uuidString)"), note: text("n_\(id.uuidString)"), licenceID: text("l_\(id.uuidString)"),
                file: files[id])
        }
        return raw
    }
}

/// Validates a `RawApplication` against its item: identity numbers (GB 11643 / GB 32100, NFKC), names, the
/// mobile number, each material's provision, licence identifiers (GB/T 36904) and uploads.
enum CaseIntake {
    /// The validated application, or every field error at once.
    static func validate(
        _ raw: RawApplication, item: ServiceItem, requirements: [MaterialRequirement], on db: any Database, region: String
    ) async throws -> (CaseService.Application?, [String: String]) {
        var check = FormCheck()
        let kind =
            check.choice(
                raw.applicantKind ?? ApplicantIdentity.Kind.person.rawValue, field: "applicantKind", label: "申请人类型",
                as: ApplicantIdentity.Kind.self) ?? .person
        let identity = check.check { () throws(FieldError) in
            try ApplicantIdentity(kind: kind, number: raw.idNumber ?? "", field: "idNumber")
        }
        let name = check.required(raw.name, field: "name", label: kind == .person ? "申请人姓名" : "单位名称", max: 60)
        let phone = check.check { () throws(FieldError) in try MobileNumber(raw.phone ?? "", field: "phone") }

        var proxy: CaseService.ApplicantInput?
        let proxyGiven = [raw.proxyIdNumber, raw.proxyName, raw.proxyPhone].contains { TextNormalization.trimmedOrNil($0) != nil }
        if proxyGiven {
            let proxyIdentity = check.check { () throws(FieldError) in
                try ApplicantIdentity(kind: .person, number: raw.proxyIdNumber ?? "", field: "proxyIdNumber")
            }
            let proxyName = check.required(raw.proxyName, field: "proxyName", label: "代办人姓名", max: 30)
            let proxyPhone = check.check { () throws(FieldError) in try MobileNumber(raw.proxyPhone ?? "", field: "proxyPhone") }
            if let proxyIdentity, let proxyPhone, check.errors["proxyName"] == nil {
                proxy = .init(identity: proxyIdentity, name: proxyName, phone: proxyPhone.value)
            }
            if let proxyIdentity, proxyIdentity == identity { check.fail("proxyIdNumber", "代办人不能是申请人本人") }
        }

        var materials: [UUID: CaseService.MaterialInput] = [:]
        for requirement in requirements {
            let id = requirement.id!
            let field = "m_\(id.uuidString)"
            let input = raw.materials[id] ?? .init()
            var provision: MaterialCheck.Provision = .missing
            if let text = TextNormalization.normalizedOrNil(input.provision) {
                guard let parsed = MaterialCheck.Provision(rawValue: text) else {
                    check.fail(field, "“\(requirement.name)”的提交方式不正确")
                    continue
                }
                provision = parsed
            }
            if input.file != nil, provision == .missing { provision = .electronic }
            let note = check.optional(input.note, field: "n_\(id.uuidString)", label: "材料说明", max: 200)
            var licence: String?
            if provision == .licence {
                guard requirement.licenceType != nil else {
                    check.fail(field, "“\(requirement.name)”不能以电子证照代替")
                    continue
                }
                licence = check.check { () throws(FieldError) in try LicenceID(input.licenceID ?? "", field: "l_\(id.uuidString)").value }
            }
            if provision == .electronic, input.file == nil {
                check.fail(field, "“\(requirement.name)”选择了电子材料，请上传扫描件")
            }
            if provision == .defective, note == nil {
                check.fail("n_\(id.uuidString)", "请写明“\(requirement.name)”哪里不符合要求")
            }
            materials[id] = .init(provision: provision, note: note, licenceID: licence, file: input.file)
        }

        var joint: [Department] = []
        for code in raw.jointDepartments {
            let normalized = TextNormalization.normalize(code).uppercased()
            guard let department = try await Department.scoped(on: db, to: region).filter(\.$code == normalized).first(),
                department.id != item.$department.id, !joint.contains(where: { $0.id == department.id })
            else {
                check.fail("jointDepartments", "联办部门“\(code)”不存在或重复")
                continue
            }
            joint.append(department)
        }
        let note = check.optional(raw.note, field: "note", label: "申请事由", max: 500)
        guard check.isValid, let identity, let phone else { return (nil, check.errors) }
        return (
            CaseService.Application(
                item: item, requirements: requirements, applicant: .init(identity: identity, name: name, phone: phone.value), proxy: proxy,
                contactPhone: phone.value, materials: materials, jointDepartments: joint, note: note), [:]
        )
    }

    /// A published item of the region by its code, with its requirements in order.
    static func item(code: String?, region: String, on db: any Database) async throws -> (ServiceItem, [MaterialRequirement])? {
        guard let code = TextNormalization.normalizedOrNil(code)?.uppercased(), code.count <= 40 else { return nil }
        guard
            let item = try await ServiceItem.scoped(on: db, to: RegionScope.visible(for: try RegionCode(region)))
                .filter(\.$itemCode == code).filter(\.$status == .published).first()
        else { return nil }
        let requirements = try await MaterialRequirement.query(on: db).filter(\.$item.$id == item.requireID()).sort(\.$position).all()
        return (item, requirements)
    }
}

/// An action named on a route, with the fields it needs, read the same way from the web form and the JSON API.
///
/// Names: `accept`, `reject`, `take`, `pause` (`reason`: `correction` by default, or `specialProcedure`), `resume`,
/// `pass-step`, `decide` (`decision`: `approve` / `deny`), `complete`, `receive-pending`, `deliver` (`method`),
/// `change-limit` (`limit`). The web's buttons also use shorthands for a fixed choice: `pause-correction`,
/// `pause-special`, `approve`, `deny`. A 不予受理, a pause, a 不予许可 and a change of limit need a `note`.
enum CaseActionInput {
    struct Fields: Sendable {
        var note: String?
        var reason: String?
        var decision: String?
        var method: String?
        /// The new limit, already read by the surface (`nil` when absent or not a multiple of 0.5).
        var limit: WorkingDays?
    }

    /// The action and its details, or `nil` for an unknown name; bad fields are recorded in `check`.
    static func parse(_ name: String, _ fields: Fields, check: inout FormCheck) -> (CaseAction, CaseService.ActionDetails)? {
        let note = check.optional(fields.note, field: "note", label: "说明", max: 500)
        var details = CaseService.ActionDetails(note: note)
        let action: CaseAction
        switch name {
        case "accept": action = .accept
        case "reject": action = .reject
        case "take": action = .take
        case "pause":
            let reason = fields.reason.map { Pause.Reason(rawValue: $0) } ?? .correction
            if reason == nil { check.fail("reason", "暂停原因（reason）应为 correction 或 specialProcedure") }
            action = .pause(reason ?? .correction)
        case "pause-correction": action = .pause(.correction)
        case "pause-special": action = .pause(.specialProcedure)
        case "resume": action = .resume
        case "pass-step": action = .passStep
        case "decide":
            let decision = check.choice(fields.decision, field: "decision", label: "决定", as: CaseDecision.self)
            action = .decide(decision ?? .approve)
        case "approve": action = .decide(.approve)
        case "deny": action = .decide(.deny)
        case "complete": action = .complete
        case "receive-pending": action = .receivePending
        case "deliver":
            let method = check.choice(fields.method, field: "method", label: "送达方式", as: DeliveryMethod.self)
            action = .deliver(method ?? .window)
        case "change-limit":
            details.limit = fields.limit
            if fields.limit == nil { check.fail("limit", "新的承诺时限（limit）应为不小于 0 的数，且为 0.5 的整数倍") }
            action = .changeLimit
        default:
            return nil
        }
        let needsNote =
            switch action {
            case .reject, .pause, .decide(.deny), .changeLimit: true
            default: false
            }
        if needsNote, note == nil { check.fail("note", "请填写\(action == .changeLimit ? "变更理由" : "理由或说明")（note）") }
        return (action, details)
    }
}
