import Fluent
import Foundation
import OneWindowCore
import Testing
import Vapor
import VaporTesting

@testable import OneWindowServer

/// Every route the application registers (`app.routes.all`, not a hand-picked list), requested by a staff member of
/// each role who serves another department than the planted records' owner, with the planted records' ids and
/// numbers in the path: no answer may carry a planted full value the access policy does not allow that member, and
/// no record page the policy refuses may answer 200. The owners see the full values.
@Suite("Security: route × role × record sweep")
struct RouteSweepTests {
    /// Routes not requested, each with the reason. A route in neither this list nor the swept set fails the test.
    static let notExercised: [String: String] = {
        var list: [String: String] = [:]
        func add(_ reason: String, _ routes: [String]) { for route in routes { list[route] = reason } }
        add(
            "a public form that files something new (ticket, appointment, application, appeal, rating, complaint): it answers"
                + " with a redirect to the new record or with its own field errors, never with a record already stored",
            [
                "POST /apply/:code", "POST /appointments", "POST /appointments/:code/cancel", "POST /home-visits/new",
                "POST /hotline/appeal",
                "POST /kiosk/:hall/check-in", "POST /kiosk/:hall/tickets", "POST /queue/:hall/tickets", "POST /rate/:token",
                "POST /open311/v2/requests.json", "POST /open311/v2/requests.xml", "POST /api/v1/halls/:hall/tickets",
                "POST /api/v1/appointments", "POST /api/v1/ratings", "POST /pad/:window", "POST /pad/helpers/:staff", "POST /complaints",
            ])
        add(
            "Open311's catch-all for unsupported methods: 405 on every path, no record read",
            ["DELETE /open311/v2/**", "PATCH /open311/v2/**", "POST /open311/v2/**", "PUT /open311/v2/**"])
        add(
            "signing in and out, the own password, the window sign-in: the account's own session, no citizen's record",
            ["POST /signin", "POST /signout", "POST /account/password", "POST /desk/signin"])
        add(
            "admin configuration (halls, departments, windows, staff, catalogue, calendar, 12345 categories): holds no citizen's"
                + " data; admin-only guard (DirectoryAdminTests, CatalogImportTests)",
            [
                "POST /admin/calendar", "POST /admin/catalog/imports", "POST /admin/catalog/items/:id",
                "POST /admin/catalog/items/:id/withdraw",
                "POST /admin/departments", "POST /admin/departments/:id", "POST /admin/halls", "POST /admin/halls/:id",
                "POST /admin/hotline-categories/:id", "POST /admin/staff", "POST /admin/staff/:id", "POST /admin/windows",
                "POST /admin/windows/:id",
            ])
        add(
            "staff intake of a new case, work order, home visit, assistance or upload: the form's own values come back, or a"
                + " redirect to the new record (whose page is swept)",
            [
                "POST /cases", "POST /api/v1/cases", "POST /api/v1/files", "POST /api/v1/work-orders", "POST /hotline/new",
                "POST /home-visits",
                "POST /assist",
            ])
        add(
            "a step on a record that holds none of the planted people (window desk, director shift, improvement, complaint,"
                + " rectification, appointment slots); their pages are swept as GET",
            [
                "POST /desk/:window/call", "POST /desk/:window/check-in", "POST /desk/:window/issue", "POST /desk/:window/pause",
                "POST /desk/:window/release", "POST /desk/:window/resume", "POST /desk/:window/signout",
                "POST /desk/:window/tickets/:ticket/:action", "POST /director-shifts", "POST /director-shifts/:id/cases",
                "POST /director-shifts/:id/consultation", "POST /director-shifts/:id/improvements", "POST /improvements/:id/status",
                "POST /complaints/:id/next", "POST /rectifications/:id/:action", "POST /frontdesk/slots",
            ])
        return list
    }()

    /// POST routes that reveal a record (its personal data, or the record page re-rendered after a refused step).
    static func revealing(_ method: HTTPMethod, _ path: String) -> Bool {
        guard method == .POST else { return false }
        return path.hasSuffix("/personal")
            || [
                "/cases/:id/actions/:action", "/hotline/orders/:id/:step", "/home-visits/:id/:step", "/api/v1/cases/:number/:action",
            ].contains(path)
    }

    /// A route's path as registered: `/cases/:id/personal`.
    static func pattern(_ route: Route) -> String {
        "/" + route.path.map(\.description).joined(separator: "/")
    }

    /// The concrete path for `pattern`, and the planted record it opens (with the access that needs), if any.
    /// Nil when a parameter is unknown (a new route the sweep does not know how to fill).
    static func fill(_ pattern: String, _ planted: PlantedRecords) -> (String, PlantedRecords.Record?, RecordAccess)? {
        var target: PlantedRecords.Record?
        var parts: [String] = []
        let components = pattern.split(separator: "/").map(String.init)
        let first = components.first ?? ""
        for component in components {
            guard component.hasPrefix(":") || component.hasPrefix("*") else {
                parts.append(component)
                continue
            }
            switch (component, first) {
            case (":id", "cases"): (parts, target) = (parts + [planted.application.id.uuidString], planted.application)
            case (":id", "notices"): (parts, target) = (parts + [planted.notice.id.uuidString], planted.notice)
            case (":id", "files"): (parts, target) = (parts + [planted.fileID.uuidString], planted.application)
            case (":id", "hotline"): (parts, target) = (parts + [planted.workOrder.id.uuidString], planted.workOrder)
            case (":id", "home-visits"): (parts, target) = (parts + [planted.homeVisit.id.uuidString], planted.homeVisit)
            // Records the planted people are not in (halls, staff, items, complaints …): a planted id is still sent.
            case (":id", _): parts.append(planted.application.id.uuidString)
            case (":number", _) where pattern.contains("work-orders"):
                (parts, target) = (parts + [planted.workOrder.number], planted.workOrder)
            case (":number", _): (parts, target) = (parts + [planted.application.number], planted.application)
            case (":file", _): parts.append(planted.workOrder.number + ".json")
            case (":code", _): parts.append("421223JTYS0001")
            case (":hall", _): parts.append("CY-ZX")
            case (":window", _): parts.append("5")
            case (":action", _), (":step", _): parts.append("none")
            case (":year", _): parts.append("2025")
            case (":figure", _): parts.append("cases")
            case (":token", _), (":ticket", _), (":staff", _): parts.append(planted.application.id.uuidString)
            case ("**", _): parts.append("requests")
            default: return nil
            }
        }
        let access: RecordAccess =
            pattern.hasSuffix("/personal") || ["notices", "files"].contains(first) || pattern.hasSuffix("-notice") ? .personal : .view
        return ("/" + parts.joined(separator: "/"), target, access)
    }

    @Test("No route shows a stranger a planted record or full value the policy refuses; the owners see them in full")
    func sweep() async throws {
        try await withTestApp { app in
            let started = Date()
            let planted = try await PlantedRecords.plant(app)
            let strangers: [(String, Set<Role>, String?)] = [
                ("s-clerk", [.clerk], nil), ("s-approver", [.approver], "RSJ"), ("s-helper", [.helper], nil),
                ("s-agent", [.hotlineAgent], nil), ("s-handler", [.handler], "RSJ"), ("s-super", [.supervisor], nil),
                ("s-director", [.director], nil), ("s-admin", [.admin], nil), ("s-citizen", [.citizen], nil),
            ]
            var swept: [(HTTPMethod, String)] = []
            var unknown: [String] = []
            for route in app.routes.all {
                let pattern = Self.pattern(route)
                let key = "\(route.method.rawValue) \(pattern)"
                if Self.notExercised[key] != nil { continue }
                guard route.method == .GET || Self.revealing(route.method, pattern), Self.fill(pattern, planted) != nil else {
                    unknown.append(key)
                    continue
                }
                swept.append((route.method, pattern))
            }
            #expect(unknown.sorted() == [], "routes neither swept nor listed in notExercised (with a reason)")
            let stale = Set(Self.notExercised.keys).subtracting(app.routes.all.map { "\($0.method.rawValue) \(Self.pattern($0))" })
            #expect(stale.sorted() == [], "notExercised names routes that are gone")
            var requests = 0
            for (username, roles, department) in strangers {
                let staff = try await PlantedRecords.staff(app, username, roles, department: department)
                let principal = staff.principal
                let token = try await APITokens.create(
                    for: principal, name: "sweep", scopes: ["cases:read", "cases:write", "hotline:write"], actor: .system, on: app.db)
                var browser = Browser(app)
                try await browser.signIn(username, PlantedRecords.password)
                let csrf = Browser.csrf(in: try await browser.get("/account/password").body.string) ?? ""
                let hidden = planted.all.filter { !AccessPolicy.allows(.personal, by: principal, on: $0.relations) }
                for (method, pattern) in swept {
                    let (path, target, access) = try #require(Self.fill(pattern, planted))
                    let response: TestingHTTPResponse
                    if path.hasPrefix("/api/") {
                        var headers = HTTPHeaders()
                        headers.bearerAuthorization = BearerAuthorization(token: token)
                        response = try await app.testing().sendRequest(method, path, headers: headers)
                    } else if method == .POST {
                        response = try await browser.post(path, form: [("csrfToken", csrf)])
                    } else {
                        response = try await browser.get(path)
                    }
                    requests += 1
                    let body = response.body.string
                    for record in hidden {
                        for secret in record.secrets where body.contains(secret) {
                            Issue.record("\(username) \(method) \(path) shows \(secret) of the \(record.kind) (policy refuses .personal)")
                        }
                    }
                    if let target, response.status == .ok, !AccessPolicy.allows(access, by: principal, on: target.relations) {
                        Issue.record("\(username) \(method) \(path): 200 although the policy refuses \(access) of the \(target.kind)")
                    }
                }
            }
            // The owners see the full values, through the audited full view.
            let owners: [(String, Set<Role>, String?, String, PlantedRecords.Record)] = [
                ("o-approver", [.approver], "JTYS", "/cases/\(planted.application.id)/personal", planted.application),
                ("o-handler", [.handler], "JTYS", "/hotline/orders/\(planted.workOrder.id)/personal", planted.workOrder),
                ("ownerhelper", [.helper], nil, "/home-visits/\(planted.homeVisit.id)/personal", planted.homeVisit),
                ("o-super", [.supervisor], nil, "/cases/\(planted.application.id)/personal", planted.application),
            ]
            for (username, roles, department, path, record) in owners {
                if username != "ownerhelper" { try await PlantedRecords.staff(app, username, roles, department: department) }
                var browser = Browser(app)
                try await browser.signIn(username, PlantedRecords.password)
                let csrf = try #require(Browser.csrf(in: try await browser.get("/account/password").body.string))
                let full = try await browser.post(path, form: [("csrfToken", csrf)])
                #expect(full.status == .ok, "\(username) \(path)")
                for secret in record.secrets {
                    #expect(full.body.string.contains(secret), "\(username) \(path) lacks \(secret)")
                }
            }
            var clerk = try await Browser.owner(app, "ownerclerk")
            let notice = try await clerk.get("/notices/\(planted.notice.id)")
            #expect(notice.status == .ok)
            #expect(notice.body.string.contains("上官婉清"))
            print(
                "route sweep: \(swept.count) routes, \(requests) requests, \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
    }
}

extension Browser {
    /// A browser signed in as `username` (default test password).
    static func owner(_ app: Application, _ username: String) async throws -> Browser {
        var browser = Browser(app)
        try await browser.signIn(username, PlantedRecords.password)
        return browser
    }
}
