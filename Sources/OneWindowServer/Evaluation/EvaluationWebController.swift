import Fluent
import SQLKit
import Foundation
import OneWindowCore
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
        staff.get("ratings", use: figures)
        staff.get("rectifications", ":id", use: rectification)
        staff.post("rectifications", ":id", ":action", use: step)
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

    /// The figures of ratings given in [from, to] (local dates; the current year by default).
    static func groups(_ ratings: [Rating], by key: (Rating) -> String?) -> [Group] {
        var buckets: [String: [Rating]] = [:]
        for rating in ratings { if let label = key(rating) { buckets[label, default: []].append(rating) } }
        let top = max(buckets.values.map(\.count).max() ?? 1, 1)
        return buckets.map { label, list -> Group in
            let sum = list.reduce(0) { $0 + $1.level.rawValue }
            let satisfied = list.filter { $0.level.isSatisfied }.count
            return Group(label: label, count: list.count, average: String(format: "%.2f", Double(sum) / Double(list.count)),
                         satisfied: String(format: "%.1f%%", Double(satisfied) / Double(list.count) * 100),
                         bad: list.filter { $0.level.isBad }.count, width: max(2, list.count * 300 / top))
        }.sorted { $0.label < $1.label }
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
        let start = from.instant(in: zone), end = to.adding(days: 1).instant(in: zone)
        let sql = req.db as! any SQLDatabase
        let totals = try await sql.raw("""
            SELECT count(*) AS n, sum(CASE WHEN level >= 3 THEN 1 ELSE 0 END) AS satisfied,
              sum(CASE WHEN is_default THEN 1 ELSE 0 END) AS defaults
            FROM ratings WHERE region_code = \(bind: region) AND item = 'overall' AND rated_at >= \(bind: start) AND rated_at < \(bind: end)
            """).first()
        let total = try totals?.decode(column: "n", as: Int.self) ?? 0
        let satisfied = try totals?.decode(column: "satisfied", as: Int?.self) ?? 0
        let defaults = try totals?.decode(column: "defaults", as: Int?.self) ?? 0
        let badRatings = try await Rating.query(on: req.db).filter(\.$regionCode == region).filter(\.$item == .overall)
            .filter(\.$level ~~ [.dissatisfied, .veryDissatisfied]).filter(\.$ratedAt >= start).filter(\.$ratedAt < end).all()
        let rectifications = badRatings.isEmpty ? [] : try await Rectification.query(on: req.db).filter(\.$rating.$id ~~ badRatings.compactMap(\.id)).all()
        let byRating = Dictionary(rectifications.map { ($0.$rating.id, $0) }, uniquingKeysWith: { a, _ in a })
        let realNameBad = badRatings.filter(\.realName)
        let calledBack = realNameBad.filter { byRating[$0.id!]?.calledBackAt != nil || byRating[$0.id!]?.state == .invalid }.count
        let percent = { (part: Int, whole: Int) in whole == 0 ? "—" : String(format: "%.1f%%", Double(part) / Double(whole) * 100) }
        var months: [LocalDate] = []
        var month = LocalDate(year: from.year, month: from.month, day: 1)!
        while month <= to, months.count < 240 {
            months.append(month)
            month = month.month == 12 ? LocalDate(year: month.year + 1, month: 1, day: 1)! : LocalDate(year: month.year, month: month.month + 1, day: 1)!
        }
        var monthExpression: SQLQueryString = "CASE"
        for (index, first) in months.enumerated().dropFirst() {
            monthExpression = monthExpression + " WHEN rated_at < \(bind: first.instant(in: zone)) THEN \(unsafeRaw: String(index - 1))"
        }
        monthExpression = months.count <= 1 ? "0" : monthExpression + " ELSE \(unsafeRaw: String(months.count - 1)) END"
        func grouped(_ key: SQLQueryString, overallOnly: Bool = true, label: (String) -> String?) async throws -> [Group] {
            let rows = try await sql.raw("""
                SELECT \(key) AS k, count(*) AS n, CAST(sum(level) AS BIGINT) AS s, sum(CASE WHEN level >= 3 THEN 1 ELSE 0 END) AS satisfied,
                  sum(CASE WHEN level <= 2 THEN 1 ELSE 0 END) AS bad
                FROM ratings WHERE region_code = \(bind: region) AND rated_at >= \(bind: start) AND rated_at < \(bind: end)
                \(unsafeRaw: overallOnly ? "AND item = 'overall'" : "")
                GROUP BY 1
                """).all()
            let counted: [(String, Int, Int, Int, Int)] = try rows.compactMap { row in
                // The key is text (a name, a window) or, for months, an integer; NULL keys are left out.
                let decoded: String?? = try? row.decode(column: "k", as: String?.self)
                let raw: String?
                if let decoded {
                    raw = decoded
                } else if let number = try? row.decode(column: "k", as: Int.self) {
                    raw = String(number)
                } else {
                    raw = nil
                }
                guard let raw, let text = label(raw) else { return nil }
                return (text, try row.decode(column: "n", as: Int.self), try row.decode(column: "s", as: Int?.self) ?? 0,
                        try row.decode(column: "satisfied", as: Int?.self) ?? 0, try row.decode(column: "bad", as: Int?.self) ?? 0)
            }
            let top = max(counted.map(\.1).max() ?? 1, 1)
            return counted.map { label, count, sum, satisfied, bad in
                Group(label: label, count: count, average: String(format: "%.2f", Double(sum) / Double(count)),
                      satisfied: String(format: "%.1f%%", Double(satisfied) / Double(count) * 100), bad: bad, width: max(2, count * 300 / top))
            }.sorted { $0.label < $1.label }
        }
        return try await req.view.render("evaluation/figures", FiguresContext(
            page: PageChrome(request: req, title: "好差评"), from: from.description, to: to.description,
            total: total, satisfiedRate: percent(satisfied, total),
            defaults: defaults, badCount: badRatings.count,
            realNameBad: realNameBad.count, realNameCalledBack: calledBack, realNameCallbackRate: percent(calledBack, realNameBad.count),
            byDepartment: try await grouped("department_name") { $0 },
            byWindow: try await grouped("window_number") { "\($0) 号窗口" },
            byStaff: try await grouped("staff_name") { $0 },
            byItem: try await grouped("item", overallOnly: false) { RatingItem(rawValue: $0)?.label },
            byMonth: try await grouped(monthExpression) { Int($0).flatMap { months.indices.contains($0) ? String(months[$0].description.prefix(7)) : nil } },
            bad: badRatings.sorted { $0.ratedAt > $1.ratedAt }.map { rating in
                let record = byRating[rating.id!]
                let running = record.flatMap { RectificationService.running($0, now: req.now) }
                return BadRow(id: record?.id?.uuidString ?? "", rated: LocalTime.format(rating.ratedAt, in: zone), subject: rating.subjectLabel,
                              level: rating.level.label, channel: rating.channel.label, realName: rating.realName,
                              state: record?.state.label ?? "—", due: running.map { "\($0.step)期限 \(LocalTime.formatDeadline($0.due, in: zone))" },
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
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let record = try await Rectification.find(id, on: req.db),
              record.regionCode == req.settings.region.value else { throw PlatformError.notFound(what: "整改单") }
        let rating = try await record.$rating.get(on: req.db)
        let zone = req.settings.timeZone
        let staff = try req.auth.require(Staff.self)
        let running = RectificationService.running(record, now: req.now)
        let events = try await AuditEvent.query(on: req.db).filter(\.$entityType == "rectification").filter(\.$entityID == id.uuidString)
            .sort(\.$occurredAt).all()
        return try await req.view.render("evaluation/rectification", RectificationContext(
            page: PageChrome(request: req, title: "差评整改"), id: id.uuidString, state: record.state.label, stateValue: record.state.rawValue,
            subject: rating.subjectLabel,
            subjectLink: rating.subjectKind == .caseRecord ? "/cases/\(rating.subjectID.uuidString)"
                : (rating.subjectKind == .workOrder ? "/hotline/orders/\(rating.subjectID.uuidString)" : nil),
            level: rating.level.label, channel: rating.channel.label, comment: rating.comment.map(Masking.redact),
            realName: rating.realName, rated: LocalTime.format(rating.ratedAt, in: zone),
            running: running.map { "\($0.step)期限 \(LocalTime.formatDeadline($0.due, in: zone))" + ($0.overdue ? "（红灯 已超期）" : "") },
            overdue: running?.overdue ?? false, finding: record.finding, appealReason: record.appealReason, appealDecision: record.appealDecision,
            measures: record.measures, callbackNote: record.callbackNote, extended: record.extended,
            canDecideAppeal: staff.has(.supervisor) || staff.has(.admin),
            timeline: events.map { .init(at: LocalTime.formatDeadline($0.occurredAt, in: zone), who: $0.actorName == "anonymous" ? "评价人" : $0.actorName,
                                         summary: Masking.redact($0.summary)) },
            error: error)).encodeResponse(status: status, for: req)
    }

    func step(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
              let action = req.parameters.get("action").flatMap(RectificationAction.init(rawValue:)) else { throw PlatformError.notFound(what: "操作") }
        let form = try req.formFields()
        do {
            _ = try await RectificationService(req).apply(action, to: id, text: form["text"] ?? "", days: form["days"].flatMap { Int($0) })
        } catch let error as DomainError where error.status != .notFound && error.status != .forbidden {
            return try await renderRectification(req, error: error.formMessage, status: error.status)
        }
        return req.redirect(to: "/rectifications/\(id.uuidString)")
    }
}
