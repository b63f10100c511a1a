import Fluent
import SQLKit
import Foundation
import OneWindowCore
import Vapor

/// The staff pages of the comprehensive window and the back office: the 综窗受理 workbench, case lists (queue,
/// pre-review, overdue), the case page with its actions and timeline, the printable notices, stored files.
struct CaseWebController {
    static let staffRoles: [Role] = [.clerk, .approver, .supervisor, .director, .admin]

    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(.clerk, .approver, .supervisor, .director, .helper, .admin))
        staff.get("cases", use: list)
        staff.get("cases", "new", use: workbench)
        staff.get("cases", "applicant", use: lookUpApplicant)
        staff.on(.POST, "cases", body: .collect(maxSize: ByteCount(value: FileStore.uploadLimit)), use: intake)
        staff.get("cases", ":id", use: show)
        staff.post("cases", ":id", "personal", use: showPersonal)
        staff.post("cases", ":id", "actions", ":action", use: act)
        staff.get("cases", ":id", "acceptance-notice", use: acceptanceNotice)
        staff.get("cases", ":id", "rejection-notice", use: rejectionNotice)
        staff.get("notices", ":id", use: oneTimeNotice)
        staff.get("files", ":id", use: file)
    }

    // MARK: Lists

    /// `/cases?view=all|queue|prereview|overdue&state=&q=&page=`: every list shows the deadline light in words.
    func list(req: Request) async throws -> View {
        struct Context: Encodable {
            let page: PageChrome; let rows: [CaseRow]; let total: Int; let pager: Pager; let view: String; let views: [SelectOption]
            let states: [SelectOption]; let q: String; let heading: String; let explanation: String
        }
        let staff = try req.auth.require(Staff.self)
        let view = (try? req.query.get(String.self, at: "view")).flatMap { ["all", "queue", "prereview", "overdue"].contains($0) ? $0 : nil }
            ?? (staff.has(.approver) && !staff.has(.clerk) ? "queue" : "all")
        let state = (try? req.query.get(String.self, at: "state")).flatMap(CaseState.init(rawValue:))
        let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "q")).map { String($0.prefix(60)) }
        let page = req.pageParameter
        let per = 50
        let now = req.now
        let query = Case.query(on: req.db).filter(\.$regionCode == req.settings.region.value)
        let heading: String
        let explanation: String
        switch view {
        case "queue":
            heading = "部门审批队列"
            explanation = staff.$department.id == nil ? "全部部门已受理、未办结的办件。" : "本部门（当前环节）已受理、未办结的办件，按承诺期限先后排列。"
            query.filter(\.$state ~~ [.accepted, .inReview, .paused, .decided])
            if let department = staff.$department.id { query.filter(\.$currentDepartmentID == department) }
        case "prereview":
            heading = "网上申报预审"
            explanation = "网上申报的办件在此预审：材料齐全即受理（开始计时），否则不予受理并说明理由。"
            query.filter(\.$state == .submitted)
        case "overdue":
            heading = "超期办件（督办）"
            explanation = "已超过承诺期限仍未办结的办件（暂停计时中的不计）。"
            query.filter(\.$state ~~ [.accepted, .inReview, .decided]).filter(\.$dueAt < now)
        default:
            heading = "办件查询"
            explanation = "全部办件，最新登记的在前。"
        }
        if let state { query.filter(\.$state == state) }
        if let text { query.group(.or) { $0.filter(\.$caseNumber ~~ text).filter(\.$itemName ~~ text) } }
        // A year holds hundreds of thousands of cases: counting them all on every page view would take the single SQLite
        // connection for a tenth of a second, so the list counts up to `countCap` and says "more than" beyond it.
        let counted = try await Self.cappedCount(req, view: view, staff: staff, state: state, text: text, now: now)
        let total = min(counted, Self.countCap)
        if view == "queue" || view == "overdue" {
            query.sort(\.$dueAt).sort(\.$caseNumber)
        } else {
            query.sort(\.$caseNumber, .descending)
        }
        let records = try await query.range(((page - 1) * per)..<(page * per)).all()
        let applicants = try await Self.applicants(of: records, on: req.db)
        let calendar = try await req.workingCalendar()
        let zone = req.settings.timeZone
        let rows = records.map { CaseRow($0, applicant: applicants[$0.$applicant.id], now: now, calendar: calendar, zone: zone) }
        func link(_ number: Int) -> String {
            var components = URLComponents()
            components.path = Paths.cases
            components.queryItems = [.init(name: "view", value: view), .init(name: "page", value: String(number))]
                + (state.map { [.init(name: "state", value: $0.rawValue)] } ?? []) + (text.map { [.init(name: "q", value: $0)] } ?? [])
            return components.string ?? Paths.cases
        }
        let views = [("all", "全部办件"), ("queue", "审批队列"), ("prereview", "网上预审"), ("overdue", "超期督办")]
        return try await req.view.render("cases/list", Context(
            page: PageChrome(request: req, title: heading), rows: rows, total: total, pager: Pager(page: page, per: per, total: total, link: link),
            view: view, views: views.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == view) },
            states: CaseState.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0 == state) }, q: text ?? "",
            heading: heading, explanation: counted > Self.countCap ? explanation + "超过 \(Self.countCap) 件，只列出最新的 \(Self.countCap) 件；请用编号、事项或状态缩小范围。" : explanation))
    }

    /// The most cases a list counts and pages through (200 pages of 50).
    static let countCap = 10_000

    /// The list's count, up to `countCap + 1`, with the list's filters: `SELECT count(*) FROM (SELECT 1 … LIMIT n)`, so
    /// the database stops at the cap instead of counting a year (Fluent has no count of a limited query).
    static func cappedCount(_ req: Request, view: String, staff: Staff, state: CaseState?, text: String?, now: Date) async throws -> Int {
        let sql = req.db as! any SQLDatabase
        let inner = sql.select().column(SQLLiteral.numeric("1")).from(Case.schema).where("region_code", .equal, SQLBind(req.settings.region.value))
        func states(_ list: [CaseState]) -> SQLGroupExpression { SQLGroupExpression(list.map { SQLBind($0.rawValue) }) }
        switch view {
        case "queue":
            inner.where("state", .in, states([.accepted, .inReview, .paused, .decided]))
            if let department = staff.$department.id { inner.where("current_department_id", .equal, SQLBind(department)) }
        case "prereview":
            inner.where("state", .equal, SQLBind(CaseState.submitted.rawValue))
        case "overdue":
            inner.where("state", .in, states([.accepted, .inReview, .decided])).where("due_at", .lessThan, SQLBind(now))
        default:
            break
        }
        if let state { inner.where("state", .equal, SQLBind(state.rawValue)) }
        if let text {
            let pattern = "%" + text + "%"
            inner.where { $0.where("case_number", .like, SQLBind(pattern)).orWhere("item_name", .like, SQLBind(pattern)) }
        }
        inner.limit(countCap + 1)
        let row = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from(SQLAlias(SQLGroupExpression(inner.query), as: SQLIdentifier("limited"))).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    static func applicants(of records: [Case], on db: any Database) async throws -> [UUID: Applicant] {
        let ids = Array(Set(records.map { $0.$applicant.id } + records.compactMap { $0.$proxy.id }))
        guard !ids.isEmpty else { return [:] }
        return Dictionary(uniqueKeysWithValues: try await Applicant.query(on: db).filter(\.$id ~~ ids).all().map { ($0.id!, $0) })
    }

    // MARK: Workbench

    struct WorkbenchContext: Encodable {
        struct ItemChoice: Encodable { let code: String; let name: String; let department: String; let caseType: String; let link: String }
        struct Requirement: Encodable {
            let id: String; let name: String; let form: String; let copies: Int; let required: Bool; let isKey: Bool; let licenceType: String?
            let note: String?; let provisions: [SelectOption]; let noteValue: String; let licenceValue: String; let error: String?
        }
        struct ItemSummary: Encodable {
            let code: String; let name: String; let department: String; let caseType: String; let isInstant: Bool; let promised: String
            let statutory: String; let allowsPending: Bool; let guideLink: String
        }
        let page: PageChrome
        let q: String
        let choices: [ItemChoice]
        let item: ItemSummary?
        let requirements: [Requirement]
        let kinds: [SelectOption]
        let departments: [SelectOption]
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
        /// A called ticket or a home visit the case will be linked to.
        var origin: CaseOrigin? = nil
    }

    /// `/cases/new?q=` finds items; `/cases/new?item=CODE` opens the intake form for one.
    func workbench(req: Request) async throws -> Response {
        let code = try? req.query.get(String.self, at: "item")
        let staff = try req.auth.require(Staff.self)
        let origin = try await CaseOrigin.resolve(ticket: try? req.query.get(String.self, at: "ticket"),
                                                  homeVisit: try? req.query.get(String.self, at: "homeVisit"), staff: staff,
                                                  region: req.settings.region.value, on: req.db)?.0
        guard staff.has(.clerk) || staff.has(.admin) || origin?.field == "homeVisit" else { throw PlatformError.forbidden }
        if let code, let (item, requirements) = try await CaseIntake.item(code: code, region: req.settings.region.value, on: req.db) {
            var raw = RawApplication()
            raw.idNumber = origin?.applicant["idNumber"]
            raw.name = origin?.applicant["name"]
            raw.phone = origin?.applicant["phone"]
            return try await renderForm(req, item: item, requirements: requirements, raw: raw, errors: [:], origin: origin)
        }
        let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "q")).map { String($0.prefix(60)) }
        var choices: [WorkbenchContext.ItemChoice] = []
        if let text {
            let filter = GuideFilter(text: text, per: 20)
            let found = try await CatalogQueries.search(filter, regions: CatalogQueries.visibleRegions(for: req.settings.region), on: req.db)
            choices = found.items.map { item in
                .init(code: item.itemCode, name: Self.displayName(item), department: item.departmentName ?? "—", caseType: item.caseType?.label ?? "—",
                      link: Paths.newCase + "?item=" + (item.itemCode.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                        + (origin?.query ?? ""))
            }
        }
        return try await req.view.render("cases/workbench", WorkbenchContext(
            page: PageChrome(request: req, title: "综窗受理"), q: text ?? "", choices: choices, item: nil, requirements: [], kinds: [],
            departments: [], values: [:], errors: [:], errorList: [], origin: origin)).encodeResponse(for: req)
    }

    /// `名称（办理项）` when the sub-item differs from the name.
    static func displayName(_ item: ServiceItem) -> String {
        guard let sub = item.subItem, sub != item.name else { return item.name }
        return "\(item.name)（\(sub)）"
    }

    private func renderForm(_ req: Request, item: ServiceItem, requirements: [MaterialRequirement], raw: RawApplication, errors: [String: String],
                            status: HTTPResponseStatus = .ok, origin: CaseOrigin? = nil) async throws -> Response {
        let departments = try await Department.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$active == true)
            .sort(\.$code).all()
        let chosenKind = raw.applicantKind ?? ApplicantIdentity.Kind.person.rawValue
        let rows = requirements.map { requirement -> WorkbenchContext.Requirement in
            let id = requirement.id!.uuidString
            let input = raw.materials[requirement.id!]
            let chosen = input?.provision ?? ""
            var options: [MaterialCheck.Provision] = [.original, .copy, .electronic]
            if requirement.licenceType != nil { options.append(.licence) }
            if item.allowsPendingMaterials, !requirement.isKey { options.append(.pending) }
            options += [.missing, .defective]
            return .init(
                id: id, name: requirement.name, form: requirement.form.label, copies: requirement.copies, required: requirement.required,
                isKey: requirement.isKey, licenceType: requirement.licenceType, note: requirement.note,
                provisions: options.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == chosen) },
                noteValue: input?.note ?? "", licenceValue: input?.licenceID ?? "",
                error: errors["m_\(id)"] ?? errors["f_\(id)"] ?? errors["n_\(id)"] ?? errors["l_\(id)"])
        }
        let values = ["idNumber": raw.idNumber, "name": raw.name, "phone": raw.phone, "proxyIdNumber": raw.proxyIdNumber, "proxyName": raw.proxyName,
                      "proxyPhone": raw.proxyPhone, "note": raw.note].compactMapValues { $0 }.filter { !$0.value.isEmpty }
        let context = WorkbenchContext(
            page: PageChrome(request: req, title: "综窗受理：\(item.name)"), q: "", choices: [],
            item: .init(code: item.itemCode, name: Self.displayName(item),
                        department: item.departmentName ?? "—", caseType: item.caseType?.label ?? "—", isInstant: item.caseType == .instant,
                        promised: item.caseType == .instant ? "即办（当场办结）" : (item.promised.map { "\($0) 个工作日" } ?? "—"), statutory: item.statutory.map { "\($0) 个工作日" } ?? "—",
                        allowsPending: item.allowsPendingMaterials, guideLink: Paths.item(item.itemCode)),
            requirements: rows,
            kinds: ApplicantIdentity.Kind.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == chosenKind) },
            departments: departments.filter { $0.id != item.$department.id }.map {
                SelectOption(value: $0.code, label: $0.name, selected: raw.jointDepartments.contains($0.code))
            },
            values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value), origin: origin)
        return try await req.view.render("cases/workbench", context).encodeResponse(status: status, for: req)
    }

    struct ApplicantLookup: Content {
        let found: Bool
        let name: String?
        let phone: String?
    }

    /// `GET /cases/applicant?applicantKind=person&idNumber=…`: the clerk looks up a known applicant to fill the form
    /// (full name and phone, so the view is audited). 400 naming `idNumber` for an invalid number.
    func lookUpApplicant(req: Request) async throws -> ApplicantLookup {
        let staff = try req.auth.require(Staff.self)
        guard staff.has(.clerk) || staff.has(.admin) else { throw PlatformError.forbidden }
        let kind = (try? req.query.get(String.self, at: "applicantKind")).flatMap(ApplicantIdentity.Kind.init(rawValue:)) ?? .person
        let identity: ApplicantIdentity
        do {
            identity = try ApplicantIdentity(kind: kind, number: (try? req.query.get(String.self, at: "idNumber")) ?? "", field: "idNumber")
        } catch {
            throw PlatformError.invalidField(error)
        }
        guard let applicant = try await Applicant.query(on: req.db).filter(\.$regionCode == req.settings.region.value)
            .filter(\.$idNumber == identity.number).first()
        else { return ApplicantLookup(found: false, name: nil, phone: nil) }
        try await Audit.record(on: req.db, region: applicant.regionCode, actor: req.actor, action: "personal_data.view", entityType: "applicant",
                               entityID: applicant.id?.uuidString, summary: "综窗调取申请人 \(applicant.maskedName)（\(applicant.maskedNumber)）", at: req.now)
        return ApplicantLookup(found: true, name: applicant.name, phone: applicant.phone)
    }

    /// Files of a multipart form, `f_<requirement id>`, written under generated names (discarded if the intake fails).
    /// A file of the wrong type is a field error on its material (the form comes back with everything else kept),
    /// not an error page.
    static func storeFiles(_ req: Request, requirements: [MaterialRequirement]) throws -> ([UUID: StoredFile], [String: String]) {
        var files: [UUID: StoredFile] = [:]
        var errors: [String: String] = [:]
        let fields = try req.formFields()
        do {
            for requirement in requirements {
                let key = "f_\(requirement.id!.uuidString)"
                guard let upload = fields.files[key], upload.data.readableBytes > 0 else { continue }
                do {
                    files[requirement.id!] = try FileStore.write(upload.data, originalName: upload.filename, field: key, region: req.settings.region.value,
                                                                 uploader: req.actor.name, settings: req.settings)
                } catch PlatformError.unsupportedMediaType(let why) {
                    errors[key] = "“\(requirement.name)”：\(why)，请重新选择文件"
                }
            }
        } catch {
            FileStore.discard(Array(files.values), settings: req.settings)
            throw error
        }
        if !errors.isEmpty {
            // Chosen files cannot be kept in a re-shown form: every one must be chosen again, so say so once.
            FileStore.discard(Array(files.values), settings: req.settings)
            files = [:]
            errors["files"] = "上传的文件需要重新选择（出于安全原因，浏览器不会保留已选择的文件）"
        }
        return (files, errors)
    }

    /// `POST /cases`: `intent=accept` (受理, or 一次性告知 when incomplete), `intent=complete` (即办件: 受理并当场办结),
    /// `intent=reject` (不予受理, `rejectReason` required).
    func intake(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let form = try req.formFields()
        let resolved = try await CaseOrigin.resolve(ticket: form["ticket"], homeVisit: form["homeVisit"], staff: staff,
                                                    region: req.settings.region.value, on: req.db)
        guard staff.has(.clerk) || staff.has(.admin) || resolved?.0.field == "homeVisit" else { throw PlatformError.forbidden }
        let code = form["itemCode"]
        guard let (item, requirements) = try await CaseIntake.item(code: code, region: req.settings.region.value, on: req.db) else {
            throw PlatformError.invalidField(.init(field: "itemCode", message: "请先选择一个已发布的事项"))
        }
        let intent = form["intent"] ?? "accept"
        guard ["accept", "complete", "reject"].contains(intent) else {
            throw PlatformError.invalidField(.init(field: "intent", message: "操作不正确"))
        }
        let (files, fileErrors) = try Self.storeFiles(req, requirements: requirements)
        do {
            let raw = RawApplication.fromForm(form, requirements: requirements, files: files)
            var (application, errors) = try await CaseIntake.validate(raw, item: item, requirements: requirements, on: req.db, region: req.settings.region.value)
            if let links = resolved?.1 { application?.links = links }
            errors.merge(fileErrors) { a, _ in a }
            var rejectReason: String?
            if intent == "reject" {
                var check = FormCheck()
                rejectReason = check.required(form["rejectReason"], field: "rejectReason", label: "不予受理理由", max: 500)
                errors.merge(check.errors) { a, _ in a }
            }
            if intent == "complete", item.caseType != .instant {
                errors["intent"] = "只有即办件可以当场办结"
            }
            guard let application, errors.isEmpty else {
                FileStore.discard(Array(files.values), settings: req.settings)
                return try await renderForm(req, item: item, requirements: requirements, raw: raw, errors: errors, status: .badRequest, origin: resolved?.0)
            }
            let service = try await CaseService(req)
            if intent == "reject", let rejectReason {
                let record = try await service.rejectAtWindow(application, reason: rejectReason)
                return req.redirect(to: Paths.rejectionNotice(record.id!))
            }
            switch try await service.intakeAtWindow(application, completeNow: intent == "complete") {
            case .notice(let notice):
                FileStore.discard(Array(files.values), settings: req.settings)
                return req.redirect(to: Paths.oneTimeNotice(notice.id!))
            case .accepted(let record):
                if intent == "complete" {
                    return req.redirect(to: Paths.case(record.id!) + "?done=instant")
                }
                return req.redirect(to: Paths.acceptanceNotice(record.id!))
            }
        } catch {
            // Nothing half-written: a failed intake rolled its transaction back, so its files leave the disk too.
            FileStore.discard(Array(files.values), settings: req.settings)
            throw error
        }
    }

    // MARK: Case page

    struct CaseContext: Encodable {
        struct Person: Encodable { let kind: String; let name: String; let number: String; let phone: String }
        struct Material: Encodable { let name: String; let provision: String; let isKey: Bool; let licenceID: String?; let fileLink: String?; let fileName: String?; let note: String? }
        struct Step: Encodable { let position: Int; let department: String; let state: String; let owner: String; let current: Bool }
        struct PauseRow: Encodable { let reason: String; let from: String; let until: String; let note: String }
        struct Event: Encodable { let at: String; let who: String; let what: String; let summary: String }
        struct Action: Encodable { let name: String; let label: String; let needsNote: Bool; let noteLabel: String; let extra: String; let style: String }
        let page: PageChrome
        let id: String
        let caseNumber: String
        let itemName: String
        let itemCode: String
        let department: String
        let caseType: String
        let channel: String
        let state: String
        let badge: DeadlineBadge
        let promised: String
        let statutory: String
        let statutoryDue: String
        let acceptedAt: String
        let acceptedBy: String
        let owner: String
        let decision: String?
        let reason: String?
        let delivery: String?
        let pendingMaterials: Bool
        let applicant: Person
        let proxy: Person?
        /// 帮办员 acting as 代办 at a home visit.
        let proxyStaff: String?
        let unmasked: Bool
        let materials: [Material]
        let steps: [Step]
        let pauses: [PauseRow]
        let timeline: [Event]
        let actions: [Action]
        let deliveryMethods: [SelectOption]
        let acceptanceLink: String?
        let rejectionLink: String?
        /// What the last action did (`?done=take` → 已领取审查), or why it was refused.
        let actionNotice: String?
        let actionError: String?
    }

    func show(req: Request) async throws -> View {
        try await renderCase(req, unmasked: false)
    }

    /// The words shown after an action succeeded (`?done=`).
    static let doneNotices: [String: String] = [
        "accept": "已受理，开始计时。", "reject": "已不予受理。", "take": "已领取审查，本件由您办理。", "pause-correction": "已暂停计时，补正要求已短信告知申请人。",
        "pause-special": "已暂停计时（特殊环节）。", "resume": "已恢复计时，期限已重新计算。", "pass-step": "已转下一联办部门。", "approve": "已决定：准予。",
        "deny": "已决定：不予许可。", "complete": "已办结，已短信告知申请人。", "deliver": "已送达。", "change-limit": "承诺时限已变更，期限已重新计算。",
        "receive-pending": "容缺材料已补齐。", "instant": "已当场办结，已短信告知申请人。",
    ]

    /// Shows the full name, number and phone: written to the audit log first (个人信息保护法; RULES.md).
    func showPersonal(req: Request) async throws -> View {
        let record = try await findCase(req)
        try await Audit.record(on: req.db, region: record.regionCode, actor: req.actor, action: "personal_data.view", entityType: "case",
                               entityID: record.id?.uuidString, summary: "查看办件 \(record.caseNumber) 申请人完整个人信息", at: req.now)
        return try await renderCase(req, unmasked: true)
    }

    private func renderCase(_ req: Request, unmasked: Bool, actionError: String? = nil) async throws -> View {
        let record = try await findCase(req)
        let staff = try req.auth.require(Staff.self)
        let zone = req.settings.timeZone
        let calendar = try await req.workingCalendar()
        let applicants = try await Self.applicants(of: [record], on: req.db)
        func person(_ applicant: Applicant?) -> CaseContext.Person? {
            guard let applicant else { return nil }
            return .init(kind: applicant.kind.label, name: unmasked ? applicant.name : applicant.maskedName,
                         number: unmasked ? applicant.idNumber : applicant.maskedNumber,
                         phone: unmasked ? (applicant.phone ?? "—") : applicant.phone.map(Masking.phone) ?? "—")
        }
        let materials = try await SubmittedMaterial.query(on: req.db).filter(\.$case.$id == record.id!).with(\.$file).sort(\.$position).all()
        let steps = try await CaseStep.query(on: req.db).filter(\.$case.$id == record.id!).sort(\.$position).all()
        let pauses = try await CasePause.query(on: req.db).filter(\.$case.$id == record.id!).sort(\.$startedAt).all()
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "case").filter(\.$entityID == record.id!.uuidString)
            .sort(\.$occurredAt).all()
        let actorIDs = Array(Set(events.compactMap(\.actorID)))
        let names = actorIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await Staff.query(on: req.db).filter(\.$id ~~ actorIDs).all().map { ($0.id!, $0.displayName) })
        func who(_ event: AuditEvent) -> String {
            if let id = event.actorID, let name = names[id] { return "\(name)（\(event.actorName)）" }
            return event.actorName == "anonymous" ? "申请人（网上）" : event.actorName
        }
        let actions = Self.availableActions(record, staff: staff, hasNextStep: steps.count > record.currentStep + 1)
        let contactPhone = unmasked ? record.contactPhone : Masking.phone(record.contactPhone)
        var applicant = person(applicants[record.$applicant.id])!
        applicant = .init(kind: applicant.kind, name: applicant.name, number: applicant.number, phone: contactPhone)
        return try await req.view.render("cases/show", CaseContext(
            page: PageChrome(request: req, title: "办件 \(record.caseNumber)"), id: record.id!.uuidString, caseNumber: record.caseNumber,
            itemName: record.itemName, itemCode: record.itemCode, department: record.departmentName, caseType: record.caseType.label,
            channel: record.channel.label, state: record.state.label,
            badge: DeadlineBadge.of(record, now: req.now, calendar: calendar, zone: zone),
            promised: record.caseType == .instant ? "即办（当日办结）" : "\(record.promised) 个工作日", statutory: record.statutory.map { "\($0) 个工作日" } ?? "—",
            statutoryDue: record.statutoryDueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "—",
            acceptedAt: record.acceptedAt.map { LocalTime.format($0, in: zone) } ?? "—", acceptedBy: record.acceptedBy ?? "—",
            owner: record.ownerName ?? "—", decision: record.decision?.label, reason: record.reason,
            delivery: record.deliveryMethod.map { "\($0.label)（\(record.deliveredAt.map { LocalTime.format($0, in: zone) } ?? "")）" },
            pendingMaterials: record.pendingMaterials, applicant: applicant, proxy: person(record.$proxy.id.flatMap { applicants[$0] }),
            proxyStaff: record.proxyStaffName, unmasked: unmasked,
            materials: materials.map {
                .init(name: $0.name, provision: $0.provision.label, isKey: $0.isKey, licenceID: $0.licenceID, fileLink: $0.file.map { Paths.file($0.id!) },
                      fileName: $0.file?.originalName, note: $0.note)
            },
            steps: steps.map {
                .init(position: $0.position + 1, department: $0.departmentName, state: $0.state.label, owner: $0.ownerName ?? "—",
                      current: $0.position == record.currentStep && record.state.isRunning)
            },
            pauses: pauses.map { pause in
                .init(reason: pause.reason == .correction ? "补正" : "特殊环节", from: pause.startOn,
                      until: pause.endOn.map { end in end == pause.startOn ? "\(end)（当日恢复，不占工作日）" : end } ?? "（暂停中）", note: pause.note)
            },
            timeline: events.map {
                .init(at: LocalTime.formatDeadline($0.occurredAt, in: zone), who: who($0), what: Audit.labels[$0.action] ?? $0.action, summary: $0.summary)
            },
            actions: actions, deliveryMethods: DeliveryMethod.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: false) },
            acceptanceLink: record.acceptedAt != nil ? Paths.acceptanceNotice(record.id!) : nil,
            rejectionLink: record.state == .rejected ? Paths.rejectionNotice(record.id!) : nil,
            actionNotice: (try? req.query.get(String.self, at: "done")).flatMap { Self.doneNotices[$0] }, actionError: actionError))
    }

    /// The actions the signed-in staff member can take now (the service checks again when they are taken).
    static func availableActions(_ record: Case, staff: Staff, hasNextStep: Bool) -> [CaseContext.Action] {
        let admin = staff.has(.admin)
        let clerk = admin || staff.has(.clerk)
        let approver = admin || staff.has(.approver)
        let holder = admin || (record.ownerID != nil && record.ownerID == staff.id)
        let instant = record.caseType == .instant
        func allowed(_ action: CaseAction) -> Bool { (try? record.state.after(action, instant: instant)) != nil }
        var actions: [CaseContext.Action] = []
        func add(_ name: String, _ label: String, note: String = "", extra: String = "", style: String = "") {
            actions.append(.init(name: name, label: label, needsNote: !note.isEmpty, noteLabel: note, extra: extra, style: style))
        }
        if clerk, allowed(.accept) { add("accept", "受理（开始计时）") }
        if clerk, allowed(.reject) { add("reject", "不予受理", note: "不予受理理由", style: "secondary") }
        if approver, allowed(.take), record.ownerID == nil { add("take", "领取审查") }
        if instant, clerk || approver, allowed(.complete), record.state != .decided { add("complete", "当场办结") }
        if holder, allowed(.pause(.correction)) {
            add("pause-correction", "补正（暂停计时）", note: "需补正的材料或内容（将告知申请人）", style: "secondary")
            add("pause-special", "特殊环节（暂停计时）", note: "特殊环节名称（听证、检验检测、专家评审等）", style: "secondary")
        }
        if holder, allowed(.resume) { add("resume", "补正完成 / 特殊环节结束，恢复计时") }
        if record.pendingMaterials, clerk || holder, allowed(.receivePending) { add("receive-pending", "容缺材料已补齐（收取后才能办结）") }
        if holder, allowed(.passStep), record.state == .inReview, hasNextStep {
            add("pass-step", "本部门办毕，转下一联办部门")
        }
        if holder, allowed(.decide(.approve)) {
            add("approve", "决定：准予")
            add("deny", "决定：不予许可", note: "不予许可的理由和依据", style: "secondary")
        }
        if holder || (instant && clerk), record.state == .decided { add("complete", "办结（出具结果）") }
        if clerk || approver, allowed(.deliver(.window)) { add("deliver", "送达", extra: "delivery") }
        if admin || staff.has(.supervisor), allowed(.changeLimit) { add("change-limit", "变更承诺时限", note: "变更理由（批准文件）", extra: "limit", style: "secondary") }
        return actions
    }

    /// `POST /cases/{id}/actions/{action}`: one transition; the case page again (or the error page with 409/403).
    func act(req: Request) async throws -> Response {
        let record = try await findCase(req)
        let name = req.parameters.get("action") ?? ""
        var check = FormCheck()
        let form = try req.formFields()
        let fields = CaseActionInput.Fields(
            note: form["note"], reason: form["reason"], decision: form["decision"], method: form["method"],
            limit: TextNormalization.normalizedOrNil(form["limit"]).flatMap(WorkingDays.init(parsing:)))
        guard let (action, details) = CaseActionInput.parse(name, fields, check: &check) else { throw PlatformError.notFound(what: "该操作") }
        // A refused action shows the case page again with the reason, not an error page with no way back.
        if let (_, message) = check.errors.first {
            return try await renderCase(req, unmasked: false, actionError: message).encodeResponse(status: .badRequest, for: req)
        }
        do {
            try await CaseService(req).perform(action, on: record.id!, details: details)
        } catch let error as any DomainError {
            return try await renderCase(req, unmasked: false, actionError: error.reason).encodeResponse(status: error.status, for: req)
        }
        return req.redirect(to: Paths.case(record.id!) + "?done=" + name)
    }

    // MARK: Notices

    struct NoticeContext: Encodable {
        let page: PageChrome
        let caseNumber: String
        let itemName: String
        let department: String
        let applicantName: String
        let applicantNumber: String
        let proxyName: String?
        let acceptedAt: String
        let promised: String
        let due: String
        let statutory: String
        let progressLink: String
        let pending: [String]
        let reason: String?
        let clerk: String
        let issuedOn: String
        let materials: [String]
        let siteBase: String
    }

    /// 受理通知书: case number, promised deadline, how to check progress. The name is printed for the applicant in
    /// front of the clerk; the ID number is masked; the view is audited.
    func acceptanceNotice(req: Request) async throws -> View {
        let record = try await findCase(req)
        guard record.acceptedAt != nil else { throw PlatformError.notFound(what: "该办件的受理通知书（尚未受理）") }
        return try await renderNotice(req, record, template: "cases/acceptance-notice", title: "受理通知书")
    }

    /// 不予受理通知书 with the reason.
    func rejectionNotice(req: Request) async throws -> View {
        let record = try await findCase(req)
        guard record.state == .rejected else { throw PlatformError.notFound(what: "该办件的不予受理通知书") }
        return try await renderNotice(req, record, template: "cases/rejection-notice", title: "不予受理通知书")
    }

    private func renderNotice(_ req: Request, _ record: Case, template: String, title: String) async throws -> View {
        let zone = req.settings.timeZone
        let applicants = try await Self.applicants(of: [record], on: req.db)
        let applicant = applicants[record.$applicant.id]
        let materials = try await SubmittedMaterial.query(on: req.db).filter(\.$case.$id == record.id!).sort(\.$position).all()
        try await Audit.record(on: req.db, region: record.regionCode, actor: req.actor, action: "personal_data.view", entityType: "case",
                               entityID: record.id?.uuidString, summary: "打印\(title) \(record.caseNumber)（含申请人姓名）", at: req.now)
        return try await req.view.render(template, NoticeContext(
            page: PageChrome(request: req, title: title), caseNumber: record.caseNumber, itemName: record.itemName, department: record.departmentName,
            applicantName: applicant?.name ?? "—", applicantNumber: applicant?.maskedNumber ?? "—",
            proxyName: record.$proxy.id.flatMap { applicants[$0]?.name },
            acceptedAt: LocalTime.format(record.acceptedAt ?? record.submittedAt, in: zone),
            promised: record.caseType == .instant ? "即办（当场办结）" : "\(record.promised) 个工作日",
            due: record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "—",
            statutory: record.statutory.map { "\($0) 个工作日" } ?? "—", progressLink: Paths.progress,
            pending: materials.filter { $0.provision == .pending }.map(\.name), reason: record.reason,
            clerk: record.acceptedBy ?? req.auth.get(Staff.self)?.displayName ?? "—", issuedOn: LocalDate(req.now, in: zone).chinese,
            materials: materials.filter { $0.provision.satisfies }.map { "\($0.name)（\($0.provision.label)）" }, siteBase: PortalController.siteBase(req)))
    }

    struct NoticeLine: Encodable { let position: Int; let name: String; let problem: String; let note: String }

    /// 一次性告知书: everything missing or wrong, with the item's guide.
    func oneTimeNotice(req: Request) async throws -> View {
        struct Context: Encodable {
            let page: PageChrome; let noticeNumber: String; let itemName: String; let itemCode: String; let department: String; let applicantName: String
            let lines: [NoticeLine]; let guideLink: String; let conditions: String?; let place: String?; let phones: String?; let hours: String?
            let clerk: String; let issuedOn: String; let siteBase: String; let workbenchLink: String
        }
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let notice = try await OneTimeNotice.find(id, on: req.db),
            notice.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "该一次性告知书") }
        let item = try await notice.$item.get(on: req.db)
        let applicant = try await notice.$applicant.get(on: req.db)
        // The notice is handed to the applicant at the window, addressed by name: an unmasked view, audited.
        try await Audit.record(on: req.db, region: notice.regionCode, actor: req.actor, action: "personal_data.view", entityType: "one_time_notice",
                               entityID: notice.id?.uuidString, summary: "打印一次性告知书 \(notice.noticeNumber)（含申请人姓名）", at: req.now)
        let issuer = try await Staff.query(on: req.db).filter(\.$username == notice.issuedBy).first()?.displayName ?? notice.issuedBy
        return try await req.view.render("cases/one-time-notice", Context(
            page: PageChrome(request: req, title: "一次性告知书"), noticeNumber: notice.noticeNumber, itemName: item.name, itemCode: item.itemCode,
            department: item.departmentName ?? "—", applicantName: applicant?.name ?? "—",
            lines: notice.lines.enumerated().map { NoticeLine(position: $0.offset + 1, name: $0.element.name, problem: $0.element.problem, note: $0.element.note) },
            guideLink: Paths.item(item.itemCode), conditions: item.conditions, place: item.place, phones: item.phones, hours: item.officeHours,
            clerk: issuer, issuedOn: LocalDate(notice.issuedAt, in: req.settings.timeZone).chinese, siteBase: PortalController.siteBase(req),
            workbenchLink: Paths.newCase + "?item=" + (item.itemCode.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")))
    }

    /// A stored material scan, for staff only, with its detected type (never HTML).
    func file(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let file = try await StoredFile.find(id, on: req.db),
            file.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "该文件") }
        return try await FileStore.response(for: file, request: req)
    }

    private func findCase(_ req: Request) async throws -> Case {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let record = try await Case.find(id, on: req.db),
            record.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "该办件") }
        return record
    }
}

extension LocalDate {
    /// `2025年9月26日`.
    var chinese: String { "\(year)年\(month)月\(day)日" }
}
