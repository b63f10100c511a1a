import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Evaluation (好差评): ratings of cases, window services and work orders (the pad, links, the API, the 7-day
/// default), bad ratings verified and rectified, complaints. Owns `ratings`, `rating_invitations`,
/// `rectifications`, `complaints`. Provides Cases' `RatingInvitations` and Hotline's `CallbackRatings`.
enum EvaluationModule: ServerModule {
    static func register(_ app: Application) throws {
        app.lifecycle.use(RatingDefaultsLifecycle())
        app.migrationPlan.add("0019", M0019_CreateEvaluation())
        app.migrationPlan.add("0020.3", M0020_3_RatingIndexes())
        app.sealedColumns.add(SealedColumn(Complaint.schema, "complainant_name"))
        app.sealedColumns.add(SealedColumn(Complaint.schema, "phone"))
        app.hooks.provide((any RatingInvitations).self, EvaluationHooks())
        app.hooks.provide((any CallbackRatings).self, EvaluationHooks())
        app.hooks.add((any PendingDeadlines).self, EvaluationPendingDeadlines())
        let site = app.site
        RatingPadController().register(site.web)
        RatingLinkController().register(site.web, api: site.api)
        EvaluationWebController().register(site.web)
        ComplaintController().register(site.web)
        app.menuAccess.add("ratings", roles: EvaluationAccess.staff)
    }
}

extension Complaint: RegionScoped { static var regionField: KeyPath<Complaint, FieldProperty<Complaint, String>> { \.$regionCode } }
extension Rating: RegionScoped { static var regionField: KeyPath<Rating, FieldProperty<Rating, String>> { \.$regionCode } }
extension Rectification: RegionScoped {
    static var regionField: KeyPath<Rectification, FieldProperty<Rectification, String>> { \.$regionCode }
}
extension RatingInvitation: RegionScoped {
    static var regionField: KeyPath<RatingInvitation, FieldProperty<RatingInvitation, String>> { \.$regionCode }
}
