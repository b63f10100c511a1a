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
