import Foundation
import OneWindowCore
import Vapor

/// What the base layout needs on every page: the title, who is signed in, the 长辈版 switch, the CSRF token.
struct PageChrome: Encodable, Sendable {
    struct SignedIn: Encodable, Sendable {
        let name: String
        let username: String
        let roles: String
        let isAdmin: Bool
        /// 综窗受理 (or admin): the workbench and pre-review tabs.
        let isClerk: Bool
        /// Which menu entries the roles open (`desk`, `hotline`, `annual` … as the modules registered them in
        /// `app.menuAccess`), so menus show only links that work.
        let can: [String: Bool]
    }

    let title: String
    let path: String
    /// Path and query of this page, percent-encoded for a `return=` parameter (the 长辈版 switch keeps the search).
    let returnTo: String
    /// 长辈版: large type, high contrast (MIIT 适老化 rules).
    let elder: Bool
    let staff: SignedIn?
    let csrf: String?
    let siteName: String
    /// A one-line confirmation after a redirect (`?passwordChanged=1`).
    let notice: String?
    /// Local time of rendering, for the print header.
    let printedAt: String
    /// The admin section the page belongs to (`halls`, `catalog/imports` …), for the menu's current item.
    let section: String
    /// Extra class on `<body>` (`kiosk-page`: the kiosk hides the site menu).
    var bodyClass = ""

    /// - Parameter forms: the page carries a form, so it needs a CSRF token even for an anonymous visitor.
    init(request: Request, title: String, forms: Bool = false) {
        self.title = title
        self.path = request.url.path
        let here = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
        self.returnTo = here.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
        self.elder = request.cookies[ElderMode.cookieName]?.string == "1"
        if let staff = request.auth.get(Principal.self) {
            self.staff = SignedIn(
                name: staff.displayName == Role.admin.label ? staff.username : staff.displayName, username: staff.username,
                roles: Role.allCases.filter(staff.roles.contains).map(\.label).joined(separator: "、"),
                isAdmin: staff.has(.admin), isClerk: staff.has(.clerk) || staff.has(.admin),
                can: request.application.menuAccess.all.mapValues { !$0.isDisjoint(with: staff.roles) })
        } else {
            self.staff = nil
        }
        self.csrf = (forms || staff != nil) ? CSRF.token(for: request) : nil
        self.siteName = "一窗 OneWindow · 崇阳县政务服务中心"
        self.printedAt = LocalTime.format(request.now, in: request.settings.timeZone)
        let parts = request.url.path.split(separator: "/").map(String.init)
        if parts.first == "admin" {
            self.section = parts.count >= 3 && parts[1] == "catalog" ? "catalog/\(parts[2])" : (parts.count >= 2 ? parts[1] : "home")
        } else {
            self.section = ""
        }
        self.notice = (try? request.query.get(String.self, at: "passwordChanged")) == "1" ? "密码已修改，请牢记新密码。" : nil
    }
}

/// The 长辈版 preference: a cookie the visitor switches from any page (no sign-in, no JavaScript).
enum ElderMode {
    static let cookieName = "ow_elder"

    static func register(_ routes: any RoutesBuilder) {
        routes.get(.elderMode) { req -> Response in
            let on = (try? req.query.get(String.self, at: "on")) == "1"
            // Only a local path: never an open redirect or a header injection.
            let target = SafeRedirect.localPath(try? req.query.get(String.self, at: "return")) ?? SiteRoute.home.path()
            let response = req.redirect(to: target)
            response.cookies[cookieName] = HTTPCookies.Value(
                string: on ? "1" : "0", maxAge: 365 * 24 * 3600, path: "/", isHTTPOnly: true, sameSite: .lax)
            return response
        }
    }
}

/// One choice of a `<select>` or checkbox list in a form or a filter.
struct SelectOption: Encodable, Sendable {
    let value: String
    let label: String
    let selected: Bool
}
