import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Stats (数说成绩单): the annual report with its drill-down, the admin home's counts, CSV exports, the live
/// dashboard, `onewindow simulate` and `onewindow report`. It reads every module's records and owns no table.
enum StatsModule: ServerModule {
    static func register(_ app: Application) throws {
        let site = app.site
        AdminHomeController().register(site.admin)
        AnnualReportController().register(site.web)
        ExportController().register(site.web)
        DashboardController().register(site.web)
        app.menuAccess.add("annual", roles: StatsAccess.annual)
        app.menuAccess.add("exports", roles: ExportController.roles)
        app.menuAccess.add("dashboard", roles: DashboardController.roles)
        app.asyncCommands.use(SimulateCommand(), as: "simulate")
        app.asyncCommands.use(ReportCommand(), as: "report")
    }
}
