import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The relations of Cases' records for the kernel's `AccessPolicy`, and the checks the case pages make with them.
enum CaseAccess {
    /// The audit actions that tie their actor to a case (accepted, filed, took, decided, delivered it …); a view of
    /// personal data or a refused attempt does not.
    static let handlingActions = [
        "case.accept", "case.reject", "case.take", "case.pause", "case.resume", "case.pass_step", "case.decide", "case.complete",
        "case.deliver", "case.change_limit", "case.receive_pending",
    ]

    /// A case's departments (owning, current, every step's), its holders (case and steps) and whoever handled it
    /// by one of `handlingActions`; at the window while 待预审.
    static func relations(of record: Case, on db: any Database) async throws -> RecordRelations {
        let id = try record.requireID()
        let steps = try await CaseStep.query(on: db).filter(\.$case.$id == id).all()
        let handlers = try await AuditEvent.query(on: db).filter(\.$entityType == "case").filter(\.$entityID == id.uuidString)
            .filter(\.$action ~~ handlingActions).all().compactMap(\.actorID)
        let departments = Set(([record.$department.id, record.currentDepartmentID] + steps.map { $0.$department.id }).compactMap { $0 })
        let staff = Set(([record.ownerID] + steps.map(\.ownerID)).compactMap { $0 } + handlers)
        return RecordRelations(
            kind: .application, regionCode: record.regionCode, departments: departments, contactDepartments: departments,
            staff: staff, atWindow: record.state == .submitted)
    }

    /// A 一次性告知书: the item's department, its issuer; always at the window.
    static func relations(of notice: OneTimeNotice, item: ServiceItem, on db: any Database) async throws -> RecordRelations {
        let issuer = try await Staff.query(on: db).filter(\.$username == notice.issuedBy).first()?.id
        let departments = Set([item.$department.id].compactMap { $0 })
        return RecordRelations(
            kind: .windowNotice, regionCode: notice.regionCode, departments: departments, contactDepartments: departments,
            staff: Set([issuer].compactMap { $0 }), atWindow: true)
    }

    /// The case `record`, when the signed-in staff member may do `access` on it; `AccessRefused` (audited) otherwise.
    static func require(_ access: RecordAccess, on record: Case, _ req: Request) async throws {
        try await AccessPolicy.require(access, on: relations(of: record, on: req.db), entityID: record.id?.uuidString, req)
    }

    /// A stored scan is personal data of the case it is a material of; a file of no case (an API upload not yet
    /// used) is its uploader's, or a region-wide role's.
    static func requireFile(_ file: StoredFile, _ req: Request) async throws {
        let id = try file.requireID()
        if let material = try await SubmittedMaterial.query(on: req.db).filter(\.$file.$id == id).first() {
            let record = try await material.$case.get(on: req.db)
            return try await require(.personal, on: record, req)
        }
        let principal = try req.auth.require(Principal.self)
        var relations = RecordRelations(kind: .application, regionCode: file.regionCode)
        if principal.username == file.uploadedBy { relations.staff = [principal.id] }
        try await AccessPolicy.require(.personal, on: relations, entityID: id.uuidString, req)
    }
}
