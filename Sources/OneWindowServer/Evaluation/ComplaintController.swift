import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Complaints about a service (投诉, GB/T 36113): registered by a supervisor with the window and staff concerned,
/// owned by the one who registers it, moved through 受理 → 调查 → 处理 → 反馈 → 归档 with the feedback due 15 working
/// days after intake; `/board` is the public 好差评 board, with the centre's figures and no personal data.
struct ComplaintController {
    func register(_ web: any RoutesBuilder) {
        web.get(.board, use: board)
        let staff = web.grouped(RoleGuard(EvaluationAccess.complaints))
        staff.get(.complaints, use: list)
        staff.post(.complaints, use: create)
        staff.get(.complaint, use: show)
        staff.post(.complaintNext, use: advance)
    }

    struct Row: Encodable {
        let id: String
        let number: String
        let received: String
        let complainant: String
        let concerns: String
        let state: String
        let due: String?
        let overdue: Bool
        let owner: String
    }

    struct ListContext: Encodable {
        let page: PageChrome
        let rows: [Row]
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
    }

    static func row(_ complaint: Complaint, now: Date, zone: TimeZone) -> Row {
        let open = complaint.state != .archived && complaint.state != .feedback
        return Row(
            id: complaint.id?.uuidString ?? "", number: complaint.number, received: LocalTime.format(complaint.receivedAt, in: zone),
            complainant: Masking.name(complaint.complainantName),
            concerns: [complaint.windowNumber.map { "\($0) 号窗口" }, complaint.staffName].compactMap { $0 }.joined(separator: " · "),
            state: complaint.state.label,
            due: complaint.feedbackDueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? (open ? PendingDeadline.note : nil),
            overdue: open && (complaint.feedbackDueAt.map { now > $0 } ?? false), owner: complaint.ownerName)
    }

    func list(req: Request) async throws -> View {
        try await render(req, values: [:], errors: [:])
    }

    private func render(_ req: Request, values: [String: String], errors: [String: String]) async throws -> View {
        let complaints = try await Complaint.scoped(on: req.db, to: req.settings.region.value).sort(
            \.$receivedAt, .descending
        )
        .limit(200).all()
        return try await req.view.render(
            "evaluation/complaints",
            ListContext(
                page: PageChrome(request: req, title: "服务投诉"),
                rows: complaints.map { Self.row($0, now: req.now, zone: req.settings.timeZone) },
                values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value)))
    }

    func create(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let form = try req.formFields()
        var check = FormCheck()
        let name = check.required(form["complainantName"], field: "complainantName", label: "投诉人姓名", max: 30)
        let phone = check.check { () throws(FieldError) in try ContactPhone.normalise(form["phone"] ?? "", field: "phone") }
        let content = TextNormalization.trimmed(form["content"] ?? "")
        if !(5...2000).contains(TextNormalization.length(content)) { check.fail("content", "请写明投诉内容（5 至 2000 字）") }
        let window = check.optional(form["windowNumber"], field: "windowNumber", label: "窗口号", max: 3)
        let staffName = check.optional(form["staffName"], field: "staffName", label: "被投诉工作人员", max: 30)
        guard check.isValid, let phone else {
            let values = ["complainantName", "phone", "content", "windowNumber", "staffName"].reduce(into: [String: String]()) {
                $0[$1] = form[$1]
            }
            return try await render(req, values: values, errors: check.errors).encodeResponse(status: .badRequest, for: req)
        }
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let now = req.now
        let calendar = try await req.workingCalendar()
        let actor = req.actor
        let complaint = try await req.db.writeTransaction { tx in
            let day = LocalDate(now, in: zone)
            let sequence = try await DailyCounter.next("complaint", region: region, day: day.description, on: tx)
            let complaint = Complaint()
            complaint.regionCode = region
            complaint.number = String(format: "TS-%04d%02d%02d-%03d", day.year, day.month, day.day, sequence)
            complaint.complainantName = name
            complaint.phone = phone
            complaint.content = content
            complaint.windowNumber = window
            complaint.staffName = staffName
            complaint.ownerName = staff.displayName
            complaint.state = .received
            complaint.receivedAt = now
            complaint.feedbackDueAt = calendar.dueInstant(from: day, ComplaintState.feedbackLimit, in: zone)
            complaint.updatedAt = now
            try await complaint.create(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: "complaint.receive", entityType: "complaint",
                entityID: complaint.id?.uuidString, summary: "受理投诉 \(complaint.number)", at: now)
            return complaint
        }
        return req.redirect(to: SiteRoute.complaint.path(complaint.id!))
    }

    struct ShowContext: Encodable {
        struct Entry: Encodable { let at: String; let who: String; let summary: String }
        let page: PageChrome
        let row: Row
        let phone: String
        let content: String
        let investigation: String?
        let handling: String?
        let stepLabel: String?
        let timeline: [Entry]
        let error: String?
    }

    private func load(_ req: Request) async throws -> Complaint {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let complaint = try await Complaint.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "投诉") }
        return complaint
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, error: nil, status: .ok)
    }

    private func renderShow(_ req: Request, error: String?, status: HTTPResponseStatus) async throws -> Response {
        let complaint = try await load(req)
        let zone = req.settings.timeZone
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "complaint").filter(
            \.$entityID == complaint.id?.uuidString
        )
        .sort(\.$occurredAt).all()
        return try await req.view.render(
            "evaluation/complaint",
            ShowContext(
                page: PageChrome(request: req, title: "投诉 \(complaint.number)"), row: Self.row(complaint, now: req.now, zone: zone),
                phone: complaint.phone.contains("-") ? String(complaint.phone.prefix(5)) + "****" : Masking.phone(complaint.phone),
                content: complaint.content, investigation: complaint.investigation, handling: complaint.handling,
                stepLabel: complaint.state.stepLabel,
                timeline: events.map {
                    .init(at: LocalTime.formatDeadline($0.occurredAt, in: zone), who: $0.actorName, summary: $0.summary)
                },
                error: error)
        ).encodeResponse(status: status, for: req)
    }

    /// The owner's next step; investigating and handling need their text.
    func advance(req: Request) async throws -> Response {
        let complaint = try await load(req)
        let form = try req.formFields()
        let text = TextNormalization.trimmed(form["text"] ?? "")
        let staff = try req.auth.require(Staff.self)
        // Each step is the owner's (GB/T 36113: one accountable owner); an admin may step in.
        guard staff.displayName == complaint.ownerName || staff.has(.admin) else {
            return try await renderShow(req, error: "本投诉由 \(complaint.ownerName) 负责办理", status: .forbidden)
        }
        guard text.count <= 2000 else { return try await renderShow(req, error: "说明不能超过 2000 字", status: .badRequest) }
        let region = req.settings.region.value
        let actor = req.actor
        let now = req.now
        let id = try complaint.requireID()
        do {
            try await req.db.writeTransaction { tx in
                try await RowLock.lock(Complaint.schema, id: id, on: tx)
                guard let record = try await Complaint.find(id, on: tx), let next = record.state.next else {
                    throw EvaluationError.refused("投诉已归档")
                }
                if (record.state == .investigating || record.state == .handling), !(5...2000).contains(TextNormalization.length(text)) {
                    throw PlatformError.invalidField(
                        .init(field: "text", message: record.state == .investigating ? "请填写调查结果（5 至 2000 字）" : "请填写处理意见（5 至 2000 字）"))
                }
                if record.state == .investigating { record.investigation = text }
                if record.state == .handling { record.handling = text; record.feedbackAt = now }
                if next == .archived { record.archivedAt = now }
                record.state = next
                record.updatedAt = now
                try await record.save(on: tx)
                try await Audit.record(
                    on: tx, region: region, actor: actor, action: "complaint.\(next.rawValue)", entityType: "complaint",
                    entityID: id.uuidString, summary: "\(next.label)" + (text.isEmpty ? "" : "：\(text)"), at: now)
            }
        } catch let error as DomainError where error.status != .notFound {
            return try await renderShow(req, error: error.formMessage, status: error.status)
        }
        return req.redirect(to: SiteRoute.complaint.path(id))
    }

    // MARK: The public board

    struct BoardContext: Encodable {
        let page: PageChrome
        let year: Int
        let ratings: Int
        let satisfiedRate: String
        let bad: Int
        let badClosed: Int
        let complaints: Int
        let complaintsArchived: Int
        let months: [EvaluationWebController.Group]
    }

    /// The centre's figures of the current year, without any personal data: ratings, satisfaction, bad ratings and
    /// how many are put right, complaints and how many are closed.
    func board(req: Request) async throws -> View {
        let zone = req.settings.timeZone
        let today = LocalDate(req.now, in: zone)
        let region = req.settings.region.value
        // Counted by the database: a year holds some 450,000 ratings.
        let figures = RatingFigures(db: req.db, region: region, zone: zone, from: LocalDate(year: today.year, month: 1, day: 1)!, to: today)
        let totals = try await figures.totals()
        let complaints = try await Complaint.scoped(on: req.db, to: region).filter(\.$receivedAt >= figures.start).all()
        return try await req.view.render(
            "evaluation/board",
            BoardContext(
                page: PageChrome(request: req, title: "好差评公开看板"), year: today.year, ratings: totals.count,
                satisfiedRate: totals.count == 0 ? "—" : String(format: "%.2f%%", Double(totals.satisfied) / Double(totals.count) * 100),
                bad: totals.bad, badClosed: totals.badClosed, complaints: complaints.count,
                complaintsArchived: complaints.filter { $0.state == .archived }.count,
                months: try await figures.groups(by: .month)))
    }
}
