import Fluent
import Foundation
import OneWindowCore

/// The CSV rows of each export, one per record, in the order of `ExportKind.header`: personal data masked unless
/// `full` (then as the audited full view shows it), user text as `.text` (made inert in CSV), times local.
extension ExportSource {
    private func time(_ date: Date?) -> CSVExport.Cell { .value(date.map { LocalTime.format($0, in: zone) } ?? "") }

    private func yes(_ flag: Bool) -> CSVExport.Cell { .value(flag ? "是" : "否") }

    func caseRows(_ page: [Case], on db: any Database) async throws -> [[CSVExport.Cell]] {
        let applicants = try await CaseWebController.applicants(of: page, on: db)
        return page.map { record in
            let applicant = applicants[record.$applicant.id]
            let name = applicant.map { full ? $0.name : $0.maskedName } ?? ""
            let number = applicant.map { full ? $0.idNumber : $0.maskedNumber } ?? ""
            let overdue: String
            if let due = record.dueAt {
                overdue = (record.completedAt ?? now) > due ? "是" : "否"
            } else {
                overdue = ""
            }
            return [
                .value(record.caseNumber), .value(record.itemCode), .text(record.itemName), .text(record.departmentName),
                .value(record.caseType.label), .value(record.channel.label), .value(record.state.label),
                .value(applicant?.kind.label ?? ""), .text(name), .value(number),
                .value(full ? record.contactPhone : Masking.phone(record.contactPhone)),
                time(record.submittedAt), time(record.acceptedAt), .number(record.promised.days),
                .value(record.dueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? ""), time(record.completedAt), .value(overdue),
                .text(record.applicantNote.map { full ? $0 : Masking.redact($0) } ?? ""),
            ]
        }
    }

    /// Category paths and department names of the region, read once per export.
    struct WorkOrderLookups: Sendable {
        let categories: [UUID: String]
        let departments: [UUID: String]

        init(region: String, on db: any Database) async throws {
            categories = Dictionary(
                uniqueKeysWithValues: try await HotlineCategory.query(on: db).filter(\.$regionCode == region).all()
                    .map { ($0.id!, $0.path) })
            departments = Dictionary(uniqueKeysWithValues: try await Department.query(on: db).all().map { ($0.id!, $0.name) })
        }
    }

    func workOrderRow(_ order: WorkOrder, lookups: WorkOrderLookups) -> [CSVExport.Cell] {
        let name = order.appellantName.map { full ? $0 : Masking.name($0) } ?? "匿名"
        // A landline (`0715-3321777`) keeps its area code, as on the work-order page.
        let phone = order.phone.map { full ? $0 : ($0.contains("-") ? String($0.prefix(5)) + "****" : Masking.phone($0)) } ?? ""
        return [
            .value(order.number), time(order.receivedAt), .value(order.channel.label), .value(order.appealType.label),
            .value(order.urgency.label),
            .text(name), .value(phone), .text(full ? order.title : Masking.redact(order.title)),
            .text(full ? order.content : Masking.redact(order.content)), .text(full ? order.address : Masking.address(order.address)),
            .value(order.$category.id.flatMap { lookups.categories[$0] } ?? ""),
            .value(order.$leadDepartment.id.flatMap { lookups.departments[$0] } ?? ""), .value(order.state.label),
            .value(order.replyDueAt.map { LocalTime.formatDeadline($0, in: zone) } ?? ""), time(order.repliedAt),
            .value(order.satisfaction?.label ?? ""), .integer(order.urgeCount), .integer(order.reopenCount), time(order.closedAt),
        ]
    }

    func ratingRow(_ rating: Rating) -> [CSVExport.Cell] {
        [
            time(rating.ratedAt), .value(rating.subjectKind.label), .text(rating.subjectLabel), .text(rating.departmentName ?? ""),
            .value(rating.windowNumber ?? ""), .text(rating.staffName ?? ""), .value(rating.itemCode ?? ""), .value(rating.item.label),
            .integer(rating.level.rawValue), .value(rating.level.label), yes(rating.level.isBad), .value(rating.channel.label),
            yes(rating.realName), yes(rating.isDefault),
            // No page shows a comment in full: the export neither.
            .text(rating.comment.map(Masking.redact) ?? ""),
        ]
    }

    private static func channelLabel(_ channel: Ticket.Channel) -> String {
        switch channel {
        case .kiosk: return "现场取号"
        case .remote: return "网上取号"
        case .appointment: return "预约取号"
        case .staff: return "工作人员代取"
        }
    }

    func ticketRow(_ ticket: Ticket, halls: [UUID: String], categories: [UUID: String]) -> [CSVExport.Cell] {
        func minutes(_ from: Date?, _ to: Date?) -> CSVExport.Cell {
            guard let from, let to else { return .value("") }
            return .integer(Int((to.timeIntervalSince(from) / 60).rounded()))
        }
        return [
            .value(ticket.serviceDay), .value(ticket.number), .value(halls[ticket.$hall.id] ?? ""),
            .value(categories[ticket.$category.id] ?? ""),
            .value(Self.channelLabel(ticket.channel)), .value(ticket.priority.label), .text(ticket.maskedName ?? ""),
            .value(ticket.idNumber.map(Masking.residentID) ?? ""), .value(ticket.phone.map(Masking.phone) ?? ""),
            time(ticket.issuedAt), time(ticket.firstCalledAt), time(ticket.servingAt), time(ticket.finishedAt), .value(ticket.state.label),
            .value(ticket.windowNumber ?? ""), .text(ticket.staffName ?? ""), minutes(ticket.arrivedAt, ticket.firstCalledAt),
            minutes(ticket.servingAt, ticket.finishedAt), .integer(ticket.recalls), .integer(ticket.transfers),
        ]
    }
}
