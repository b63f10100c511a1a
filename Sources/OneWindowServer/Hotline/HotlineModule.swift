import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Hotline: 12345 work orders from every channel (phone, web, WeChat, app, Open311), dispatch, the handlers' desk,
/// callbacks, the monthly report, smart dispatch, Open311 GeoReport v2 and `onewindow hotline …`. Owns
/// `hotline_categories`, `hotline_training_examples`, `work_orders`, `work_order_assignments`, `work_order_media`.
/// It asks Evaluation to record a callback as the order's rating (`CallbackRatings`).
enum HotlineModule: ServerModule {
    static func register(_ app: Application) throws {
        _ = app.hotlineDispatchModel
        app.migrationPlan.add("0017", M0017_CreateHotline())
        app.migrationPlan.add("0018", M0018_CreateWorkOrderMedia())
        app.migrationPlan.add("0020.4", M0020_4_WorkOrderIndexes())
        app.migrationPlan.add("0021.3", M0021_3_WorkOrderPhoneHash())
        for column in [
            SealedColumn(WorkOrder.schema, "appellant_name"), SealedColumn(WorkOrder.schema, "phone", hash: "phone_hash"),
            SealedColumn(WorkOrder.schema, "address"),
        ] { app.sealedColumns.add(column) }
        let site = app.site
        HotlineAPIController().register(site.api)
        Open311Controller().register(app)
        HotlineWebController().register(site.web)
        HotlineOrderController().register(site.web)
        HotlineDeskController().register(site.web)
        HotlineReportController().register(site.web)
        HotlinePortalController().register(site.web)
        HotlineCategoryAdminController().register(site.admin)
        app.hooks.add((any PendingDeadlines).self, HotlinePendingDeadlines())
        app.hooks.add((any MetricsSource).self, HotlineMetrics())
        app.menuAccess.add("hotline", roles: HotlineAccess.hotline)
        app.menuAccess.add("hotlineDesk", roles: HotlineAccess.departmentDesk)
        app.menuAccess.add("hotlineReport", roles: HotlineAccess.report)
        app.asyncCommands.use(HotlineCommand(), as: "hotline")
        app.importers.add(
            Importer(kind: "hotline", help: "the message-board directory") { file, _, app, console in
                try await HotlineImportCommand.run(directory: file, app: app, console: console)
            })
    }
}

extension HotlineCategory: RegionScoped {
    static var regionField: KeyPath<HotlineCategory, FieldProperty<HotlineCategory, String>> { \.$regionCode }
}
extension HotlineTrainingExample: RegionScoped {
    static var regionField: KeyPath<HotlineTrainingExample, FieldProperty<HotlineTrainingExample, String>> { \.$regionCode }
}
extension WorkOrder: RegionScoped { static var regionField: KeyPath<WorkOrder, FieldProperty<WorkOrder, String>> { \.$regionCode } }
extension WorkOrderAssignment: RegionScoped {
    static var regionField: KeyPath<WorkOrderAssignment, FieldProperty<WorkOrderAssignment, String>> { \.$regionCode }
}
