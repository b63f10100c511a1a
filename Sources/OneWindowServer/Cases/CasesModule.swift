import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Cases: the comprehensive window's intake (综窗受理), online applications (网上申报) and their progress look-up,
/// the back office's queues and transitions, the case API and the case figures. Owns `applicants`, `cases`,
/// `case_steps`, `case_pauses`, `submitted_materials`, `one_time_notices`. It asks the front desk for a case's
/// origin (`CaseOrigins`) and Evaluation for rating links (`RatingInvitations`).
enum CasesModule: ServerModule {
    /// Who opens the case lists and case pages.
    static let staffRoles: Set<Role> = [.clerk, .approver, .supervisor, .director, .helper, .admin]

    static func register(_ app: Application) throws {
        app.migrationPlan.add("0014", M0014_CreateCases())
        app.migrationPlan.add("0016.1", M0016_1_CaseOrigins())
        app.migrationPlan.add("0020.1", M0020_1_CaseFigureIndexes())
        app.migrationPlan.add("0021.1", M0021_1_ApplicantIdentityHash())
        for column in [
            SealedColumn(Applicant.schema, "id_number", hash: "id_number_hash"), SealedColumn(Applicant.schema, "name"),
            SealedColumn(Applicant.schema, "phone"), SealedColumn(Case.schema, "contact_phone"),
        ] { app.sealedColumns.add(column) }
        CaseAPIController().register(app.site.api)
        PortalController().register(app.site.web)
        CaseWebController().register(app.site.web)
        CaseFiguresController().register(app.site.web.grouped(RoleGuard(.clerk, .approver, .supervisor, .director, .admin)))
        app.uploadLimits.set(.cases, FileStore.uploadLimit)
        app.uploadLimits.set(.apply, FileStore.uploadLimit)
        app.uploadLimits.set(.apiFiles, FileStore.uploadLimit)
        app.menuAccess.add("cases", roles: staffRoles)
        app.asyncCommands.use(DemoCasesCommand(), as: "demo-cases")
        app.hooks.add((any MetricsSource).self, CaseMetricsSource())
    }
}

extension Applicant: RegionScoped { static var regionField: KeyPath<Applicant, FieldProperty<Applicant, String>> { \.$regionCode } }
extension Case: RegionScoped { static var regionField: KeyPath<Case, FieldProperty<Case, String>> { \.$regionCode } }
extension OneTimeNotice: RegionScoped {
    static var regionField: KeyPath<OneTimeNotice, FieldProperty<OneTimeNotice, String>> { \.$regionCode }
}
