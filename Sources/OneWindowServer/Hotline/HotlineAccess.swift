import Fluent
import Foundation
import OneWindowCore

/// Who opens each 12345 page; the routes' `RoleGuard`s and the menus (`app.menuAccess`) read these sets.
enum HotlineAccess {
    /// Intake, dispatch, extension approval, 催办/督办, callback and close: the hotline's own staff.
    static let hotline: Set<Role> = [.hotlineAgent, .supervisor, .admin]
    /// The department workbench: 签收, 退单, 答复, 申请延期 for the staff member's own department.
    static let departmentDesk: Set<Role> = [.handler]
    /// The monthly report.
    static let report: Set<Role> = [.hotlineAgent, .supervisor, .director, .admin]
}

extension HotlineAccess {
    /// A work order's relations for the kernel's `AccessPolicy`: every department it was ever sent to (a handler
    /// opens the order), and the current lead while it is dispatched or in hand (only they call the appellant).
    static func relations(of order: WorkOrder, on db: any Database) async throws -> RecordRelations {
        let id = try order.requireID()
        let assigned = try await WorkOrderAssignment.query(on: db).filter(\.$workOrder.$id == id).all().map { $0.$department.id }
        let lead = order.state == .dispatched || order.state == .handling ? order.$leadDepartment.id : nil
        return RecordRelations(
            kind: .workOrder, regionCode: order.regionCode, departments: Set(assigned),
            contactDepartments: Set([lead].compactMap { $0 }))
    }
}
