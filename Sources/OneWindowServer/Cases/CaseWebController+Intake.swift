import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseWebController {
    // MARK: Workbench

    struct WorkbenchContext: Encodable {
        struct ItemChoice: Encodable { let code: String; let name: String; let department: String; let caseType: String; let link: String }
        struct Requirement: Encodable {
            let id: String; let name: String; let form: String; let copies: Int; let required: Bool; let isKey: Bool;
            let licenceType: String?
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
        let origin = try await req.application.hooks.require((any CaseOrigins).self).resolve(
            ticket: try? req.query.get(String.self, at: "ticket"),
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
            let found = try await CatalogQueries.search(filter, regions: RegionScope.visible(for: req.settings.region), on: req.db)
            choices = found.items.map { item in
                .init(
                    code: item.itemCode, name: Self.displayName(item), department: item.departmentName ?? "—",
                    caseType: item.caseType?.label ?? "—",
                    link: SiteRoute.newCase.path(query: ["item": item.itemCode])
                        + (origin?.query ?? ""))
            }
        }
        return try await req.view.render(
            "cases/workbench",
            WorkbenchContext(
                page: PageChrome(request: req, title: "综窗受理"), q: text ?? "", choices: choices, item: nil, requirements: [], kinds: [],
                departments: [], values: [:], errors: [:], errorList: [], origin: origin)
        ).encodeResponse(for: req)
    }

    /// `名称（办理项）` when the sub-item differs from the name.
    static func displayName(_ item: ServiceItem) -> String {
        guard let sub = item.subItem, sub != item.name else { return item.name }
        return "\(item.name)（\(sub)）"
    }

    func renderForm(
        _ req: Request, item: ServiceItem, requirements: [MaterialRequirement], raw: RawApplication, errors: [String: String],
        status: HTTPResponseStatus = .ok, origin: CaseOrigin? = nil
    ) async throws -> Response {
        let departments = try await Department.scoped(on: req.db, to: req.settings.region.value).filter(
            \.$active == true
        )
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
        let values = [
            "idNumber": raw.idNumber, "name": raw.name, "phone": raw.phone, "proxyIdNumber": raw.proxyIdNumber, "proxyName": raw.proxyName,
            "proxyPhone": raw.proxyPhone, "note": raw.note,
        ].compactMapValues { $0 }.filter { !$0.value.isEmpty }
        let context = WorkbenchContext(
            page: PageChrome(request: req, title: "综窗受理：\(item.name)"), q: "", choices: [],
            item: .init(
                code: item.itemCode, name: Self.displayName(item),
                department: item.departmentName ?? "—", caseType: item.caseType?.label ?? "—", isInstant: item.caseType == .instant,
                promised: item.caseType == .instant ? "即办（当场办结）" : (item.promised.map { "\($0) 个工作日" } ?? "—"),
                statutory: item.statutory.map { "\($0) 个工作日" } ?? "—",
                allowsPending: item.allowsPendingMaterials, guideLink: SiteRoute.item.path(item.itemCode)),
            requirements: rows,
            kinds: ApplicantIdentity.Kind.allCases.map {
                SelectOption(value: $0.rawValue, label: $0.label, selected: $0.rawValue == chosenKind)
            },
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
        guard
            let applicant = try await Applicant.scoped(on: req.db, to: req.settings.region.value)
                .filterSealed("id_number", hash: "id_number_hash", equals: identity.number).first()
        else { return ApplicantLookup(found: false, name: nil, phone: nil) }
        // The applicant stands at the window with the number typed in: the window's need.
        try await AccessPolicy.require(
            .personal, on: RecordRelations(kind: .application, regionCode: applicant.regionCode, atWindow: true),
            entityID: applicant.id?.uuidString, req)
        try await Audit.record(
            on: req.db, region: applicant.regionCode, actor: req.actor, action: "personal_data.view", entityType: "applicant",
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
                    files[requirement.id!] = try FileStore.write(
                        upload.data, originalName: upload.filename, field: key, region: req.settings.region.value,
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
        let resolved = try await req.application.hooks.require((any CaseOrigins).self).resolve(
            ticket: form["ticket"], homeVisit: form["homeVisit"], staff: staff,
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
            var (application, errors) = try await CaseIntake.validate(
                raw, item: item, requirements: requirements, on: req.db, region: req.settings.region.value)
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
                return try await renderForm(
                    req, item: item, requirements: requirements, raw: raw, errors: errors, status: .badRequest, origin: resolved?.0)
            }
            let service = try await CaseService(req)
            if intent == "reject", let rejectReason {
                let record = try await service.rejectAtWindow(application, reason: rejectReason)
                return req.redirect(to: SiteRoute.rejectionNotice.path(record.id!))
            }
            switch try await service.intakeAtWindow(application, completeNow: intent == "complete") {
            case .notice(let notice):
                FileStore.discard(Array(files.values), settings: req.settings)
                return req.redirect(to: SiteRoute.oneTimeNotice.path(notice.id!))
            case .accepted(let record):
                if intent == "complete" {
                    return req.redirect(to: SiteRoute.caseRecord.path(record.id!, query: ["done": "instant"]))
                }
                return req.redirect(to: SiteRoute.acceptanceNotice.path(record.id!))
            }
        } catch {
            // Nothing half-written: a failed intake rolled its transaction back, so its files leave the disk too.
            FileStore.discard(Array(files.values), settings: req.settings)
            throw error
        }
    }
}
