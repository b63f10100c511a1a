import OneWindowCore

/// The kernel's paths, the directory's and the catalogue's.
extension SiteRoute {
    static let home = SiteRoute("/")
    static let health = SiteRoute("/health")
    static let metrics = SiteRoute("/metrics")
    static let signIn = SiteRoute("/signin")
    static let signOut = SiteRoute("/signout")
    static let changePassword = SiteRoute("/account/password")
    static let elderMode = SiteRoute("/preferences/elder")

    /// Everything under `/api` answers JSON; the versioned API lives under `/api/v1`.
    static let api = SiteRoute("/api")
    static let openAPI = SiteRoute("/api/v1/openapi.json")

    /// The folders of `Public/` the static file middleware serves.
    static let stylesheets = SiteRoute("/css")
    static let scripts = SiteRoute("/js")
    static let images = SiteRoute("/img")

    /// The benchmark's bare routes (`ONEWINDOW_BENCH=1`).
    static let benchBareRead = SiteRoute("/bench/bare-read")
    static let benchBareWrite = SiteRoute("/bench/bare-write")
    static let benchSQLite = SiteRoute("/bench/sqlite")

    static let admin = SiteRoute("/admin")
    static let adminAudit = SiteRoute("/admin/audit")

    // Directory
    static let adminHalls = SiteRoute("/admin/halls")
    static let adminHallNew = SiteRoute("/admin/halls/new")
    static let adminHall = SiteRoute("/admin/halls/:id")
    static let adminHallEdit = SiteRoute("/admin/halls/:id/edit")
    static let adminDepartments = SiteRoute("/admin/departments")
    static let adminDepartmentNew = SiteRoute("/admin/departments/new")
    static let adminDepartment = SiteRoute("/admin/departments/:id")
    static let adminDepartmentEdit = SiteRoute("/admin/departments/:id/edit")
    static let adminWindows = SiteRoute("/admin/windows")
    static let adminWindowNew = SiteRoute("/admin/windows/new")
    static let adminWindow = SiteRoute("/admin/windows/:id")
    static let adminWindowEdit = SiteRoute("/admin/windows/:id/edit")
    static let adminStaff = SiteRoute("/admin/staff")
    static let adminStaffNew = SiteRoute("/admin/staff/new")
    static let adminStaffMember = SiteRoute("/admin/staff/:id")
    static let adminStaffEdit = SiteRoute("/admin/staff/:id/edit")

    // Calendar
    static let adminCalendar = SiteRoute("/admin/calendar")
    static let apiDeadline = SiteRoute("/api/v1/deadline")
    static let apiCalendarYear = SiteRoute("/api/v1/calendar/:year")

    // Catalog
    static let guide = SiteRoute("/guide")
    static let item = SiteRoute("/guide/:code")
    static let apiItems = SiteRoute("/api/v1/items")
    static let apiItem = SiteRoute("/api/v1/items/:code")
    static let apiDepartments = SiteRoute("/api/v1/departments")
    static let adminDrafts = SiteRoute("/admin/catalog/drafts")
    static let adminItem = SiteRoute("/admin/catalog/items/:id")
    static let adminItemEdit = SiteRoute("/admin/catalog/items/:id/edit")
    static let adminItemWithdraw = SiteRoute("/admin/catalog/items/:id/withdraw")
    static let adminImports = SiteRoute("/admin/catalog/imports")
    static let adminImport = SiteRoute("/admin/catalog/imports/:id")
    static let adminImportStatus = SiteRoute("/admin/catalog/imports/:id/status")

    /// Where a staff member starts after signing in: admins the admin home, clerks the workbench, helpers the help
    /// desk, approvers their queue, supervisors the overdue list, directors the figures, hotline agents a new order,
    /// handlers their department's desk.
    static func landing(for roles: Set<Role>) -> String {
        if roles.contains(.admin) { return admin.path() }
        if roles.contains(.clerk) { return newCase.path() }
        if roles.contains(.helper) { return assist.path() }
        if roles.contains(.approver) { return cases.path(query: ["view": "queue"]) }
        if roles.contains(.supervisor) { return cases.path(query: ["view": "overdue"]) }
        if roles.contains(.director) { return caseFigures.path() }
        if roles.contains(.hotlineAgent) { return newWorkOrder.path() }
        if roles.contains(.handler) { return hotlineDesk.path() }
        return home.path()
    }
}
