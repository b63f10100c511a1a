import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Who opens the 好差评 pages (routes and menus read these sets).
enum EvaluationAccess {
    /// Figures, bad ratings and rectification steps (the appeal decision is the supervisor's alone).
    static let staff: Set<Role> = [.supervisor, .director, .admin, .approver, .clerk]
    /// Complaints about a service: the supervisors who own them.
    static let complaints: Set<Role> = [.supervisor, .director, .admin]
}

/// The staff side of 好差评: `/ratings` (satisfaction by department, window, staff, item and month; every 差评 with
/// its rectification; 实名差评回访率), `/rectifications/{id}` with its steps, and `/complaints`.
struct EvaluationWebController {
    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(EvaluationAccess.staff))
        staff.get(.ratings, use: figures)
        staff.get(.rectification, use: rectification)
        staff.post(.rectificationStep, use: step)
    }

    // MARK: Figures

    struct Group: Encodable, Sendable {
        let label: String
        let count: Int
        let average: String
        let satisfied: String
        let bad: Int
        let width: Int
    }

    struct BadRow: Encodable {
        let id: String
        let rated: String
        let subject: String
        let level: String
        let channel: String
        let realName: Bool
        let state: String
        let due: String?
        let overdue: Bool
        let comment: String?
    }

    struct FiguresContext: Encodable {
        let page: PageChrome
        let from: String
        let to: String
        let total: Int
        let satisfiedRate: String
        let defaults: Int
        let badCount: Int
        let realNameBad: Int
        let realNameCalledBack: Int
        let realNameCallbackRate: String
        let byDepartment: [Group]
        let byWindow: [Group]
        let byStaff: [Group]
        let byItem: [Group]
        let byMonth: [Group]
        let bad: [BadRow]
        let notice: String?
    }

    func figures(req: Request) async throws -> View {
        let zone = req.settings.timeZone
        let today = LocalDate(req.now, in: zone)
        let fromText = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "from"))
        let toText = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "to"))
        var from = fromText.flatMap(LocalDate.init(iso:)) ?? LocalDate(year: today.year, month: 1, day: 1)!
        var to = toText.flatMap(LocalDate.init(iso:)) ?? today
        var notice: String?
        if (fromText != nil && LocalDate(iso: fromText!) == nil) || (toText != nil && LocalDate(iso: toText!) == nil) {
            notice = "日期应写作 2025-03-01，已显示本年至今"
            from = LocalDate(year: today.year, month: 1, day: 1)!
            to = today
        } else if from > to {
            notice = "开始日期晚于结束日期，已对调"
            swap(&from, &to)
        }
        // Counted by the database, group by group: a year holds some 450,000 ratings.
        let region = req.settings.region.value
        let figures = RatingFigures(db: req.db, region: region, zone: zone, from: from, to: to)
        let totals = try await figures.totals()
        let badRatings = try await Rating.scoped(on: req.db, to: region).filter(\.$item == .overall)
            .filter(\.$level ~~ [.dissatisfied, .veryDissatisfied]).filter(\.$ratedAt >= figures.start).filter(\.$ratedAt < figures.end)
            .all()
        let rectifications =
            badRatings.isEmpty ? [] : try await Rectification.query(on: req.db).filter(\.$rating.$id ~~ badRatings.compactMap(\.id)).all()
        let byRating = Dictionary(rectifications.map { ($0.$rating.id, $0) }, uniquingKeysWith: { a, _ in a })
        let realNameBad = badRatings.filter(\.realName)
        let calledBack = realNameBad.filter { byRating[$0.id!]?.calledBackAt != nil || byRating[$0.id!]?.state == .invalid }.count
        let percent = { (part: Int, whole: Int) in whole == 0 ? "—" : String(format: "%.1f%%", Double(part) / Double(whole) * 100) }
        return try await req.view.render(
            "evaluation/figures",
            FiguresContext(
                page: PageChrome(request: req, title: "好差评"), from: from.description, to: to.description,
                total: totals.count, satisfiedRate: percent(totals.satisfied, totals.count),
                defaults: totals.defaults, badCount: badRatings.count,
                realNameBad: realNameBad.count, realNameCalledBack: calledBack,
                realNameCallbackRate: percent(calledBack, realNameBad.count),
                byDepartment: try await figures.groups(by: .department), byWindow: try await figures.groups(by: .window),
                byStaff: try await figures.groups(by: .staff), byItem: try await figures.groups(by: .item),
                byMonth: try await figures.groups(by: .month),
                bad: badRatings.sorted { $0.ratedAt > $1.ratedAt }.map { rating in
                    let record = byRating[rating.id!]
                    let running = record.flatMap { RectificationService.running($0, now: req.now) }
                    return BadRow(
                        id: record?.id?.uuidString ?? "", rated: LocalTime.format(rating.ratedAt, in: zone), subject: rating.subjectLabel,
                        level: rating.level.label, channel: rating.channel.label, realName: rating.realName,
                        state: record?.state.label ?? "—",
                        due: record.flatMap { RectificationService.runningText($0, now: req.now, zone: zone) },
                        overdue: running?.overdue ?? false, comment: rating.comment.map(Masking.redact))
                }, notice: notice))
    }

    // MARK: Rectification

    struct RectificationContext: Encodable {
        struct Entry: Encodable { let at: String; let who: String; let summary: String }
        let page: PageChrome
        let id: String
        let state: String
        let stateValue: String
        let subject: String
        /// The rated record's staff page (a case, a work order), when it has one.
        let subjectLink: String?
        let level: String
        let channel: String
        let comment: String?
        let realName: Bool
        let rated: String
        let running: String?
        let overdue: Bool
        let finding: String?
        let appealReason: String?
        let appealDecision: String?
        let measures: String?
        let callbackNote: String?
        let extended: Bool
        let canDecideAppeal: Bool
        let timeline: [Entry]
        let error: String?
    }

    func rectification(req: Request) async throws -> Response {
        try await renderRectification(req, error: nil, status: .ok)
    }

    private func renderRectification(_ req: Request, error: String?, status: HTTPResponseStatus) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let record = try await Rectification.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "整改单") }
        let rating = try await record.$rating.get(on: req.db)
        let zone = req.settings.timeZone
        let staff = try req.auth.require(Staff.self)
        let running = RectificationService.running(record, now: req.now)
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "rectification").filter(\.$entityID == id.uuidString)
            .sort(\.$occurredAt).all()
        return try await req.view.render(
            "evaluation/rectification",
            RectificationContext(
                page: PageChrome(request: req, title: "差评整改"), id: id.uuidString, state: record.state.label,
                stateValue: record.state.rawValue,
                subject: rating.subjectLabel,
                subjectLink: rating.subjectKind == .caseRecord
                    ? SiteRoute.caseRecord.path(rating.subjectID)
                    : (rating.subjectKind == .workOrder ? SiteRoute.hotlineOrder.path(rating.subjectID) : nil),
                level: rating.level.label, channel: rating.channel.label, comment: rating.comment.map(Masking.redact),
                realName: rating.realName, rated: LocalTime.format(rating.ratedAt, in: zone),
                running: RectificationService.runningText(record, now: req.now, zone: zone).map {
                    $0 + (running?.overdue == true ? "（红灯 已超期）" : "")
                },
                overdue: running?.overdue ?? false, finding: record.finding, appealReason: record.appealReason,
                appealDecision: record.appealDecision,
                measures: record.measures, callbackNote: record.callbackNote, extended: record.extended,
                canDecideAppeal: staff.has(.supervisor) || staff.has(.admin),
                timeline: events.map {
                    .init(
                        at: LocalTime.formatDeadline($0.occurredAt, in: zone), who: $0.actorName == "anonymous" ? "评价人" : $0.actorName,
                        summary: Masking.redact($0.summary))
                },
                error: error)
        ).encodeResponse(status: status, for: req)
    }

    func step(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let action = req.parameters.get("action").flatMap(RectificationAction.init(rawValue:))
        else { throw PlatformError.notFound(what: "操作") }
        let form = try req.formFields()
        do {
            _ = try await RectificationService(req).apply(action, to: id, text: form["text"] ?? "", days: form["days"].flatMap { Int($0) })
        } catch let error as DomainError where error.status != .notFound && error.status != .forbidden {
            return try await renderRectification(req, error: error.formMessage, status: error.status)
        }
        return req.redirect(to: SiteRoute.rectification.path(id))
    }
}
