import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Every change to a case: registration at the window or online, and each transition afterwards.
///
/// Each operation is one write transaction holding the case's row lock, checks the state with Core's
/// `CaseState.after(_:instant:)`, recomputes the deadlines from the working-day calendar (RULES.md, Decision
/// (counting) and (pauses)) and appends exactly one audit event, which is also the case's timeline entry.
struct CaseService {
    let db: any Database
    let calendar: WorkingCalendar
    let zone: TimeZone
    let region: String
    let actor: Actor
    let staff: Staff?
    let now: Date
    /// The site's public address, for the rating link in the completion SMS (`ONEWINDOW_PUBLIC_URL`).
    var publicURL = "http://127.0.0.1:8080"

    init(db: any Database, calendar: WorkingCalendar, zone: TimeZone, region: String, actor: Actor, staff: Staff?, now: Date) {
        self.db = db
        self.calendar = calendar
        self.zone = zone
        self.region = region
        self.actor = actor
        self.staff = staff
        self.now = now
    }

    init(_ req: Request) async throws {
        self.init(db: req.db, calendar: try await req.workingCalendar(), zone: req.settings.timeZone, region: req.settings.region.value,
                  actor: req.actor, staff: req.auth.get(Staff.self), now: req.now)
        publicURL = req.settings.publicURL
    }

    var today: LocalDate { LocalDate(now, in: zone) }

    // MARK: Registration

    /// A validated application as the window or the portal takes it in.
    struct Application: Sendable {
        var item: ServiceItem
        var requirements: [MaterialRequirement]
        var applicant: ApplicantInput
        var proxy: ApplicantInput?
        var contactPhone: String
        var materials: [UUID: MaterialInput]
        /// Further departments of a 联办件, in order after the item's own.
        var jointDepartments: [Department]
        var note: String?
        /// Where the case came from at the front desk (ticket, home visit).
        var links = CaseLinks()
    }

    /// Front-desk links of a new case.
    struct CaseLinks: Sendable {
        var ticketID: UUID?
        /// A home visit: the case is 代办 by its helper (`proxyStaffName`) and an `Assistance` of kind `.proxy` is logged.
        var homeVisit: (id: UUID, helperID: UUID?, helperName: String, hallID: UUID?)?
    }

    struct ApplicantInput: Sendable {
        var identity: ApplicantIdentity
        var name: String
        var phone: String?
    }

    struct MaterialInput: Sendable {
        var provision: MaterialCheck.Provision
        var note: String?
        var licenceID: String?
        /// Written to disk already; saved with the case.
        var file: StoredFile?
        /// A file saved before (uploaded through the API), linked to the material.
        var existingFileID: UUID?
    }

    enum IntakeResult: Sendable {
        case notice(OneTimeNotice)
        case accepted(Case)
    }

    /// The materials check of an application (一次性告知 or accept, 容缺 allowed where the item allows it).
    static func check(_ application: Application) -> MaterialCheck {
        MaterialCheck(
            requirements: application.requirements.map {
                .init(id: $0.id!.uuidString, name: $0.name, required: $0.required, isKey: $0.isKey, licenceType: $0.licenceType)
            },
            provisions: Dictionary(uniqueKeysWithValues: application.materials.map { ($0.key.uuidString, $0.value.provision) }),
            notes: application.materials.reduce(into: [:]) { notes, entry in if let note = entry.value.note { notes[entry.key.uuidString] = note } },
            allowsPendingMaterials: application.item.allowsPendingMaterials)
    }

    /// 综窗受理: checks the materials; an incomplete application gets a 一次性告知书 (nothing is accepted), a complete
    /// one (or one the item may take with 容缺) is accepted with a new case number and its deadlines.
    ///
    /// - Parameter completeNow: a 即办件 is also completed, in the same transaction (accepted and done in one sitting,
    ///   two timeline entries); if completing fails, nothing is accepted either.
    func intakeAtWindow(_ application: Application, completeNow: Bool = false) async throws -> IntakeResult {
        let check = Self.check(application)
        if case .incomplete(let shortfalls) = check.outcome {
            return .notice(try await issueNotice(application, shortfalls: shortfalls))
        }
        let pending = if case .acceptWithPendingMaterials = check.outcome { true } else { false }
        let registered = try await register(application, state: .accepted, channel: .window, pending: pending, completeNow: completeNow)
        return .accepted(registered)
    }

    /// 网上申报: the case enters the pre-review queue (`submitted`); its clock starts when a clerk accepts it.
    func submitOnline(_ application: Application) async throws -> Case {
        // Typed by someone not yet seen by a clerk: it does not change the applicant's record.
        try await register(application, state: .submitted, channel: .online, pending: false, updatesApplicant: false)
    }

    /// 不予受理 at the window: the case is registered (numbered) and closed with the reason.
    func rejectAtWindow(_ application: Application, reason: String) async throws -> Case {
        try await register(application, state: .rejected, channel: .window, pending: false, reason: reason)
    }

    private func issueNotice(_ application: Application, shortfalls: [MaterialCheck.Shortfall]) async throws -> OneTimeNotice {
        let service = self
        return try await db.writeTransaction { tx in
            let applicant = try await service.upsert(application.applicant, on: tx)
            let day = service.today
            let sequence = try await DailyCounter.next("notice", region: service.region, day: day.description, on: tx)
            let notice = OneTimeNotice()
            notice.regionCode = service.region
            notice.noticeNumber = "\(CaseNumber(county: service.region, date: day, sequence: sequence).dayKey)-G\(String(format: "%04d", sequence))"
            notice.$item.id = try application.item.requireID()
            notice.$applicant.id = applicant.id
            notice.lines = shortfalls.map {
                .init(name: $0.name, problem: $0.provision == .defective ? "不符合要求" : ($0.provision == .pending ? "容缺后补" : "未提交"), note: $0.note)
            }
            notice.issuedAt = service.now
            notice.issuedBy = service.actor.name
            try await notice.create(on: tx)
            try await Audit.record(on: tx, region: service.region, actor: service.actor, action: "case.notice", entityType: "one_time_notice",
                                   entityID: notice.id?.uuidString,
                                   summary: "一次性告知 \(notice.noticeNumber) \(application.item.name)：缺 \(shortfalls.count) 项（\(shortfalls.map(\.name).joined(separator: "、")))",
                                   at: service.now)
            return notice
        }
    }

    private func register(
        _ application: Application, state: CaseState, channel: Case.Channel, pending: Bool, reason: String? = nil, completeNow: Bool = false,
        updatesApplicant: Bool = true
    ) async throws -> Case {
        let item = application.item
        guard item.status == .published, let caseType = item.caseType, let promised = item.promised else {
            throw CaseError.itemUnavailable("事项“\(item.name)”尚未发布或缺少办件类型、承诺时限，暂不能受理")
        }
        let service = self
        let statutory = item.statutory
        return try await db.writeTransaction { tx in
            let applicant = try await service.upsert(application.applicant, updating: updatesApplicant, on: tx)
            let proxy = try await application.proxy.asyncMap { try await service.upsert($0, updating: updatesApplicant, on: tx) }
            let day = service.today
            let sequence = try await DailyCounter.next("case", region: service.region, day: day.description, on: tx)
            let number = CaseNumber(county: service.region, date: day, sequence: sequence)
            let record = Case()
            record.id = UUID()
            record.regionCode = service.region
            record.caseNumber = number.description
            record.$item.id = try item.requireID()
            record.itemCode = item.itemCode
            record.itemName = CaseWebController.displayName(item)
            record.$department.id = item.$department.id
            record.departmentName = item.departmentName ?? "—"
            record.caseType = application.jointDepartments.isEmpty ? (caseType == .joint ? .promised : caseType) : .joint
            record.itemCategory = item.category
            record.channel = channel
            record.state = state
            record.$applicant.id = try applicant.requireID()
            record.$proxy.id = proxy?.id
            record.contactPhone = application.contactPhone
            record.submittedAt = service.now
            record.promisedHalfDays = caseType == .instant ? 0 : promised.halfDays
            record.statutoryHalfDays = statutory?.halfDays
            record.pendingMaterials = pending
            record.currentStep = 0
            record.currentDepartmentID = item.$department.id
            record.currentDepartmentName = record.departmentName
            record.reason = reason
            record.applicantNote = application.note
            record.ticketID = application.links.ticketID
            if let visit = application.links.homeVisit {
                record.channel = .homeVisit
                record.homeVisitID = visit.id
                record.proxyStaffName = visit.helperName
            }
            if state == .accepted { try service.start(record) }
            if state == .rejected { record.completedAt = nil }
            try await record.create(on: tx)

            let departments = [(item.$department.id, item.departmentName ?? "—")] + application.jointDepartments.map { ($0.id, $0.name) }
            for (position, department) in departments.enumerated() {
                let step = CaseStep()
                step.regionCode = service.region
                step.$case.id = record.id!
                step.position = position
                step.$department.id = department.0
                step.departmentName = department.1
                step.state = .waiting
                try await step.create(on: tx)
            }
            for (position, requirement) in application.requirements.enumerated() {
                let input = application.materials[requirement.id!] ?? MaterialInput(provision: .missing)
                if let file = input.file { try await file.create(on: tx) }
                let material = SubmittedMaterial()
                material.regionCode = service.region
                material.$case.id = record.id!
                material.requirementID = requirement.id
                material.position = position
                material.name = requirement.name
                material.provision = input.provision
                material.isKey = requirement.isKey
                material.licenceID = input.licenceID
                material.$file.id = input.file?.id ?? input.existingFileID
                material.note = input.note
                try await material.create(on: tx)
            }
            let action: String
            let summary: String
            switch state {
            case .submitted:
                action = "case.submit"
                summary = "网上申报 \(record.caseNumber) \(record.itemName)，进入预审"
            case .rejected:
                action = "case.reject"
                summary = "不予受理 \(record.caseNumber) \(record.itemName)：\(reason ?? "")"
            default:
                action = "case.accept"
                summary = "受理 \(record.caseNumber) \(record.itemName)" + service.limitSummary(record) + (pending ? "；容缺受理" : "")
            }
            try await Audit.record(on: tx, region: service.region, actor: service.actor, action: action, entityType: "case",
                                   entityID: record.id?.uuidString, summary: summary + (record.proxyStaffName.map { "；上门服务，\($0)代办" } ?? ""),
                                   at: service.now)
            if let visit = application.links.homeVisit {
                try await AssistanceLog.record(
                    kind: .proxy, staffID: visit.helperID, staffName: visit.helperName, hallID: visit.hallID, item: (item.itemCode, record.itemName),
                    note: "上门服务代办 \(record.caseNumber)", homeVisitID: visit.id, caseID: record.id, region: service.region, zone: service.zone,
                    at: service.now, on: tx)
            }
            if completeNow {
                try await service.apply(.complete, to: record, details: .init(), on: tx)
            } else {
                let template = switch state { case .submitted: "case.submitted"; case .rejected: "case.rejected"; default: "case.accepted" }
                try await service.notifyApplicant(record, template: template, on: tx)
            }
            return record
        }
    }

    /// Starts the clock: accepted now, day 0 today, deadlines computed.
    private func start(_ record: Case) throws {
        record.acceptedAt = now
        record.acceptedOn = today.description
        record.acceptedBy = staff?.displayName ?? actor.name
        try schedule(record, pauses: [])
    }

    /// Recomputes `dueAt` and `statutoryDueAt` from the acceptance date, the limits and the pauses.
    /// - Throws: `CaseError.calendar` when the count reaches a year with no calendar, or for inconsistent pauses.
    func schedule(_ record: Case, pauses: [Pause]) throws {
        guard let start = record.acceptedDate else { return }
        let promised = Result { () throws(DeadlineError) in try calendar.deadline(from: start, limit: record.promised, pauses: pauses) }
        // The statutory deadline is shown for reference: when it reaches a year whose holidays are not yet published,
        // it stays unknown (`nil`) and the case goes on; the promised deadline is the one the case runs against.
        let statutory = Result { () throws(DeadlineError) in
            try record.statutory.map { limit throws(DeadlineError) in try calendar.deadline(from: start, limit: limit, pauses: pauses) } ?? nil
        }
        switch promised {
        case .success(let due):
            record.dueAt = due?.instant(in: zone)
            record.statutoryDueAt = (try? statutory.get())??.instant(in: zone)
        case .failure(let error):
            throw CaseError.calendar(error.message)
        }
    }

    func limitSummary(_ record: Case) -> String {
        let due = record.dueAt.map { "，承诺期限 \(LocalTime.formatDeadline($0, in: zone))" } ?? ""
        return "；承诺 \(record.promised) 个工作日\(due)"
    }

    /// One record per identity: inserted if new (ignoring a concurrent insert of the same identity), then read.
    /// - Parameter updating: bring the name and phone up to date (at the window, where the clerk saw the person);
    ///   an online application does not change an existing record.
    func upsert(_ input: ApplicantInput, updating: Bool = true, on tx: any Database) async throws -> Applicant {
        let sql = tx as! any SQLDatabase
        try await sql.insert(into: Applicant.schema)
            .columns("id", "region_code", "kind", "id_number", "name", "phone", "created_at", "updated_at")
            .values(SQLBind(UUID()), SQLBind(region), SQLBind(input.identity.kind.rawValue), SQLBind(input.identity.number), SQLBind(input.name),
                    SQLBind(input.phone), SQLBind(now), SQLBind(now))
            .ignoringConflicts(with: ["region_code", "id_number"])
            .run()
        guard let applicant = try await Applicant.query(on: tx).filter(\.$regionCode == region).filter(\.$idNumber == input.identity.number).first() else {
            throw PlatformError.conflict("申请人记录保存失败，请重试")
        }
        if updating, applicant.name != input.name || (input.phone != nil && applicant.phone != input.phone) {
            applicant.name = input.name
            if let phone = input.phone { applicant.phone = phone }
            try await applicant.update(on: tx)
        }
        return applicant
    }

    /// Tells the applicant (SMS through the outbox, in the caller's transaction) what happened to the case.
    func notifyApplicant(_ record: Case, template: String, on tx: any Database) async throws {
        let due = record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? ""
        let body: String
        switch template {
        case "case.accepted":
            body = "您申请的“\(record.itemName)”已受理，办件编号 \(record.caseNumber)，承诺 \(due) 前办结。凭办件编号和手机后4位可查询进度。"
        case "case.submitted":
            body = "您网上申报的“\(record.itemName)”已提交，办件编号 \(record.caseNumber)，窗口预审后即受理。"
        case "case.correction":
            let note = try await CasePause.query(on: tx).filter(\.$case.$id == record.id!).filter(\.$endOn == nil).first()?.note ?? ""
            body = "您的办件 \(record.caseNumber)（\(record.itemName)）需要补正：\(note)。补正期间不计入办理时限，请到综合窗口或网上补交。"
        case "case.completed":
            // 一事一评: the SMS carries a one-time rating link (好差评, RULES.md).
            let invitation = try await RatingService(db: tx, calendar: calendar, zone: zone, region: record.regionCode, actor: actor, now: now)
                .invite(.caseRecord, record.requireID(), channel: .sms, on: tx)
            body = "您的办件 \(record.caseNumber)（\(record.itemName)）已办结，结果为“\(record.decision?.label ?? "准予")”。"
                + "请为本次服务评价：\(publicURL)/rate/\(invitation.token)"
        default:
            body = "您的办件 \(record.caseNumber)（\(record.itemName)）不予受理：\(record.reason ?? "")。如有疑问请致电 0715-3321234。"
        }
        try await Outbox.enqueue(on: tx, region: record.regionCode, to: record.contactPhone, template: template, body: body, entityType: "case",
                                 entityID: record.id?.uuidString, at: now)
    }

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
            guard let record = try await Case.find(id, on: tx), record.regionCode == service.region else {
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
            guard let open = pauseRecords.last(where: { $0.endOn == nil }) else { throw CaseError.transition(.init(action: action, state: before), holder: nil) }
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
        try await Audit.record(on: tx, region: region, actor: actor, action: "case.\(action.name)", entityType: "case",
                               entityID: record.id?.uuidString, summary: summary, at: now)
        switch action {
        case .accept: try await notifyApplicant(record, template: "case.accepted", on: tx)
        case .reject: try await notifyApplicant(record, template: "case.rejected", on: tx)
        case .pause(.correction): try await notifyApplicant(record, template: "case.correction", on: tx)
        case .complete: try await notifyApplicant(record, template: "case.completed", on: tx)
        default: break
        }
    }

    /// Who may do what: clerks accept, reject, complete 即办件 and deliver; approvers of the step's department take
    /// a case, and only its holder works on it; supervisors change limits. Admins may do everything.
    private func authorise(_ action: CaseAction, _ record: Case) throws {
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

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
