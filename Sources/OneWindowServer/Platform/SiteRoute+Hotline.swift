/// The 12345 hotline's paths, its Open311 GeoReport v2 endpoint among them.
extension SiteRoute {
    static let hotline = SiteRoute("/hotline")
    static let newWorkOrder = SiteRoute("/hotline/new")
    static let hotlineDesk = SiteRoute("/hotline/desk")
    static let hotlineReport = SiteRoute("/hotline/report")
    static let hotlineOrder = SiteRoute("/hotline/orders/:id")
    static let hotlineOrderPersonal = SiteRoute("/hotline/orders/:id/personal")
    static let hotlineOrderStep = SiteRoute("/hotline/orders/:id/:step")
    static let hotlineAppeal = SiteRoute("/hotline/appeal")
    static let hotlineStatus = SiteRoute("/hotline/status")
    static let adminHotlineCategories = SiteRoute("/admin/hotline-categories")
    static let adminHotlineCategory = SiteRoute("/admin/hotline-categories/:id")
    static let apiWorkOrders = SiteRoute("/api/v1/work-orders")
    static let apiWorkOrder = SiteRoute("/api/v1/work-orders/:number")

    /// Everything under `/open311` answers in the spec's formats.
    static let open311 = SiteRoute("/open311")
    /// Any other path under `/open311/v2` (the spec's error array, not the app's error page).
    static let open311Other = SiteRoute("/open311/v2/**")
    static let open311Service = SiteRoute("/open311/v2/services/:file")
    static let open311Request = SiteRoute("/open311/v2/requests/:file")
    static let open311Token = SiteRoute("/open311/v2/tokens/:file")

    /// `/open311/v2/discovery.json` or `.xml`: `format` is the suffix.
    static func open311Discovery(_ format: String) -> SiteRoute { SiteRoute("/open311/v2/discovery.\(format)") }
    static func open311Services(_ format: String) -> SiteRoute { SiteRoute("/open311/v2/services.\(format)") }
    static func open311Requests(_ format: String) -> SiteRoute { SiteRoute("/open311/v2/requests.\(format)") }
}
