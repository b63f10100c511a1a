/// The cases module's paths: the staff pages, the public portal and the API.
extension SiteRoute {
    static let cases = SiteRoute("/cases")
    static let newCase = SiteRoute("/cases/new")
    static let caseApplicant = SiteRoute("/cases/applicant")
    static let caseFigures = SiteRoute("/cases/figures")
    static let caseRecord = SiteRoute("/cases/:id")
    static let casePersonal = SiteRoute("/cases/:id/personal")
    static let caseAction = SiteRoute("/cases/:id/actions/:action")
    static let acceptanceNotice = SiteRoute("/cases/:id/acceptance-notice")
    static let rejectionNotice = SiteRoute("/cases/:id/rejection-notice")
    static let oneTimeNotice = SiteRoute("/notices/:id")
    static let file = SiteRoute("/files/:id")

    static let apply = SiteRoute("/apply/:code")
    static let applyReceipt = SiteRoute("/apply/receipt")
    static let progress = SiteRoute("/progress")

    static let apiCases = SiteRoute("/api/v1/cases")
    static let apiCase = SiteRoute("/api/v1/cases/:number")
    static let apiCaseAction = SiteRoute("/api/v1/cases/:number/:action")
    static let apiFiles = SiteRoute("/api/v1/files")
}
