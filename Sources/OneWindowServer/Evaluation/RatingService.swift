import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Records 好差评 ratings of any service record and opens a rectification for every 差评 (RULES.md, 好差评).
///
/// A rating is given only through a channel that reaches the applicant: the window pad at the time of the service,
/// a one-time link (SMS, the portal after completion), or the 12345 callback; no staff page rates for anyone. One
/// rating per record, item and rater: a second one is a 409 (checked first; the unique index settles a race).
struct RatingService: ContextService {
    let context: ServiceContext

    init(_ context: ServiceContext) {
        self.context = context
    }

    init(_ req: Request) async throws {
        self.init(try await ServiceContext(req))
    }

    /// What is known about the rated record.
    struct Subject: Sendable {
        let kind: RatingSubjectKind
        let id: UUID
        let label: String
        let departmentID: UUID?
        let departmentName: String?
        let windowNumber: String?
        let staffID: UUID?
        let staffName: String?
        let itemCode: String?
        let raterKey: String
        let realName: Bool
        /// The items this service is rated on (on site or online).
        let items: [RatingItem]
    }

    /// The record `id` of `kind`, if it exists in this region and is finished (a case completed, a ticket served, a
    /// work order replied).
    /// - Throws: `PlatformError.notFound`, or `EvaluationError.notRateable` while the service is not finished.
    func subject(_ kind: RatingSubjectKind, _ id: UUID, on db: any Database) async throws -> Subject {
        switch kind {
        case .caseRecord:
            guard let record = try await Case.find(id, in: region, on: db) else {
                throw PlatformError.notFound(what: "办件")
            }
            guard record.state == .completed || record.state == .delivered else { throw EvaluationError.notRateable("办件办结后才能评价") }
            let online = record.channel == .online
            return Subject(
                kind: kind, id: id, label: "\(record.caseNumber) \(record.itemName)", departmentID: record.$department.id,
                departmentName: record.departmentName, windowNumber: nil, staffID: nil, staffName: record.acceptedBy,
                itemCode: record.itemCode, raterKey: "applicant:\(record.$applicant.id.uuidString)", realName: true,
                items: online ? RatingItem.online : RatingItem.onSite)
        case .windowService:
            guard let ticket = try await Ticket.find(id, in: region, on: db) else {
                throw PlatformError.notFound(what: "服务")
            }
            guard ticket.state == .served else { throw EvaluationError.notRateable("窗口办结本次服务后才能评价") }
            let window = try await ticket.$window.get(on: db)
            let department = try await window?.$department.get(on: db)
            return Subject(
                kind: kind, id: id, label: "\(ticket.number) · \(ticket.windowNumber ?? "") 号窗口", departmentID: department?.id,
                departmentName: department?.name ?? "政务服务中心（综合窗口）", windowNumber: ticket.windowNumber, staffID: ticket.staffID,
                staffName: ticket.staffName,
                itemCode: nil, raterKey: "ticket:\(id.uuidString)", realName: ticket.name != nil || ticket.idNumber != nil,
                items: RatingItem.onSite)
        case .workOrder:
            guard let order = try await WorkOrder.find(id, in: region, on: db) else {
                throw PlatformError.notFound(what: "工单")
            }
            guard order.repliedAt != nil else { throw EvaluationError.notRateable("工单答复后才能评价") }
            let department = try await order.$leadDepartment.get(on: db)
            return Subject(
                kind: kind, id: id, label: "\(order.number) \(order.title)", departmentID: department?.id,
                departmentName: department?.name, windowNumber: nil, staffID: nil, staffName: nil, itemCode: nil,
                raterKey: "appellant:\(id.uuidString)", realName: order.appellantName != nil, items: [.overall])
        case .assistance:
            guard let help = try await Assistance.find(id, in: region, on: db) else {
                throw PlatformError.notFound(what: "帮办服务")
            }
            return Subject(
                kind: kind, id: id, label: "\(help.kind.label) · 帮办员 \(help.staffName)" + (help.itemName.map { " · \($0)" } ?? ""),
                departmentID: nil, departmentName: nil, windowNumber: nil, staffID: help.staffID, staffName: help.staffName,
                itemCode: help.itemCode, raterKey: "assistance:\(id.uuidString)", realName: false, items: RatingItem.onSite)
        }
    }

    /// Records the ratings `levels` (the overall one required) of `subject` given through `channel`, in one
    /// transaction, and opens a rectification when the overall level is a 差评.
    /// - Throws: `PlatformError.invalidField` for a missing overall level or an item outside the service's scheme;
    ///   `EvaluationError.alreadyRated` (409) when the rater has rated this record before.
    func record(_ subject: Subject, levels: [RatingItem: RatingLevel], channel: RatingChannel, comment: String?, isDefault: Bool = false)
        async throws -> [Rating]
    {
        try await db.writeTransaction { tx in
            try await self.record(subject, levels: levels, channel: channel, comment: comment, isDefault: isDefault, on: tx)
        }
    }

    /// The same inside the caller's transaction (the 12345 callback's).
    func record(
        _ subject: Subject, levels: [RatingItem: RatingLevel], channel: RatingChannel, comment: String?, isDefault: Bool = false,
        on tx: any Database
    ) async throws -> [Rating] {
        guard let overall = levels[.overall] else { throw PlatformError.invalidField(.init(field: "overall", message: "请评价整体满意度")) }
        if let other = levels.keys.first(where: { !subject.items.contains($0) }) {
            throw PlatformError.invalidField(.init(field: other.rawValue, message: "本次服务不评价“\(other.label)”"))
        }
        let comment = comment.map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500)) }.flatMap {
            $0.isEmpty ? nil : $0
        }
        let earlier = try await Rating.query(on: tx).filter(\.$subjectKind == subject.kind).filter(\.$subjectID == subject.id)
            .filter(\.$raterKey == subject.raterKey).all()
        if !earlier.isEmpty {
            // Only the 7-day default gives way: the applicant's own rating, given later through a valid link, replaces it.
            guard !isDefault, earlier.allSatisfy(\.isDefault) else { throw EvaluationError.alreadyRated }
            for rating in earlier { try await rating.delete(on: tx) }
        }
        var stored: [Rating] = []
        for item in subject.items where levels[item] != nil {
            let rating = Rating()
            rating.regionCode = region
            rating.subjectKind = subject.kind
            rating.subjectID = subject.id
            rating.subjectLabel = subject.label
            rating.departmentID = subject.departmentID
            rating.departmentName = subject.departmentName
            rating.windowNumber = subject.windowNumber
            rating.staffID = subject.staffID
            rating.staffName = subject.staffName
            rating.itemCode = subject.itemCode
            rating.item = item
            rating.level = levels[item]!
            rating.channel = channel
            rating.raterKey = subject.raterKey
            rating.realName = subject.realName
            rating.comment = item == .overall ? comment : nil
            rating.isDefault = isDefault
            rating.ratedAt = now
            try await rating.create(on: tx)
            stored.append(rating)
        }
        if overall.isBad, let rating = stored.first(where: { $0.item == .overall }) {
            let rectification = Rectification()
            rectification.regionCode = region
            rectification.$rating.id = try rating.requireID()
            rectification.state = .pendingVerification
            rectification.openedAt = now
            rectification.verifyDueAt = calendar.dueInstant(
                from: LocalDate(now, in: zone), RectificationProgress.verifyLimit, in: zone)
            rectification.extended = false
            rectification.updatedAt = now
            try await rectification.create(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: "rectification.open", entityType: "rectification",
                entityID: rectification.id?.uuidString, summary: "差评（\(overall.label)）：\(subject.label)，待核实", at: now)
        }
        try await Audit.record(
            on: tx, region: region, actor: actor, action: "rating.record", entityType: subject.kind.rawValue,
            entityID: subject.id.uuidString,
            summary: "\(channel.label)：\(subject.label) 整体\(overall.label)" + (isDefault ? "（默认）" : ""), at: now)
        return stored
    }

    /// Gives every case completed 7 natural days ago or earlier and still unrated its default 基本满意 (RULES.md,
    /// Decision), flagged as a default. Idempotent.
    /// - Returns: how many cases got a default.
    @discardableResult
    func applyDefaults() async throws -> Int {
        let today = LocalDate(now, in: zone)
        // Completed before 00:00 of today − 7: the last rateable day has passed.
        let cutoff = today.adding(days: -DefaultRating.days).instant(in: zone)
        let sql = db as! any SQLDatabase
        var count = 0
        // The unrated ones only, 500 at a time, found by the database (a year holds hundreds of thousands of cases).
        while true {
            let ids = try await sql.raw(
                """
                SELECT c.id FROM cases c
                WHERE c.region_code = \(bind: region) AND c.state IN ('completed', 'delivered') AND c.completed_at < \(bind: cutoff)
                  AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.subject_kind = 'case' AND r.subject_id = c.id)
                ORDER BY c.completed_at LIMIT 500
                """
            ).all().map { try $0.decode(column: "id", as: UUID.self) }
            for id in ids {
                let subject = try await self.subject(.caseRecord, id, on: db)
                do {
                    _ = try await self.record(
                        subject, levels: [.overall: DefaultRating.level], channel: .defaulted, comment: nil, isDefault: true)
                    count += 1
                } catch EvaluationError.alreadyRated {
                    continue  // rated meanwhile
                }
            }
            if ids.count < 500 { return count }
        }
    }

    /// A one-time rating link for `subject` (valid 30 days), stored in the caller's transaction.
    func invite(_ kind: RatingSubjectKind, _ id: UUID, channel: RatingChannel, on tx: any Database) async throws -> RatingInvitation {
        let invitation = RatingInvitation()
        invitation.regionCode = region
        invitation.token = RandomToken.readable()
        invitation.subjectKind = kind
        invitation.subjectID = id
        invitation.channel = channel
        invitation.createdAt = now
        invitation.expiresAt = now.addingTimeInterval(30 * 86_400)
        try await invitation.create(on: tx)
        return invitation
    }
}

/// Errors of the Evaluation module.
enum EvaluationError: DomainError, Equatable {
    /// The rater has rated this record already (409; the policy is one rating, no silent update).
    case alreadyRated
    /// The service is not finished yet (409).
    case notRateable(String)
    /// A step not allowed in the rectification's or complaint's state (409).
    case refused(String)

    var status: HTTPResponseStatus { .conflict }

    var code: String {
        switch self {
        case .alreadyRated: return "already_rated"
        case .notRateable: return "not_rateable"
        case .refused: return "invalid_transition"
        }
    }

    var reason: String {
        switch self {
        case .alreadyRated: return "您已评价过这次服务，谢谢！"
        case .notRateable(let why), .refused(let why): return why
        }
    }
}

/// Evaluation's answers to the modules that ask for ratings: rating links for cases (`RatingInvitations`) and the
/// 12345 callback as the work order's rating (`CallbackRatings`).
struct EvaluationHooks: RatingInvitations, CallbackRatings {
    func invite(_ kind: RatingSubjectKind, _ id: UUID, channel: RatingChannel, context: ServiceContext) async throws -> String {
        try await RatingService(context).invite(kind, id, channel: channel, on: context.db).token
    }

    func pendingOnlineLink(_ kind: RatingSubjectKind, _ id: UUID, context: ServiceContext) async throws -> String? {
        guard try await Rating.query(on: context.db).filter(\.$subjectKind == kind).filter(\.$subjectID == id).count() == 0 else {
            return nil
        }
        if let existing = try await RatingInvitation.query(on: context.db).filter(\.$subjectID == id).filter(\.$channel == .online)
            .filter(\.$usedAt == nil).first()
        {
            return existing.token
        }
        return try await invite(kind, id, channel: .online, context: context)
    }

    func recordCallback(workOrder id: UUID, satisfaction: Satisfaction, note: String, context: ServiceContext) async throws {
        guard try await Rating.query(on: context.db).filter(\.$subjectKind == .workOrder).filter(\.$subjectID == id).count() == 0 else {
            return
        }
        let rating = RatingService(context)
        let subject = try await rating.subject(.workOrder, id, on: context.db)
        _ = try await rating.record(
            subject, levels: [.overall: RatingLevel(satisfaction)], channel: .callback, comment: note, on: context.db)
    }
}
