import Fluent
import Foundation
import OneWindowCore
import Vapor

/// What every domain service works with, built once per request (or per command): the database (or the
/// transaction it runs in), the working-day calendar, the deployment's zone and region (12-digit code), who acts
/// (audit), the signed-in account, the instant, the public address for links in SMS texts, and the hooks through
/// which one module asks another (`hooks.require(RatingInvitations.self)`) without naming it.
struct ServiceContext: Sendable {
    var db: any Database
    let calendar: WorkingCalendar
    let zone: TimeZone
    let region: String
    let actor: Actor
    let principal: Principal?
    let now: Date
    let hooks: Hooks
    /// `ONEWINDOW_PUBLIC_URL`, without a trailing slash.
    let publicURL: String

    init(
        db: any Database, calendar: WorkingCalendar, zone: TimeZone, region: String, actor: Actor, principal: Principal? = nil,
        now: Date, hooks: Hooks, publicURL: String = "http://127.0.0.1:8080"
    ) {
        self.db = db
        self.calendar = calendar
        self.zone = zone
        self.region = region
        self.actor = actor
        self.principal = principal
        self.now = now
        self.hooks = hooks
        self.publicURL = publicURL
    }

    /// The request's context: its database, the cached calendar, the site's settings, the signed-in account.
    init(_ req: Request) async throws {
        self.init(
            db: req.db, calendar: try await req.application.workingCalendars.calendar(on: req.db), zone: req.settings.timeZone,
            region: req.settings.region.value, actor: req.actor, principal: req.auth.get(Principal.self), now: req.now,
            hooks: req.application.hooks, publicURL: req.settings.publicURL)
    }

    /// A command's context: the application's database and settings, acting as `actor` at the clock's time.
    init(_ app: Application, actor: Actor) async throws {
        self.init(
            db: app.db, calendar: try await app.workingCalendars.calendar(on: app.db), zone: app.settings.timeZone,
            region: app.settings.region.value, actor: actor, now: app.clock.now, hooks: app.hooks, publicURL: app.settings.publicURL)
    }

    /// The same context on another connection (the transaction a change runs in).
    func on(_ db: any Database) -> ServiceContext {
        var copy = self
        copy.db = db
        return copy
    }

    /// Local date of `now`.
    var today: LocalDate { LocalDate(now, in: zone) }
}

/// The hooks one module provides for others, by protocol: Evaluation provides `RatingInvitations` for Cases, FrontDesk
/// provides `CaseOrigins` … The protocol lives with the module that asks; the kernel only keeps the table.
final class Hooks: @unchecked Sendable {
    private var byType: [ObjectIdentifier: Any] = [:]
    private var listsByType: [ObjectIdentifier: [Any]] = [:]
    private let lock = NSLock()

    /// Adds one more provider of `type`, for hooks that many modules answer (`all(_:)` returns them in order).
    func add<P>(_ type: P.Type, _ value: P) {
        lock.withLock { listsByType[ObjectIdentifier(type), default: []].append(value) }
    }

    /// Every provider added for `type`, in the order the modules registered.
    func all<P>(_ type: P.Type) -> [P] {
        lock.withLock { (listsByType[ObjectIdentifier(type)] ?? []).compactMap { $0 as? P } }
    }

    func provide<P>(_ type: P.Type, _ value: P) {
        lock.withLock { byType[ObjectIdentifier(type)] = value }
    }

    func get<P>(_ type: P.Type) -> P? {
        lock.withLock { byType[ObjectIdentifier(type)] as? P }
    }

    /// The provider of `type`; a missing one is a configuration error of the composition root.
    func require<P>(_ type: P.Type) -> P {
        guard let value = get(type) else { fatalError("no module provides \(type)") }
        return value
    }
}

/// The working-day calendar of every loaded year (Calendar provides it, cached).
protocol WorkingCalendarSource: Sendable {
    func calendar(on db: any Database) async throws -> WorkingCalendar
}

extension Application {
    private struct HooksKey: StorageKey { typealias Value = Hooks }
    private struct CalendarSourceKey: StorageKey { typealias Value = any WorkingCalendarSource }

    var hooks: Hooks { storage.memo(HooksKey.self, Hooks()) }

    var workingCalendars: any WorkingCalendarSource {
        get {
            guard let source = storage[CalendarSourceKey.self] else { fatalError("the Calendar module sets app.workingCalendars") }
            return source
        }
        set { storage[CalendarSourceKey.self] = newValue }
    }
}

/// A domain service that works in a `ServiceContext`: the context's parts under their usual names, once.
protocol ContextService {
    var context: ServiceContext { get }
}

extension ContextService {
    var db: any Database { context.db }
    var calendar: WorkingCalendar { context.calendar }
    var zone: TimeZone { context.zone }
    var region: String { context.region }
    var actor: Actor { context.actor }
    var now: Date { context.now }
    var publicURL: String { context.publicURL }
    var today: LocalDate { context.today }
}
