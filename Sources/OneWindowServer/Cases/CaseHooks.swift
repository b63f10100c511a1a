import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Where a case at the workbench comes from at the front desk: a called ticket (`?ticket=`) or a home visit
/// (`?homeVisit=`). The workbench carries it through the item search and the form, and the intake writes it on the
/// case (`CaseService.CaseLinks`).
struct CaseOrigin: Encodable, Sendable {
    /// `ticket` or `homeVisit`.
    let field: String
    let value: String
    /// One line above the workbench: `叫号 A023（5 号窗口）` / `上门服务 SM-20250305-001，帮办员 王帮办代办`.
    let banner: String
    /// `&ticket=…` for links that keep the origin.
    let query: String
    /// The applicant known from a home visit, to prefill.
    let applicant: [String: String]
}

/// What Cases asks of the front desk (FrontDesk provides it): where a case at the workbench comes from, and the
/// help-desk record of a case filed as 代办 at a home visit.
protocol CaseOrigins: Sendable {
    /// Reads the origin from the query (GET) or form fields (POST) and checks the signed-in staff may use it; nil
    /// when neither `ticket` nor `homeVisit` is given.
    /// - Throws: a field error (`ticket`, `homeVisit`) for an unknown record; a 409 when it is not in front of `staff`.
    func resolve(ticket: String?, homeVisit: String?, staff: Staff, region: String, on db: any Database) async throws
        -> (CaseOrigin, CaseService.CaseLinks)?

    /// Logs the 代办 entry (帮办 of kind `.proxy`) of `record`, filed by the visit's helper, in `context.db`.
    func filedAtHomeVisit(_ record: Case, itemCode: String, visit: CaseService.HomeVisitLink, context: ServiceContext) async throws
}

/// 一事一评 (RULES.md, 好差评): Cases asks for rating links; Evaluation provides them.
protocol RatingInvitations: Sendable {
    /// Stores a one-time rating link (valid 30 days) for the record in `context.db`; returns its token (`/rate/{token}`).
    func invite(_ kind: RatingSubjectKind, _ id: UUID, channel: RatingChannel, context: ServiceContext) async throws -> String

    /// The token of the open online link of a record not rated yet (an unused one, or a new one); nil once it is rated.
    func pendingOnlineLink(_ kind: RatingSubjectKind, _ id: UUID, context: ServiceContext) async throws -> String?
}
