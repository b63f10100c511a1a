import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// The staff pages of the comprehensive window and the back office: the 综窗受理 workbench, case lists (queue,
/// pre-review, overdue), the case page with its actions and timeline, the printable notices, stored files.
struct CaseWebController {
    static let staffRoles: [Role] = [.clerk, .approver, .supervisor, .director, .admin]

    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(.clerk, .approver, .supervisor, .director, .helper, .admin))
        staff.get(.cases, use: list)
        staff.get(.newCase, use: workbench)
        staff.get(.caseApplicant, use: lookUpApplicant)
        staff.on(.POST, .cases, body: .collect(maxSize: ByteCount(value: FileStore.uploadLimit)), use: intake)
        staff.get(.caseRecord, use: show)
        staff.post(.casePersonal, use: showPersonal)
        staff.post(.caseAction, use: act)
        staff.get(.acceptanceNotice, use: acceptanceNotice)
        staff.get(.rejectionNotice, use: rejectionNotice)
        staff.get(.oneTimeNotice, use: oneTimeNotice)
        staff.get(.file, use: file)
    }

    func findCase(_ req: Request) async throws -> Case {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let record = try await Case.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "该办件") }
        return record
    }

    /// The case of the path, when the access policy allows `access` to the signed-in staff member (403, audited, if not).
    func findCase(_ req: Request, for access: RecordAccess) async throws -> Case {
        let record = try await findCase(req)
        try await CaseAccess.require(access, on: record, req)
        return record
    }
}

extension LocalDate {
    /// `2025年9月26日`.
    var chinese: String { "\(year)年\(month)月\(day)日" }
}
