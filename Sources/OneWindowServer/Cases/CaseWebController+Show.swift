import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseWebController {
    // MARK: Case page

    struct CaseContext: Encodable {
        struct Person: Encodable { let kind: String; let name: String; let number: String; let phone: String }
        struct Material: Encodable {
            let name: String; let provision: String; let isKey: Bool; let licenceID: String?; let fileLink: String?; let fileName: String?;
            let note: String?
        }
        struct Step: Encodable { let position: Int; let department: String; let state: String; let owner: String; let current: Bool }
        struct PauseRow: Encodable { let reason: String; let from: String; let until: String; let note: String }
        struct Event: Encodable { let at: String; let who: String; let what: String; let summary: String }
        struct Action: Encodable {
            let name: String; let label: String; let needsNote: Bool; let noteLabel: String; let extra: String; let style: String
        }
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
        _ = try await findCase(req, for: .view)
        return try await renderCase(req, unmasked: false)
    }

    /// The words shown after an action succeeded (`?done=`).
    static let doneNotices: [String: String] = [
        "accept": "已受理，开始计时。", "reject": "已不予受理。", "take": "已领取审查，本件由您办理。", "pause-correction": "已暂停计时，补正要求已短信告知申请人。",
        "pause-special": "已暂停计时（特殊环节）。", "resume": "已恢复计时，期限已重新计算。", "pass-step": "已转下一联办部门。", "approve": "已决定：准予。",
        "deny": "已决定：不予许可。", "complete": "已办结，已短信告知申请人。", "deliver": "已送达。", "change-limit": "承诺时限已变更，期限已重新计算。",
        "receive-pending": "容缺材料已补齐。", "instant": "已当场办结，已短信告知申请人。",
    ]

    /// Shows the full name, number and phone when the access policy allows it (403, audited, otherwise): written to
    /// the audit log first (个人信息保护法; RULES.md).
    func showPersonal(req: Request) async throws -> View {
        let record = try await findCase(req, for: .personal)
        try await Audit.record(
            on: req.db, region: record.regionCode, actor: req.actor, action: "personal_data.view", entityType: "case",
            entityID: record.id?.uuidString, summary: "查看办件 \(record.caseNumber) 申请人完整个人信息", at: req.now)
        return try await renderCase(req, unmasked: true)
    }

    func renderCase(_ req: Request, unmasked: Bool, actionError: String? = nil) async throws -> View {
        let record = try await findCase(req)
        let staff = try req.auth.require(Staff.self)
        let zone = req.settings.timeZone
        let calendar = try await req.workingCalendar()
        let applicants = try await Self.applicants(of: [record], on: req.db)
        func person(_ applicant: Applicant?) -> CaseContext.Person? {
            guard let applicant else { return nil }
            return .init(
                kind: applicant.kind.label, name: unmasked ? applicant.name : applicant.maskedName,
                number: unmasked ? applicant.idNumber : applicant.maskedNumber,
                phone: unmasked ? (applicant.phone ?? "—") : applicant.phone.map(Masking.phone) ?? "—")
        }
        let materials = try await SubmittedMaterial.query(on: req.db).filter(\.$case.$id == record.id!).with(\.$file).sort(\.$position)
            .all()
        let steps = try await CaseStep.query(on: req.db).filter(\.$case.$id == record.id!).sort(\.$position).all()
        let pauses = try await CasePause.query(on: req.db).filter(\.$case.$id == record.id!).sort(\.$startedAt).all()
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "case").filter(\.$entityID == record.id!.uuidString)
            .sort(\.$occurredAt).all()
        let actorIDs = Array(Set(events.compactMap(\.actorID)))
        let names =
            actorIDs.isEmpty
            ? [:]
            : Dictionary(
                uniqueKeysWithValues: try await Staff.query(on: req.db).filter(\.$id ~~ actorIDs).all().map { ($0.id!, $0.displayName) })
        func who(_ event: AuditEvent) -> String {
            if let id = event.actorID, let name = names[id] { return "\(name)（\(event.actorName)）" }
            return event.actorName == "anonymous" ? "申请人（网上）" : event.actorName
        }
        let actions = Self.availableActions(record, staff: staff, hasNextStep: steps.count > record.currentStep + 1)
        let contactPhone = unmasked ? record.contactPhone : Masking.phone(record.contactPhone)
        var applicant = person(applicants[record.$applicant.id])!
        applicant = .init(kind: applicant.kind, name: applicant.name, number: applicant.number, phone: contactPhone)
        return try await req.view.render(
            "cases/show",
            CaseContext(
                page: PageChrome(request: req, title: "办件 \(record.caseNumber)"), id: record.id!.uuidString, caseNumber: record.caseNumber,
                itemName: record.itemName, itemCode: record.itemCode, department: record.departmentName, caseType: record.caseType.label,
                channel: record.channel.label, state: record.state.label,
                badge: DeadlineBadge.of(record, now: req.now, calendar: calendar, zone: zone),
                promised: record.caseType == .instant ? "即办（当日办结）" : "\(record.promised) 个工作日",
                statutory: record.statutory.map { "\($0) 个工作日" } ?? "—",
                statutoryDue: record.statutoryDueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "—",
                acceptedAt: record.acceptedAt.map { LocalTime.format($0, in: zone) } ?? "—", acceptedBy: record.acceptedBy ?? "—",
                owner: record.ownerName ?? "—", decision: record.decision?.label, reason: record.reason,
                delivery: record.deliveryMethod.map { "\($0.label)（\(record.deliveredAt.map { LocalTime.format($0, in: zone) } ?? "")）" },
                pendingMaterials: record.pendingMaterials, applicant: applicant, proxy: person(record.$proxy.id.flatMap { applicants[$0] }),
                proxyStaff: record.proxyStaffName, unmasked: unmasked,
                materials: materials.map {
                    .init(
                        name: $0.name, provision: $0.provision.label, isKey: $0.isKey, licenceID: $0.licenceID,
                        fileLink: $0.file.map { SiteRoute.file.path($0.id!) },
                        fileName: $0.file?.originalName, note: $0.note)
                },
                steps: steps.map {
                    .init(
                        position: $0.position + 1, department: $0.departmentName, state: $0.state.label, owner: $0.ownerName ?? "—",
                        current: $0.position == record.currentStep && record.state.isRunning)
                },
                pauses: pauses.map { pause in
                    .init(
                        reason: pause.reason == .correction ? "补正" : "特殊环节", from: pause.startOn,
                        until: pause.endOn.map { end in end == pause.startOn ? "\(end)（当日恢复，不占工作日）" : end } ?? "（暂停中）", note: pause.note)
                },
                timeline: events.map {
                    .init(
                        at: LocalTime.formatDeadline($0.occurredAt, in: zone), who: who($0), what: Audit.labels[$0.action] ?? $0.action,
                        summary: $0.summary)
                },
                actions: actions,
                deliveryMethods: DeliveryMethod.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: false) },
                acceptanceLink: record.acceptedAt != nil ? SiteRoute.acceptanceNotice.path(record.id!) : nil,
                rejectionLink: record.state == .rejected ? SiteRoute.rejectionNotice.path(record.id!) : nil,
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
        if admin || staff.has(.supervisor), allowed(.changeLimit) {
            add("change-limit", "变更承诺时限", note: "变更理由（批准文件）", extra: "limit", style: "secondary")
        }
        return actions
    }

    /// `POST /cases/{id}/actions/{action}`: one transition; the case page again (or the error page with 409/403).
    func act(req: Request) async throws -> Response {
        let record = try await findCase(req, for: .view)
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
        return req.redirect(to: SiteRoute.caseRecord.path(record.id!, query: ["done": name]))
    }
}
