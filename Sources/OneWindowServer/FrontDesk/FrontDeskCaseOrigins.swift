import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The front desk's answers to Cases: a called ticket (`?ticket=`) or a home visit (`?homeVisit=`) as the origin of
/// a case at the workbench, and the 代办 entry in the help-desk log when a helper files a case at a visit.
struct FrontDeskCaseOrigins: CaseOrigins {
    func resolve(ticket: String?, homeVisit: String?, staff: Staff, region: String, on db: any Database) async throws -> (
        CaseOrigin, CaseService.CaseLinks
    )? {
        if let text = ticket.flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let id = UUID(uuidString: text), let ticket = try await Ticket.find(id, in: region, on: db) else {
                throw PlatformError.invalidField(FieldError(field: "ticket", message: "号票不存在"))
            }
            // Only the ticket in front of this clerk: called or being served at a window the clerk is signed into.
            guard ticket.state == .called || ticket.state == .serving, let windowID = ticket.$window.id else {
                throw FrontDeskError.ticketNotHere("\(ticket.number) 号\(ticket.state.label)，不能再关联办件")
            }
            let desk = try await WindowDesk.query(on: db).filter(\.$window.$id == windowID).first()
            guard desk?.staffID == staff.id || staff.has(.admin) else {
                throw FrontDeskError.ticketNotHere("\(ticket.number) 号不在您登录的窗口")
            }
            let origin = CaseOrigin(
                field: "ticket", value: id.uuidString,
                banner: "叫号 \(ticket.number)" + (ticket.windowNumber.map { "（\($0) 号窗口）" } ?? ""),
                query: "&ticket=\(id.uuidString)",
                applicant: ["idNumber": ticket.idNumber, "name": ticket.name, "phone": ticket.phone].compactMapValues { $0 })
            return (origin, CaseService.CaseLinks(ticketID: id))
        }
        if let text = homeVisit.flatMap({ $0.isEmpty ? nil : $0 }) {
            guard let id = UUID(uuidString: text), let visit = try await HomeVisit.find(id, in: region, on: db) else {
                throw PlatformError.invalidField(FieldError(field: "homeVisit", message: "上门服务申请不存在"))
            }
            guard visit.state == .assigned || visit.state == .visited, let helperName = visit.helperName else {
                throw FrontDeskError.homeVisit("须先约定时间并指派帮办员，才能为上门服务办件")
            }
            guard visit.helperID == staff.id || staff.has(.admin) else {
                throw FrontDeskError.homeVisit("只有该上门服务指派的帮办员（\(helperName)）可以代办")
            }
            let origin = CaseOrigin(
                field: "homeVisit", value: id.uuidString, banner: "上门服务 \(visit.number)，帮办员 \(helperName) 代办",
                query: "&homeVisit=\(id.uuidString)",
                applicant: ["idNumber": visit.idNumber, "name": visit.name, "phone": visit.phone])
            return (origin, CaseService.CaseLinks(homeVisit: (id, visit.helperID, helperName, nil)))
        }
        return nil
    }

    func filedAtHomeVisit(_ record: Case, itemCode: String, visit: CaseService.HomeVisitLink, context: ServiceContext) async throws {
        try await AssistanceLog.record(
            kind: .proxy, staffID: visit.helperID, staffName: visit.helperName, hallID: visit.hallID, item: (itemCode, record.itemName),
            note: "上门服务代办 \(record.caseNumber)", homeVisitID: visit.id, caseID: record.id, region: context.region, zone: context.zone,
            at: context.now, on: context.db)
    }
}
