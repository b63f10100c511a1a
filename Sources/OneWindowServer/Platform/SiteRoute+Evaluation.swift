/// The evaluation module's paths (好差评, 差评整改, complaints) and the figures' (dashboard, annual report,
/// exports, the admin home).
extension SiteRoute {
    static let board = SiteRoute("/board")
    static let complaints = SiteRoute("/complaints")
    static let complaint = SiteRoute("/complaints/:id")
    static let complaintNext = SiteRoute("/complaints/:id/next")
    static let pad = SiteRoute("/pad/:window")
    static let helperPad = SiteRoute("/pad/helpers/:staff")
    static let rate = SiteRoute("/rate/:token")
    static let apiRatings = SiteRoute("/api/v1/ratings")
    static let ratings = SiteRoute("/ratings")
    static let rectification = SiteRoute("/rectifications/:id")
    static let rectificationStep = SiteRoute("/rectifications/:id/:action")

    // Stats
    static let dashboard = SiteRoute("/dashboard")
    static let dashboardJSON = SiteRoute("/dashboard.json")
    static let dashboardFigure = SiteRoute("/dashboard/:figure")
    static let annual = SiteRoute("/annual")
    static let annualCSV = SiteRoute("/annual.csv")
    static let annualRecords = SiteRoute("/annual/records")
    static let exports = SiteRoute("/exports")

    /// `/exports/<name>.csv`, one route per export.
    static func export(_ name: String) -> SiteRoute { SiteRoute("/exports/\(name).csv") }
}
