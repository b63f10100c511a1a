import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseService {
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

    func issueNotice(_ application: Application, shortfalls: [MaterialCheck.Shortfall]) async throws -> OneTimeNotice {
        let service = self
        return try await db.writeTransaction { tx in
            let applicant = try await service.upsert(application.applicant, on: tx)
            let day = service.today
            let sequence = try await DailyCounter.next("notice", region: service.region, day: day.description, on: tx)
            let notice = OneTimeNotice()
            notice.regionCode = service.region
            notice.noticeNumber =
                "\(CaseNumber(county: service.region, date: day, sequence: sequence).dayKey)-G\(String(format: "%04d", sequence))"
            notice.$item.id = try application.item.requireID()
            notice.$applicant.id = applicant.id
            notice.lines = shortfalls.map {
                .init(
                    name: $0.name, problem: $0.provision == .defective ? "不符合要求" : ($0.provision == .pending ? "容缺后补" : "未提交"),
                    note: $0.note)
            }
            notice.issuedAt = service.now
            notice.issuedBy = service.actor.name
            try await notice.create(on: tx)
            try await Audit.record(
                on: tx, region: service.region, actor: service.actor, action: "case.notice", entityType: "one_time_notice",
                entityID: notice.id?.uuidString,
                summary:
                    "一次性告知 \(notice.noticeNumber) \(application.item.name)：缺 \(shortfalls.count) 项（\(shortfalls.map(\.name).joined(separator: "、")))",
                at: service.now)
            return notice
        }
    }

    func register(
        _ application: Application, state: CaseState, channel: Case.Channel, pending: Bool, reason: String? = nil,
        completeNow: Bool = false,
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
            // The applicant and the 代办人 were just read: the SMS below names them without reading them again.
            record.$applicant.value = applicant
            record.$proxy.value = .some(proxy)

            let departments = [(item.$department.id, item.departmentName ?? "—")] + application.jointDepartments.map { ($0.id, $0.name) }
            // One INSERT per table for all the case's steps, uploaded files and materials.
            let steps = departments.enumerated().map { position, department in
                let step = CaseStep()
                step.regionCode = service.region
                step.$case.id = record.id!
                step.position = position
                step.$department.id = department.0
                step.departmentName = department.1
                step.state = .waiting
                return step
            }
            try await steps.create(on: tx)
            let inputs = application.requirements.map { application.materials[$0.id!] ?? MaterialInput(provision: .missing) }
            let files = inputs.compactMap(\.file)
            if !files.isEmpty { try await files.create(on: tx) }
            let materials = zip(application.requirements, inputs).enumerated().map { position, pair in
                let (requirement, input) = pair
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
                return material
            }
            if !materials.isEmpty { try await materials.create(on: tx) }
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
            try await Audit.record(
                on: tx, region: service.region, actor: service.actor, action: action, entityType: "case",
                entityID: record.id?.uuidString, summary: summary + (record.proxyStaffName.map { "；上门服务，\($0)代办" } ?? ""),
                at: service.now)
            if let visit = application.links.homeVisit {
                try await service.context.hooks.require((any CaseOrigins).self)
                    .filedAtHomeVisit(record, itemCode: item.itemCode, visit: visit, context: service.context.on(tx))
            }
            if completeNow {
                try await service.apply(.complete, to: record, details: .init(), on: tx)
            } else {
                let event: CaseService.Event =
                    switch state {
                    case .submitted: .submitted
                    case .rejected: .rejected
                    default: .accepted
                    }
                try await service.notifyApplicant(record, of: event, on: tx)
            }
            return record
        }
    }

    /// Starts the clock: accepted now, day 0 today, deadlines computed.
    func start(_ record: Case) throws {
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
            try record.statutory.map { limit throws(DeadlineError) in try calendar.deadline(from: start, limit: limit, pauses: pauses) }
                ?? nil
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
        let cipher = FieldCiphers.current
        let number = input.identity.number
        // A record written before encryption, not yet sealed by the start-up job: seal and hash it now, so the insert
        // below meets it on the hash.
        if let legacy = try await Applicant.scoped(on: tx, to: region).filter(\.$idNumberHash == nil)
            .filter(.path(["id_number"], schema: Applicant.schema), .equal, .bind(number)).first()
        {
            legacy.idNumber = number
            try await legacy.update(on: tx)
        }
        try await sql.insert(into: Applicant.schema)
            .columns("id", "region_code", "kind", "id_number", "id_number_hash", "name", "phone", "created_at", "updated_at")
            .values(
                SQLBind(UUID()), SQLBind(region), SQLBind(input.identity.kind.rawValue), SQLBind(cipher.seal(number)),
                SQLBind(cipher.hash(number)), SQLBind(cipher.seal(input.name)), SQLBind(input.phone.map(cipher.seal)), SQLBind(now),
                SQLBind(now)
            )
            .ignoringConflicts(with: ["region_code", "id_number_hash"])
            .run()
        guard let applicant = try await Applicant.scoped(on: tx, to: region).filter(\.$idNumberHash == cipher.hash(number)).first()
        else {
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
}
