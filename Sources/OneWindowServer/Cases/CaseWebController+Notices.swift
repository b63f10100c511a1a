import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseWebController {
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
        let record = try await findCase(req, for: .personal)
        guard record.acceptedAt != nil else { throw PlatformError.notFound(what: "该办件的受理通知书（尚未受理）") }
        return try await renderNotice(req, record, template: "cases/acceptance-notice", title: "受理通知书")
    }

    /// 不予受理通知书 with the reason.
    func rejectionNotice(req: Request) async throws -> View {
        let record = try await findCase(req, for: .personal)
        guard record.state == .rejected else { throw PlatformError.notFound(what: "该办件的不予受理通知书") }
        return try await renderNotice(req, record, template: "cases/rejection-notice", title: "不予受理通知书")
    }

    func renderNotice(_ req: Request, _ record: Case, template: String, title: String) async throws -> View {
        let zone = req.settings.timeZone
        let applicants = try await Self.applicants(of: [record], on: req.db)
        let applicant = applicants[record.$applicant.id]
        let materials = try await SubmittedMaterial.query(on: req.db).filter(\.$case.$id == record.id!).sort(\.$position).all()
        try await Audit.record(
            on: req.db, region: record.regionCode, actor: req.actor, action: "personal_data.view", entityType: "case",
            entityID: record.id?.uuidString, summary: "打印\(title) \(record.caseNumber)（含申请人姓名）", at: req.now)
        return try await req.view.render(
            template,
            NoticeContext(
                page: PageChrome(request: req, title: title), caseNumber: record.caseNumber, itemName: record.itemName,
                department: record.departmentName,
                applicantName: applicant?.name ?? "—", applicantNumber: applicant?.maskedNumber ?? "—",
                proxyName: record.$proxy.id.flatMap { applicants[$0]?.name },
                acceptedAt: LocalTime.format(record.acceptedAt ?? record.submittedAt, in: zone),
                promised: record.caseType == .instant ? "即办（当场办结）" : "\(record.promised) 个工作日",
                due: record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "—",
                statutory: record.statutory.map { "\($0) 个工作日" } ?? "—", progressLink: SiteRoute.progress.path(),
                pending: materials.filter { $0.provision == .pending }.map(\.name), reason: record.reason,
                clerk: record.acceptedBy ?? req.auth.get(Staff.self)?.displayName ?? "—", issuedOn: LocalDate(req.now, in: zone).chinese,
                materials: materials.filter { $0.provision.satisfies }.map { "\($0.name)（\($0.provision.label)）" },
                siteBase: SiteAddress.base(req)))
    }

    struct NoticeLine: Encodable { let position: Int; let name: String; let problem: String; let note: String }

    /// 一次性告知书: everything missing or wrong, with the item's guide.
    func oneTimeNotice(req: Request) async throws -> View {
        struct Context: Encodable {
            let page: PageChrome; let noticeNumber: String; let itemName: String; let itemCode: String; let department: String;
            let applicantName: String
            let lines: [NoticeLine]; let guideLink: String; let conditions: String?; let place: String?; let phones: String?;
            let hours: String?
            let clerk: String; let issuedOn: String; let siteBase: String; let workbenchLink: String
        }
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let notice = try await OneTimeNotice.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "该一次性告知书") }
        let item = try await notice.$item.get(on: req.db)
        try await AccessPolicy.require(
            .personal, on: CaseAccess.relations(of: notice, item: item, on: req.db), entityID: notice.id?.uuidString, req)
        let applicant = try await notice.$applicant.get(on: req.db)
        // The notice is handed to the applicant at the window, addressed by name: an unmasked view, audited.
        try await Audit.record(
            on: req.db, region: notice.regionCode, actor: req.actor, action: "personal_data.view", entityType: "one_time_notice",
            entityID: notice.id?.uuidString, summary: "打印一次性告知书 \(notice.noticeNumber)（含申请人姓名）", at: req.now)
        let issuer = try await Staff.query(on: req.db).filter(\.$username == notice.issuedBy).first()?.displayName ?? notice.issuedBy
        return try await req.view.render(
            "cases/one-time-notice",
            Context(
                page: PageChrome(request: req, title: "一次性告知书"), noticeNumber: notice.noticeNumber, itemName: item.name,
                itemCode: item.itemCode,
                department: item.departmentName ?? "—", applicantName: applicant?.name ?? "—",
                lines: notice.lines.enumerated().map {
                    NoticeLine(position: $0.offset + 1, name: $0.element.name, problem: $0.element.problem, note: $0.element.note)
                },
                guideLink: SiteRoute.item.path(item.itemCode), conditions: item.conditions, place: item.place, phones: item.phones,
                hours: item.officeHours,
                clerk: issuer, issuedOn: LocalDate(notice.issuedAt, in: req.settings.timeZone).chinese,
                siteBase: SiteAddress.base(req),
                workbenchLink: SiteRoute.newCase.path(query: ["item": item.itemCode])
            ))
    }

    /// A stored material scan, for staff only, with its detected type (never HTML).
    func file(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let file = try await StoredFile.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "该文件") }
        try await CaseAccess.requireFile(file, req)
        return try await FileStore.response(for: file, request: req)
    }
}
