import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The window rating pad (评价器, 一次一评): a tablet bound to one window. After the clerk finishes a service there
/// (the ticket is served), the pad shows that service with five large buttons; one tap records the overall
/// rating, and the optional on-site items can follow. Idle, it reloads every 3 seconds. Only the service just
/// finished at this window (within 10 minutes) can be rated, so nobody rates on the applicant's behalf later.
struct RatingPadController {
    static let freshFor: TimeInterval = 10 * 60

    func register(_ web: any RoutesBuilder) {
        web.get(.pad, use: pad)
        web.post(.pad, use: rate)
        // The help desk's pad, bound to one helper: rates the interaction the helper has just logged.
        web.get(.helperPad, use: helperPad)
        web.post(.helperPad, use: rateHelp)
    }

    struct Context: Encodable {
        struct Button: Encodable { let level: Int; let label: String }
        let page: PageChrome
        /// The service waiting for its rating, if any: its id and the line the pad shows.
        let subjectID: String?
        let service: String?
        /// Where the pad posts and reloads (`/pad/{window}` or `/pad/helpers/{staff}`), and its title while idle.
        let path: String
        let idleTitle: String
        let buttons: [Button]
        let thanks: String?
    }

    private func window(_ req: Request) async throws -> Window {
        guard let id = req.parameters.get("window").flatMap(UUID.init(uuidString:)),
            let window = try await Window.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "窗口") }
        return window
    }

    /// The service just finished at `window` and not rated yet.
    static func pending(at window: Window, now: Date, on db: any Database) async throws -> Ticket? {
        // Once the next person is called to the window, the last service can no longer be rated here.
        let open = try await Ticket.query(on: db).filter(\.$window.$id == window.requireID()).filter(\.$state ~~ [.called, .serving])
            .count()
        guard open == 0 else { return nil }
        let since = now.addingTimeInterval(-freshFor)
        let served = try await Ticket.query(on: db).filter(\.$window.$id == window.requireID()).filter(\.$state == .served)
            .filter(\.$finishedAt >= since).sort(\.$finishedAt, .descending).first()
        guard let served, let id = served.id else { return nil }
        let rated = try await Rating.query(on: db).filter(\.$subjectKind == .windowService).filter(\.$subjectID == id).count() > 0
        return rated ? nil : served
    }

    func pad(req: Request) async throws -> View {
        let window = try await window(req)
        let ticket = try await Self.pending(at: window, now: req.now, on: req.db)
        return try await render(
            req, title: "\(window.number) 号窗口 · 服务评价", subjectID: ticket?.id,
            service: ticket.map { "\($0.number) · \(window.number) 号窗口" + ($0.staffName.map { " · 工作人员 \($0)" } ?? "") },
            path: SiteRoute.pad.path(try window.requireID()), idleTitle: "\(window.number) 号窗口")
    }

    func rate(req: Request) async throws -> Response {
        let window = try await window(req)
        let pending = try await Self.pending(at: window, now: req.now, on: req.db)
        return try await tap(req, pendingID: pending?.id, kind: .windowService, route: .pad, id: try window.requireID())
    }

    // MARK: The help desk's pad

    private func helper(_ req: Request) async throws -> Staff {
        guard let id = req.parameters.get("staff").flatMap(UUID.init(uuidString:)),
            let staff = try await Staff.find(id, in: req.settings.region.value, on: req.db), staff.has(.helper)
        else { throw PlatformError.notFound(what: "帮办员") }
        return staff
    }

    /// The interaction the helper logged in the last 10 minutes and not rated yet.
    static func pendingHelp(by staff: Staff, now: Date, on db: any Database) async throws -> Assistance? {
        let latest = try await Assistance.query(on: db).filter(\.$staffID == staff.requireID()).filter(
            \.$occurredAt >= now.addingTimeInterval(-freshFor)
        )
        .sort(\.$occurredAt, .descending).first()
        guard let latest, let id = latest.id else { return nil }
        let rated = try await Rating.query(on: db).filter(\.$subjectKind == .assistance).filter(\.$subjectID == id).count() > 0
        return rated ? nil : latest
    }

    func helperPad(req: Request) async throws -> View {
        let staff = try await helper(req)
        let help = try await Self.pendingHelp(by: staff, now: req.now, on: req.db)
        return try await render(
            req, title: "帮办台 · 服务评价", subjectID: help?.id,
            service: help.map { "\($0.kind.label)" + ($0.itemName.map { " · \($0)" } ?? "") + " · 帮办员 \(staff.displayName)" },
            path: SiteRoute.helperPad.path(try staff.requireID()), idleTitle: "帮办台 · \(staff.displayName)")
    }

    func rateHelp(req: Request) async throws -> Response {
        let staff = try await helper(req)
        let pending = try await Self.pendingHelp(by: staff, now: req.now, on: req.db)
        return try await tap(req, pendingID: pending?.id, kind: .assistance, route: .helperPad, id: try staff.requireID())
    }

    // MARK: Shared by both pads

    private func render(_ req: Request, title: String, subjectID: UUID?, service: String?, path: String, idleTitle: String) async throws
        -> View
    {
        var page = PageChrome(request: req, title: title, forms: true)
        page.bodyClass = "kiosk-page pad-page"
        let thanks = (try? req.query.get(String.self, at: "thanks")).flatMap(Int.init).flatMap(RatingLevel.init(rawValue:))?.label
        return try await req.view.render(
            "evaluation/pad",
            Context(
                page: page, subjectID: subjectID?.uuidString, service: service, path: path, idleTitle: idleTitle,
                buttons: RatingLevel.allCases.reversed().map { .init(level: $0.rawValue, label: $0.label) }, thanks: thanks))
    }

    /// One tap on a pad: the overall level of the service waiting there (`pendingID`). A tap for anything else — rated
    /// already (a double tap), too late, the next person at the window — goes back to the waiting pad, never to an
    /// error page on the tablet.
    private func tap(_ req: Request, pendingID: UUID?, kind: RatingSubjectKind, route: SiteRoute, id padID: UUID) async throws
        -> Response
    {
        let path = route.path(padID)
        let form = try req.formFields()
        guard let id = form["subject"].flatMap(UUID.init(uuidString:)), id == pendingID else { return req.redirect(to: path) }
        guard let score = form["level"].flatMap({ Int($0) }) else {
            throw PlatformError.invalidField(.init(field: "level", message: "请选择评价等级"))
        }
        let level: RatingLevel
        do { level = try RatingLevel(score: score) } catch { throw PlatformError.invalidField(error) }
        let service = try await RatingService(req)
        do {
            _ = try await service.record(
                try await service.subject(kind, id, on: req.db), levels: [.overall: level], channel: .pad, comment: nil)
        } catch EvaluationError.alreadyRated {
            return req.redirect(to: path)
        }
        return req.redirect(to: route.path(padID, query: ["thanks": "\(level.rawValue)"]))
    }
}
