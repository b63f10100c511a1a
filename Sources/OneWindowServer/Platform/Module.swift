import Fluent
import Foundation
import OneWindowCore
import Vapor

/// A module of the server (Directory, Cases, Hotline …). It registers its own parts on the application: routes
/// (on `app.site`), migrations (on `app.migrationPlan`, in the one global order), commands, staff menu entries and
/// the hooks other modules call through protocols. The kernel (Platform) names no module; the composition root
/// (`App/Configure.swift`) lists them.
protocol ServerModule {
    static func register(_ app: Application) throws
}

/// The route groups every module registers on, built once by the kernel. They add middleware only, never a path
/// prefix: every route registers its full `SiteRoute` (`/api/v1/items`, `/admin/halls`).
struct Site: @unchecked Sendable {
    /// The JSON API (`/api/v1/…` routes), outside the session; token-authenticated where a controller asks for it.
    let api: any RoutesBuilder
    /// Browser pages: session, signed-in staff (if any), CSRF on every unsafe method.
    let web: any RoutesBuilder
    /// Browser pages for admins only (`/admin/…` routes): the web group and a guard for the admin role.
    let admin: any RoutesBuilder
    /// The bare application, for routes outside the session (Open311, WebSockets).
    let root: any RoutesBuilder
}

/// The one ordered list of migrations. Each module adds its own under a key that fixes its place in the order
/// the database has always seen (`"0016"`, `"0016.1"` …); keys sort as strings, so they are zero-padded.
final class MigrationPlan: @unchecked Sendable {
    private var entries: [(key: String, migration: any Migration)] = []
    private let lock = NSLock()

    func add(_ key: String, _ migration: any Migration) {
        lock.withLock { entries.append((key, migration)) }
    }

    /// The migrations in key order; a key used twice is a programming error.
    var ordered: [any Migration] {
        lock.withLock {
            let keys = entries.map(\.key)
            precondition(Set(keys).count == keys.count, "two migrations share a key: \(keys.sorted())")
            return entries.sorted { $0.key < $1.key }.map(\.migration)
        }
    }
}

/// Which roles open each staff menu entry (`desk`, `hotline`, `annual` …), registered by the module that owns the
/// page, so the menus in the layout show only links that work.
final class MenuAccess: @unchecked Sendable {
    private var entries: [String: Set<Role>] = [:]
    private let lock = NSLock()

    func add(_ key: String, roles: Set<Role>) { lock.withLock { entries[key] = roles } }

    var all: [String: Set<Role>] { lock.withLock { entries } }
}

/// Tasks `serve` runs once at start, after the migrations (close interrupted imports, purge sessions, make sure an
/// admin exists …), registered by the modules in order.
final class StartUpTasks: @unchecked Sendable {
    typealias Job = @Sendable (Application) async throws -> Void
    private var jobs: [Job] = []
    private let lock = NSLock()

    func add(_ job: @escaping Job) { lock.withLock { jobs.append(job) } }

    func run(_ app: Application) async throws {
        for job in lock.withLock({ jobs }) { try await job(app) }
    }
}

extension Application {
    private struct SiteKey: StorageKey { typealias Value = Site }
    private struct MigrationPlanKey: StorageKey { typealias Value = MigrationPlan }
    private struct MenuAccessKey: StorageKey { typealias Value = MenuAccess }
    private struct StartUpKey: StorageKey { typealias Value = StartUpTasks }

    /// The route groups; set by the kernel before any module registers.
    var site: Site {
        get {
            guard let site = storage[SiteKey.self] else { fatalError("Kernel.configure sets the site before modules register") }
            return site
        }
        set { storage[SiteKey.self] = newValue }
    }

    var migrationPlan: MigrationPlan { storage.memo(MigrationPlanKey.self, MigrationPlan()) }
    var menuAccess: MenuAccess { storage.memo(MenuAccessKey.self, MenuAccess()) }
    var startUpTasks: StartUpTasks { storage.memo(StartUpKey.self, StartUpTasks()) }
}

extension Storage {
    /// The value under `key`, stored first from `make` when there is none.
    mutating func memo<Key: StorageKey>(_ key: Key.Type, _ make: @autoclosure () -> Key.Value) -> Key.Value {
        if let value = self[key] { return value }
        let value = make()
        self[key] = value
        return value
    }
}
