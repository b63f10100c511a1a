import OneWindowCore

/// Who opens each front-desk page: the routes' `RoleGuard`s and the menus (`app.menuAccess`) read these
/// sets, so a menu never offers a page its guard refuses.
enum FrontDeskAccess {
    static let desk: Set<Role> = [.clerk, .approver, .director, .helper, .supervisor, .admin]
    static let assist: Set<Role> = [.helper, .clerk, .director, .admin]
    static let homeVisits: Set<Role> = [.helper, .clerk, .supervisor, .admin]
    static let directorShifts: Set<Role> = [.director, .supervisor, .admin]
    static let figures: Set<Role> = [.clerk, .supervisor, .director, .admin]
    static let slots: Set<Role> = [.supervisor, .admin]
    static let appointments: Set<Role> = [.clerk, .supervisor, .admin]
    /// 强制退出 a window left signed in.
    static let releaseWindow: Set<Role> = [.supervisor, .admin]
}
