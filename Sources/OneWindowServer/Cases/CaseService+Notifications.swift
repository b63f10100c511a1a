import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The SMS an applicant gets at each event of a case (RULES.md: accepted, 补正 with what to add, completed with
/// the 一事一评 link, refused), one typed template per event.
enum CaseMessage: Sendable, Equatable {
    case submitted(item: String, number: String)
    /// `due`: the promised deadline as `2025-03-17 23:59:59`.
    case accepted(item: String, number: String, due: String)
    case correction(item: String, number: String, whatToAdd: String)
    /// `rateLink`: the one-time rating address.
    case completed(item: String, number: String, decision: String, rateLink: String)
    case rejected(item: String, number: String, reason: String)

    /// The outbox template name (`case.accepted` …).
    var template: String {
        switch self {
        case .submitted: "case.submitted"
        case .accepted: "case.accepted"
        case .correction: "case.correction"
        case .completed: "case.completed"
        case .rejected: "case.rejected"
        }
    }

    var body: String {
        switch self {
        case .submitted(let item, let number): "您网上申报的“\(item)”已提交，办件编号 \(number)，窗口预审后即受理。"
        case .accepted(let item, let number, let due): "您申请的“\(item)”已受理，办件编号 \(number)，承诺 \(due) 前办结。凭办件编号和手机后4位可查询进度。"
        case .correction(let item, let number, let what): "您的办件 \(number)（\(item)）需要补正：\(what)。补正期间不计入办理时限，请到综合窗口或网上补交。"
        case .completed(let item, let number, let decision, let link): "您的办件 \(number)（\(item)）已办结，结果为“\(decision)”。请为本次服务评价：\(link)"
        case .rejected(let item, let number, let reason): "您的办件 \(number)（\(item)）不予受理：\(reason)。如有疑问请致电 0715-3321234。"
        }
    }
}

extension CaseService {
    /// The events an applicant is told of.
    enum Event: Sendable {
        case submitted, accepted, correction, completed, rejected
    }

    /// Tells the applicant (SMS through the outbox, in the caller's transaction) what happened to the case.
    ///
    /// An SMS is a public surface (RULES.md, Identity): staff-typed text in it (the 补正 note, the reason of a
    /// refusal) is masked through `Masking.redact` with the applicant's and the 代办人's names and the contact phone.
    func notifyApplicant(_ record: Case, of event: Event, on tx: any Database) async throws {
        let names = try await [record.$applicant.get(on: tx).name, record.$proxy.get(on: tx)?.name].compactMap { $0 }
        let masked = { (text: String) in Masking.redact(text, names: names, phone: record.contactPhone) }
        let message: CaseMessage
        switch event {
        case .submitted: message = .submitted(item: record.itemName, number: record.caseNumber)
        case .accepted:
            message = .accepted(
                item: record.itemName, number: record.caseNumber, due: record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? "")
        case .correction:
            let note =
                try await CasePause.query(on: tx).filter(\.$case.$id == record.requireID()).filter(\.$endOn == nil).first()?.note ?? ""
            message = .correction(item: record.itemName, number: record.caseNumber, whatToAdd: masked(note))
        case .completed:
            // 一事一评: the SMS carries a one-time rating link (好差评, RULES.md).
            let token = try await context.hooks.require((any RatingInvitations).self)
                .invite(.caseRecord, record.requireID(), channel: .sms, context: context.on(tx))
            message = .completed(
                item: record.itemName, number: record.caseNumber, decision: record.decision?.label ?? "准予",
                rateLink: "\(publicURL)/rate/\(token)")
        case .rejected: message = .rejected(item: record.itemName, number: record.caseNumber, reason: masked(record.reason ?? ""))
        }
        try await Outbox.enqueue(
            on: tx, region: record.regionCode, to: record.contactPhone, template: message.template, body: message.body, entityType: "case",
            entityID: record.id?.uuidString, at: now)
    }
}
