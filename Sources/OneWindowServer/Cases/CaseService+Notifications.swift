import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CaseService {
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
            let token = try await context.hooks.require((any RatingInvitations).self)
                .invite(.caseRecord, record.requireID(), channel: .sms, context: context.on(tx))
            body =
                "您的办件 \(record.caseNumber)（\(record.itemName)）已办结，结果为“\(record.decision?.label ?? "准予")”。"
                + "请为本次服务评价：\(publicURL)/rate/\(token)"
        default:
            body = "您的办件 \(record.caseNumber)（\(record.itemName)）不予受理：\(record.reason ?? "")。如有疑问请致电 0715-3321234。"
        }
        try await Outbox.enqueue(
            on: tx, region: record.regionCode, to: record.contactPhone, template: template, body: body, entityType: "case",
            entityID: record.id?.uuidString, at: now)
    }
}
