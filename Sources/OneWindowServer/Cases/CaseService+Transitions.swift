import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseService {
    // MARK: Transitions

    /// What an action needs besides its name.
    struct ActionDetails: Sendable {
        var note: String?
        var limit: WorkingDays?
    }

    /// Performs `action` on the case `id`: state checked, holder checked, deadlines recomputed, one audit event.
    ///
    /// - Throws: `CaseError.transition` (409) when the state does not allow it (pausing a paused case among them);
    ///   `CaseError.heldBy` (409) naming the holder when another staff member holds the case;
    ///   `PlatformError.forbidden` when the role does not allow it; `PlatformError.notFound`.
    @discardableResult
    func perform(_ action: CaseAction, on id: UUID, details: ActionDetails = .init()) async throws -> Case {
        let service = self
        return try await db.writeTransaction { tx in
            try await RowLock.lock(Case.schema, id: id, on: tx)
            guard let record = try await Case.find(id, in: service.region, on: tx) else {
                throw PlatformError.notFound(what: "该办件")
            }
            try await service.apply(action, to: record, details: details, on: tx)
            return record
        }
    }

    func apply(_ action: CaseAction, to record: Case, details: ActionDetails, on tx: any Database) async throws {
        let before = record.state
        try authorise(action, record)
        let next: CaseState
        do {
            next = try before.after(action, instant: record.caseType == .instant)
        } catch {
            throw CaseError.transition(error, holder: before == .accepted && action == .accept ? record.acceptedBy : record.ownerName)
        }
        let steps = try await CaseStep.query(on: tx).filter(\.$case.$id == record.id!).sort(\.$position).all()
        let step = steps.first { $0.position == record.currentStep }
        var pauseRecords = try await CasePause.query(on: tx).filter(\.$case.$id == record.id!).sort(\.$startOn).all()
        var summary = "\(action.label) \(record.caseNumber)"
        let name = staff?.displayName ?? actor.name

        switch action {
        case .accept:
            try start(record)
            summary += limitSummary(record)
        case .reject:
            record.reason = details.note
            summary += "：\(details.note ?? "")"
        case .take:
            record.ownerID = staff?.id
            record.ownerName = name
            step?.state = .inReview
            step?.ownerID = staff?.id
            step?.ownerName = name
            summary += "（\(step?.departmentName ?? record.departmentName)）"
        case .pause(let reason):
            let pause = CasePause()
            pause.regionCode = region
            pause.$case.id = record.id!
            pause.reason = reason
            pause.startOn = today.description
            pause.note = details.note ?? ""
            pause.startedAt = now
            try await pause.create(on: tx)
            pauseRecords.append(pause)
            summary += "，自 \(today) 起：\(pause.note)"
        case .resume:
            guard let open = pauseRecords.last(where: { $0.endOn == nil }) else {
                throw CaseError.transition(.init(action: action, state: before), holder: nil)
            }
            // Resumed the same day it paused: nothing was lost, the pause is empty.
            open.endOn = max(today, LocalDate(iso: open.startOn) ?? today).description
            open.endedAt = now
            try await open.update(on: tx)
            summary += "，暂停 \(open.startOn) 至 \(open.endOn!)（不含）"
        case .passStep:
            guard let step, record.currentStep + 1 < steps.count else {
                throw CaseError.transition(.init(action: action, state: before), holder: record.ownerName)
            }
            step.state = .done
            step.finishedAt = now
            record.currentStep += 1
            record.currentDepartmentID = steps[record.currentStep].$department.id
            record.currentDepartmentName = steps[record.currentStep].departmentName
            record.ownerID = nil
            record.ownerName = nil
            summary += "：\(step.departmentName) → \(steps[record.currentStep].departmentName)"
        case .decide(let decision):
            if record.currentStep + 1 < steps.count, decision == .approve {
                throw CaseError.stepsRemaining(steps[(record.currentStep + 1)...].map(\.departmentName))
            }
            record.decision = decision
            record.reason = decision == .deny ? details.note : nil
            step?.state = .done
            step?.finishedAt = now
            if decision == .deny { summary += "：\(details.note ?? "")" }
        case .complete:
            // 容缺受理: the result is issued only once the promised materials are in.
            if record.pendingMaterials { throw CaseError.pendingMaterials }
            if record.caseType == .instant, record.decision == nil {
                record.decision = .approve
                for each in steps where each.state != .done {
                    each.state = .done
                    each.finishedAt = now
                    each.ownerID = each.ownerID ?? staff?.id
                    each.ownerName = each.ownerName ?? name
                    try await each.update(on: tx)
                }
            }
            record.completedAt = now
            let onTime = record.dueAt.map { now <= $0 } ?? false
            summary += onTime ? "，按时办结" : "，超期办结"
        case .receivePending:
            guard record.pendingMaterials else { throw CaseError.transition(.init(action: action, state: before), holder: nil) }
            let pending = try await SubmittedMaterial.query(on: tx).filter(\.$case.$id == record.id!).filter(\.$provision == .pending).all()
            for material in pending {
                material.provision = .original
                material.note = ((material.note.map { $0 + "；" }) ?? "") + "容缺后补，\(today) 已收取"
                try await material.update(on: tx)
            }
            record.pendingMaterials = false
            summary += "：\(pending.map(\.name).joined(separator: "、"))"
        case .deliver(let method):
            record.deliveryMethod = method
            record.deliveredAt = now
        case .changeLimit:
            guard let limit = details.limit else { throw PlatformError.invalidField(.init(field: "limit", message: "请填写新的承诺时限")) }
            if let statutory = record.statutory, limit > statutory {
                throw PlatformError.invalidField(.init(field: "limit", message: "承诺时限不能超过法定时限 \(statutory) 个工作日"))
            }
            summary += "：承诺 \(record.promised) → \(limit) 个工作日（\(details.note ?? "")）"
            record.promisedHalfDays = limit.halfDays
        }
        record.state = next
        switch action {
        case .accept, .pause, .resume, .changeLimit: try schedule(record, pauses: pauseRecords.compactMap(\.pause))
        default: break
        }
        if case .changeLimit = action, let due = record.dueAt { summary += "，新期限 \(LocalTime.formatDeadline(due, in: zone))" }
        try await step?.update(on: tx)
        try await record.update(on: tx)
        try await Audit.record(
            on: tx, region: region, actor: actor, action: "case.\(action.name)", entityType: "case",
            entityID: record.id?.uuidString, summary: summary, at: now)
        switch action {
        case .accept: try await notifyApplicant(record, of: .accepted, on: tx)
        case .reject: try await notifyApplicant(record, of: .rejected, on: tx)
        case .pause(.correction): try await notifyApplicant(record, of: .correction, on: tx)
        case .complete: try await notifyApplicant(record, of: .completed, on: tx)
        default: break
        }
    }

    /// Who may do what: clerks accept, reject, complete 即办件 and deliver; approvers of the step's department take
    /// a case, and only its holder works on it; supervisors change limits. Admins may do everything.
    func authorise(_ action: CaseAction, _ record: Case) throws {
        guard let staff else { throw PlatformError.signInRequired }
        if staff.has(.admin) { return }
        func need(_ roles: Role...) throws { if !roles.contains(where: staff.has) { throw PlatformError.forbidden } }
        // An approver (not a clerk, who serves every department at the comprehensive window) acts only on cases of
        // their own department.
        func ownDepartment() throws {
            guard !staff.has(.clerk), let department = staff.$department.id else { return }
            if department != record.currentDepartmentID, department != record.$department.id { throw PlatformError.forbidden }
        }
        func holder() throws {
            try need(.approver)
            guard let owner = record.ownerID else { throw CaseError.notTaken }
            if owner != staff.id { throw CaseError.heldBy(record.ownerName ?? "他人") }
        }
        switch action {
        case .accept, .reject: try need(.clerk)
        case .take:
            try need(.approver)
            if let owner = record.ownerName, record.ownerID != nil { throw CaseError.heldBy(owner) }
            if let department = staff.$department.id, let caseDepartment = record.currentDepartmentID, department != caseDepartment {
                throw PlatformError.forbidden
            }
        case .pause, .resume, .passStep, .decide: try holder()
        case .complete:
            // A helper completes the 即办件 they filed at a home visit, on the spot.
            if record.caseType == .instant, record.ownerID == nil, record.homeVisitID != nil, staff.has(.helper) { return }
            if record.caseType == .instant, record.ownerID == nil { try need(.clerk, .approver); try ownDepartment() } else { try holder() }
        case .deliver: try need(.clerk, .approver); try ownDepartment()
        case .receivePending:
            if staff.has(.clerk) { return }
            try holder()
        case .changeLimit: try need(.supervisor)
        }
    }
}
