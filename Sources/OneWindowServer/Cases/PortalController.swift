import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The citizen's side (no sign-in): 网上申报 of an item marked fully online, and 办件进度查询 by case number plus
/// the last 4 digits of the contact phone, showing masked data only (个人信息保护法; RULES.md).
struct PortalController {
    func register(_ web: any RoutesBuilder) {
        web.get(.apply, use: form)
        web.on(.POST, .apply, body: .collect(maxSize: ByteCount(value: FileStore.uploadLimit)), use: submit)
        web.get(.progress, use: progress)
        web.get(.applyReceipt, use: receipt)
    }

    struct FormContext: Encodable {
        struct Requirement: Encodable {
            let id: String; let name: String; let required: Bool; let isKey: Bool; let licenceType: String?; let note: String?;
            let error: String?
        }
        let page: PageChrome
        let code: String
        let name: String
        let department: String
        let promised: String
        let guideLink: String
        let requirements: [Requirement]
        let kinds: [SelectOption]
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
    }

    private func onlineItem(_ req: Request) async throws -> (ServiceItem, [MaterialRequirement]) {
        guard
            let (item, requirements) = try await CaseIntake.item(
                code: req.parameters.get("code"), region: req.settings.region.value, on: req.db)
        else {
            throw PlatformError.notFound(what: "该事项")
        }
        guard item.fullyOnline == true else {
            throw CaseError.itemUnavailable("“\(item.name)”暂不支持网上申报，请到综合窗口办理")
        }
        return (item, requirements)
    }

    func form(req: Request) async throws -> Response {
        let (item, requirements) = try await onlineItem(req)
        return try await render(req, item: item, requirements: requirements, raw: RawApplication(), errors: [:])
    }

    private func render(
        _ req: Request, item: ServiceItem, requirements: [MaterialRequirement], raw: RawApplication, errors: [String: String],
        status: HTTPResponseStatus = .ok
    ) async throws -> Response {
        let kind = raw.applicantKind ?? ApplicantIdentity.Kind.person.rawValue
        return try await req.view.render(
            "portal/apply",
            FormContext(
                page: PageChrome(request: req, title: "网上申报：\(item.name)", forms: true), code: item.itemCode,
                name: CaseWebController.displayName(item),
                department: item.departmentName ?? "—",
                promised: item.caseType == .instant ? "即办" : (item.promised.map { "\($0) 个工作日" } ?? "—"),
                guideLink: SiteRoute.item.path(item.itemCode),
                requirements: requirements.map {
                    let id = $0.id!.uuidString
                    return .init(
                        id: id, name: $0.name, required: $0.required, isKey: $0.isKey, licenceType: $0.licenceType, note: $0.note,
                        error: errors["f_\(id)"] ?? errors["m_\(id)"] ?? errors["l_\(id)"])
                },
                kinds: ApplicantIdentity.Kind.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == kind)
                },
                values: ["idNumber": raw.idNumber, "name": raw.name, "phone": raw.phone, "note": raw.note].compactMapValues { $0 },
                errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value))
        ).encodeResponse(status: status, for: req)
    }

    /// Submits an online application: every required material uploaded (or given as an e-licence), then into the
    /// pre-review queue with a case number; the receipt says how to follow it.
    func submit(req: Request) async throws -> Response {
        let (item, requirements) = try await onlineItem(req)
        let (files, fileErrors) = try CaseWebController.storeFiles(req, requirements: requirements)
        var raw = RawApplication.fromForm(try req.formFields(), requirements: requirements, files: files)
        for requirement in requirements {
            let id = requirement.id!
            let licence = TextNormalization.normalizedOrNil(raw.materials[id]?.licenceID)
            raw.materials[id]?.provision =
                files[id] != nil
                ? "electronic"
                : (licence != nil ? "licence" : (item.allowsPendingMaterials && !requirement.isKey ? "pending" : "missing"))
        }
        var (application, errors) = try await CaseIntake.validate(
            raw, item: item, requirements: requirements, on: req.db, region: req.settings.region.value)
        errors.merge(fileErrors) { a, _ in a }
        for requirement in requirements where requirement.required && (!item.allowsPendingMaterials || requirement.isKey) {
            let id = requirement.id!
            if files[id] == nil, TextNormalization.normalizedOrNil(raw.materials[id]?.licenceID) == nil,
                errors["l_\(id.uuidString)"] == nil,
                errors["f_\(id.uuidString)"] == nil
            {
                errors["f_\(id.uuidString)"] =
                    "请上传“\(requirement.name)”（PDF、JPG 或 PNG）" + (requirement.licenceType != nil ? "，或填写电子证照标识" : "")
            }
        }
        guard let application, errors.isEmpty else {
            FileStore.discard(Array(files.values), settings: req.settings)
            return try await render(req, item: item, requirements: requirements, raw: raw, errors: errors, status: .badRequest)
        }
        let record: Case
        do {
            record = try await CaseService(req).submitOnline(application)
        } catch {
            FileStore.discard(Array(files.values), settings: req.settings)
            throw error
        }
        // Post/redirect/get: reloading the receipt does not submit the application again.
        return req.redirect(to: SiteRoute.applyReceipt.path(query: ["caseNumber": record.caseNumber]))
    }

    /// The receipt of an online application: its number, item and time, nothing personal.
    func receipt(req: Request) async throws -> View {
        struct Receipt: Encodable {
            let page: PageChrome; let caseNumber: String; let itemName: String; let submittedAt: String; let progressLink: String;
            let siteBase: String
        }
        let number: CaseNumber
        do { number = try CaseNumber(parsing: (try? req.query.get(String.self, at: "caseNumber")) ?? "") } catch {
            throw PlatformError.invalidField(error)
        }
        guard let record = try await Case.find(number, region: req.settings.region.value, on: req.db), record.channel == .online
        else { throw PlatformError.notFound(what: "该网上申报") }
        return try await req.view.render(
            "portal/receipt",
            Receipt(
                page: PageChrome(request: req, title: "申报成功"), caseNumber: record.caseNumber, itemName: record.itemName,
                submittedAt: LocalTime.format(record.submittedAt, in: req.settings.timeZone), progressLink: SiteRoute.progress.path(),
                siteBase: SiteAddress.base(req)))
    }

    struct ProgressContext: Encodable {
        struct Event: Encodable { let at: String; let what: String }
        let page: PageChrome
        let caseNumber: String
        let phone4: String
        let error: String?
        let found: Bool
        let itemName: String
        let applicant: String
        let state: String
        let badge: DeadlineBadge?
        let acceptedAt: String
        let department: String
        let events: [Event]
        let correction: String?
        let decision: String?
        let reason: String?
        /// 一事一评: a one-time rating link once the case is completed and not yet rated (好差评).
        var rateLink: String? = nil
    }

    /// The timeline in the applicant's words (no staff names, no internal step names).
    static let publicLabels: [String: String] = [
        "case.submit": "网上申报已提交，等待窗口预审", "case.accept": "已受理，开始计时", "case.take": "部门开始审查", "case.pause": "暂停计时（补正或特殊环节）",
        "case.resume": "继续办理，恢复计时", "case.pass_step": "转下一部门办理", "case.decide": "部门已作出决定", "case.complete": "已办结",
        "case.deliver": "结果已送达", "case.change_limit": "办理期限经批准调整", "case.reject": "不予受理", "case.receive_pending": "补交的材料已收取",
    ]

    /// `/progress?caseNumber=…&phone4=…`: a wrong pair says only that nothing matched. 5 wrong tries on one case
    /// number from one address in 15 minutes are refused (429), and 30 from all addresses together, so the 4 digits
    /// cannot be guessed, while a stranger's 5 wrong tries do not lock the applicant out.
    func progress(req: Request) async throws -> Response {
        let numberText = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "caseNumber"))
        let phone4 = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "phone4")) ?? ""
        let zone = req.settings.timeZone
        func page(
            _ error: String?, _ record: Case? = nil, applicant: Applicant? = nil, events: [ProgressContext.Event] = [],
            correction: String? = nil,
            badge: DeadlineBadge? = nil, rateLink: String? = nil, names: [String] = [], status: HTTPResponseStatus = .ok
        ) async throws -> Response {
            // Staff-typed text (the 补正 note, a reason) may name the applicant or the 代办人: masked like any public text.
            let masked = { (text: String) in Masking.redact(text, names: names, phone: record?.contactPhone) }
            var context = ProgressContext(
                page: PageChrome(request: req, title: "办件进度查询"), caseNumber: numberText.map { String($0.prefix(30)) } ?? "",
                phone4: String(phone4.prefix(4)),
                error: error, found: record != nil, itemName: record?.itemName ?? "", applicant: applicant?.maskedName ?? "",
                state: record?.state.label ?? "",
                badge: badge, acceptedAt: record?.acceptedAt.map { LocalTime.format($0, in: zone) } ?? "尚未受理",
                department: record?.currentDepartmentName ?? "", events: events, correction: correction.map(masked),
                decision: record?.decision?.label,
                reason: record.flatMap { $0.state == .rejected || $0.decision == .deny ? $0.reason : nil }.map(masked))
            context.rateLink = rateLink
            return try await req.view.render("portal/progress", context).encodeResponse(status: status, for: req)
        }
        guard let numberText else { return try await page(nil) }
        let number: CaseNumber
        do {
            number = try CaseNumber(parsing: numberText)
        } catch {
            return try await page(error.message, status: .badRequest)
        }
        if let problem = PublicLookups.phone4Problem(phone4) { return try await page(problem, status: .badRequest) }
        guard
            let record = try await req.application.publicLookups.find(
                "case:" + number.description, phone4: phone4, on: req,
                load: { try await Case.find(number, region: req.settings.region.value, on: req.db) }, phone: { $0.contactPhone })
        else { return try await page("没有找到与该办件编号和手机后 4 位相符的办件，请核对后再试") }
        let applicant = try await record.$applicant.get(on: req.db)
        let proxy = try await record.$proxy.get(on: req.db)
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "case").filter(\.$entityID == record.id!.uuidString)
            .sort(\.$occurredAt).all()
        let openCorrection = try await CasePause.query(on: req.db).filter(\.$case.$id == record.id!).filter(\.$endOn == nil)
            .filter(\.$reason == .correction).first()
        let calendar = try await req.workingCalendar()
        // Completed and not rated yet: the applicant (who knows the number and the phone) may rate it online.
        var rateLink: String?
        if record.state == .completed || record.state == .delivered {
            rateLink = try await req.application.hooks.require((any RatingInvitations).self)
                .pendingOnlineLink(.caseRecord, record.requireID(), context: try await ServiceContext(req))
                .map { SiteRoute.rate.path($0) }
        }
        // Staff names and notes are not shown publicly: the step and its time only.
        return try await page(
            nil, record, applicant: applicant,
            events: events.compactMap { event in
                Self.publicLabels[event.action].map { .init(at: LocalTime.format(event.occurredAt, in: zone), what: $0) }
            },
            correction: openCorrection?.note, badge: DeadlineBadge.of(record, now: req.now, calendar: calendar, zone: zone),
            rateLink: rateLink, names: [applicant.name, proxy?.name].compactMap { $0 })
    }
}
