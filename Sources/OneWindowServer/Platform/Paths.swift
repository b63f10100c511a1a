import Foundation
import OneWindowCore

/// Every path of the web surface, defined once: route registration, redirects and view links use these.
enum Paths {
    static let home = "/"
    static let guide = "/guide"
    static func item(_ code: String) -> String { "/guide/\(code)" }
    static let signIn = "/signin"
    static let signOut = "/signout"
    static let changePassword = "/account/password"
    static let elderMode = "/preferences/elder"
    static let health = "/health"

    static let admin = "/admin"
    static let adminHalls = "/admin/halls"
    static let adminDepartments = "/admin/departments"
    static let adminWindows = "/admin/windows"
    static let adminStaff = "/admin/staff"
    static let adminImports = "/admin/catalog/imports"
    static func adminImport(_ id: String) -> String { "/admin/catalog/imports/\(id)" }
    static let adminDrafts = "/admin/catalog/drafts"
    static func adminItem(_ id: String) -> String { "/admin/catalog/items/\(id)" }
    static func adminItemEdit(_ id: String) -> String { adminItem(id) + "/edit" }
    static let adminCalendar = "/admin/calendar"
    static let adminAudit = "/admin/audit"

    static let cases = "/cases"
    static let newCase = "/cases/new"
    static let caseFigures = "/cases/figures"
    static func `case`(_ id: UUID) -> String { "/cases/\(id.uuidString)" }
    static func caseAction(_ id: UUID, _ action: String) -> String { "/cases/\(id.uuidString)/actions/\(action)" }
    static func acceptanceNotice(_ id: UUID) -> String { "/cases/\(id.uuidString)/acceptance-notice" }
    static func rejectionNotice(_ id: UUID) -> String { "/cases/\(id.uuidString)/rejection-notice" }
    static func oneTimeNotice(_ id: UUID) -> String { "/notices/\(id.uuidString)" }
    static func file(_ id: UUID) -> String { "/files/\(id.uuidString)" }
    static func apply(_ code: String) -> String { "/apply/\(code)" }
    static let progress = "/progress"

    /// Where a staff member starts after signing in: admins the admin home, clerks the workbench, approvers their
    /// queue, supervisors the overdue list, directors the figures.
    static func landing(for roles: Set<Role>) -> String {
        if roles.contains(.admin) { return admin }
        if roles.contains(.clerk) { return newCase }
        if roles.contains(.helper) { return assist }
        if roles.contains(.approver) { return cases + "?view=queue" }
        if roles.contains(.supervisor) { return cases + "?view=overdue" }
        if roles.contains(.director) { return caseFigures }
        if roles.contains(.hotlineAgent) { return "/hotline/new" }
        if roles.contains(.handler) { return "/hotline/desk" }
        return home
    }

    // Front desk
    static func kiosk(_ hall: String) -> String { "/kiosk/\(hall)" }
    static func remoteQueue(_ hall: String) -> String { "/queue/\(hall)" }
    static func ticket(_ token: String) -> String { "/tickets/\(token)" }
    static func ticketSlip(_ token: String) -> String { "/tickets/\(token)/slip" }
    static func display(_ hall: String) -> String { "/display/\(hall)" }
    static let desk = "/desk"
    static func deskWindow(_ id: UUID) -> String { "/desk/\(id.uuidString)" }
    static let appointments = "/appointments"
    static func appointment(_ code: String) -> String { "/appointments/\(code)" }
    static let slots = "/frontdesk/slots"
    static let appointmentDay = "/frontdesk/appointments"
    static let homeVisits = "/home-visits"
    static let newHomeVisit = "/home-visits/new"
    static func homeVisit(_ id: UUID) -> String { "/home-visits/\(id.uuidString)" }
    static let helperCalendar = "/home-visits/calendar"
    static let assist = "/assist"
    static let directorShifts = "/director-shifts"
    static func directorShift(_ id: UUID) -> String { "/director-shifts/\(id.uuidString)" }
    static let improvements = "/improvements"
    static let hotline = "/hotline"
    static let frontDeskFigures = "/frontdesk/figures"

    static let api = "/api/v1"
    static let openAPI = "/api/v1/openapi.json"
}
