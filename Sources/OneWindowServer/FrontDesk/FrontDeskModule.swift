import Fluent
import Foundation
import OneWindowCore
import Vapor

/// FrontDesk: the hall's queue (取号, 叫号, the calling display), appointments, home visits, the help desk (帮办),
/// director shifts (局长帮办) with their improvements, and the queue figures. Owns `ticket_categories`, `tickets`,
/// `ticket_events`, `window_desks`, `appointment_slots`, `appointments`, `home_visits`, `assistances`,
/// `director_shifts`, `director_shift_cases`, `improvements`. Provides Cases' `CaseOrigins` and Directory's
/// `HallSetup` (a new hall's default ticket categories).
enum FrontDeskModule: ServerModule {
    static func register(_ app: Application) throws {
        app.queueSettings = try QueueSettings.fromEnvironment()
        app.migrationPlan.add("0016", M0016_CreateFrontDesk())
        app.migrationPlan.add("0020.2", M0020_2_FrontDeskIndexes())
        app.migrationPlan.add("0021.2", M0021_2_FrontDeskIdentityHashes())
        for column in [
            SealedColumn(Ticket.schema, "id_number"), SealedColumn(Ticket.schema, "name"),
            SealedColumn(Ticket.schema, "phone", hash: "phone_hash"),
            SealedColumn(Appointment.schema, "id_number", hash: "id_number_hash"), SealedColumn(Appointment.schema, "name"),
            SealedColumn(Appointment.schema, "phone"), SealedColumn(HomeVisit.schema, "id_number"), SealedColumn(HomeVisit.schema, "name"),
            SealedColumn(HomeVisit.schema, "phone"), SealedColumn(HomeVisit.schema, "address"),
            SealedColumn(DirectorShift.schema, "consulted_name"), SealedColumn(DirectorShift.schema, "consulted_phone"),
        ] { app.sealedColumns.add(column) }
        app.hooks.provide((any CaseOrigins).self, FrontDeskCaseOrigins())
        app.hooks.add((any MetricsSource).self, FrontDeskMetrics())
        app.hallSetups.add(DefaultTicketCategories())
        let site = app.site
        QueueWebController().register(site.web, api: site.api, app: app)
        AppointmentController.registerAPI(site.api)
        DeskController().register(site.web)
        AppointmentController().register(site.web)
        HomeVisitController().register(site.web)
        AssistController().register(site.web)
        DirectorShiftController().register(site.web)
        FrontDeskFiguresController().register(site.web)
        for (key, roles) in [
            ("desk", FrontDeskAccess.desk), ("assist", FrontDeskAccess.assist), ("homeVisits", FrontDeskAccess.homeVisits),
            ("directorShifts", FrontDeskAccess.directorShifts), ("figures", FrontDeskAccess.figures),
            ("slots", FrontDeskAccess.slots), ("appointments", FrontDeskAccess.appointments),
        ] {
            app.menuAccess.add(key, roles: roles)
        }
    }
}

/// A hall the admin creates can issue tickets at once: its default categories come with it.
struct DefaultTicketCategories: HallSetup {
    func hallCreated(_ hall: Hall, on db: any Database) async throws {
        try await TicketCategoryDefaults.create(for: hall, on: db)
    }
}

extension Appointment: RegionScoped { static var regionField: KeyPath<Appointment, FieldProperty<Appointment, String>> { \.$regionCode } }
extension AppointmentSlot: RegionScoped {
    static var regionField: KeyPath<AppointmentSlot, FieldProperty<AppointmentSlot, String>> { \.$regionCode }
}
extension Assistance: RegionScoped { static var regionField: KeyPath<Assistance, FieldProperty<Assistance, String>> { \.$regionCode } }
extension DirectorShift: RegionScoped {
    static var regionField: KeyPath<DirectorShift, FieldProperty<DirectorShift, String>> { \.$regionCode }
}
extension HomeVisit: RegionScoped { static var regionField: KeyPath<HomeVisit, FieldProperty<HomeVisit, String>> { \.$regionCode } }
extension Improvement: RegionScoped { static var regionField: KeyPath<Improvement, FieldProperty<Improvement, String>> { \.$regionCode } }
extension Ticket: RegionScoped { static var regionField: KeyPath<Ticket, FieldProperty<Ticket, String>> { \.$regionCode } }
extension TicketCategory: RegionScoped {
    static var regionField: KeyPath<TicketCategory, FieldProperty<TicketCategory, String>> { \.$regionCode }
}
extension WindowDesk: RegionScoped { static var regionField: KeyPath<WindowDesk, FieldProperty<WindowDesk, String>> { \.$regionCode } }
