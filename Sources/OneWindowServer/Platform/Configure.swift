import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import NIOCore
import OneWindowCore
import SQLKit
import Vapor

/// Configures the application from the environment (`Settings.fromEnvironment`).
public func configure(_ app: Application) async throws {
    try await configure(app, settings: Settings.fromEnvironment(app.environment))
}

/// Configures the application with explicit settings: database, middleware, views, migrations, routes, commands.
/// Each module registers its own parts.
public func configure(_ app: Application, settings: Settings, postgresSchema: String? = nil) async throws {
    app.settings = settings
    app.backgroundImports = BackgroundImports(logger: app.logger)
    app.signInThrottle = SignInThrottle()
    app.progressThrottles = ProgressThrottles()
    app.appealThrottles = AppealThrottles()
    app.queueSettings = try QueueSettings.fromEnvironment()
    _ = app.calendarCache
    _ = app.clock
    app.lifecycle.use(BackgroundWorkLifecycle())
    app.lifecycle.use(OutboxLifecycle())
    app.lifecycle.use(RatingDefaultsLifecycle())

    try configureDatabase(app, settings: settings, postgresSchema: postgresSchema)

    // Stable JSON: keys sorted, so the same answer is the same bytes.
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    ContentConfiguration.global.use(encoder: encoder, for: .json)

    app.middleware = Middlewares()
    app.middleware.use(ErrorRenderingMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))
    app.routes.defaultMaxBodySize = "1mb"

    app.sessions.use(.fluent)
    app.sessions.configuration = SessionsConfiguration(cookieName: "ow_session") { id in
        HTTPCookies.Value(string: id.string, maxAge: Int(settings.sessionLifetime), path: "/", isSecure: settings.secureCookies,
                          isHTTPOnly: true, sameSite: .lax)
    }

    app.views.use(.leaf)
    if app.environment == .development || app.environment == .testing { app.leaf.cache.isEnabled = false }

    Migrations.register(app)
    try Routes.register(app)
    BenchRoutes.register(app)  // only with ONEWINDOW_BENCH=1 (bench/run.sh)
    Commands.register(app)
}

private func configureDatabase(_ app: Application, settings: Settings, postgresSchema: String?) throws {
    if let url = settings.databaseURL {
        var config = try SQLPostgresConfiguration(url: url)
        if let postgresSchema { config.searchPath = [postgresSchema] }
        app.databases.use(.postgres(configuration: config, maxConnectionsPerEventLoop: settings.postgresConnectionsPerEventLoop,
                                    connectionPoolTimeout: .seconds(60)), as: .psql)
    } else {
        try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
        let path = URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("onewindow.sqlite").path
        // One SQLite connection serves every request in turn (see SingleConnectionSQLite); a burst (200 kiosks at
        // opening time) waits its turn rather than failing after the default 10 s.
        app.databases.use(.singleConnection(.sqlite(.file(path), connectionPoolTimeout: .seconds(60))), as: .sqlite)
    }
}

/// Prepares a fresh or existing database: SQLite in WAL mode with `synchronous=NORMAL` (DESIGN.md, Performance: a
/// commit is durable once the WAL is synced at a checkpoint, and the database never corrupts) and a 64 MiB page cache
/// for a year of records; then migrations and reference data.
public func prepareDatabase(_ app: Application) async throws {
    if let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" {
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        try await sql.raw("PRAGMA synchronous=NORMAL").run()
        try await sql.raw("PRAGMA cache_size=-65536").run()
    }
    try await app.autoMigrate()
    if let sql = app.db as? any SQLDatabase, sql.dialect.name == "sqlite" {
        // Table statistics for the query planner (a year of data: without them it sorts the hotline list from the
        // wrong index); sampled, so it takes milliseconds, and only tables that changed much are analysed.
        try await sql.raw("PRAGMA analysis_limit=1000").run()
        try await sql.raw("PRAGMA optimize").run()
    }
}

enum Migrations {
    static func register(_ app: Application) {
        app.migrations.add(M0001_CreateRegions())
        app.migrations.add(M0002_CreateCalendar())
        app.migrations.add(M0003_CreateHalls())
        app.migrations.add(M0004_CreateDepartments())
        app.migrations.add(M0005_CreateWindows())
        app.migrations.add(M0006_CreateStaff())
        app.migrations.add(M0007_CreateAuditEvents())
        app.migrations.add(M0008_CreateServiceItems())
        app.migrations.add(M0009_CreateImportRuns())
        app.migrations.add(M0010_LoadRegions())
        app.migrations.add(M0011_LoadCalendars())
        app.migrations.add(M0012_LoadDemoOrganisation())
        app.migrations.add(M0013_LoadStarterCatalog())
        app.migrations.add(M0014_CreateCases())
        app.migrations.add(M0015_CreateOutbox())
        app.migrations.add(M0016_CreateFrontDesk())
        app.migrations.add(M0017_CreateHotline())
        app.migrations.add(M0018_CreateWorkOrderMedia())
        app.migrations.add(M0019_CreateEvaluation())
        app.migrations.add(M0020_StatsIndexes())
        app.migrations.add(SessionRecord.migration)
    }
}

enum Routes {
    static func register(_ app: Application) throws {
        app.get("health", use: health)

        let api = app.grouped("api", "v1")
        api.get("openapi.json", use: OpenAPIDocument.serve)
        CatalogAPIController().register(api)
        CalendarAPIController().register(api)
        CaseAPIController().register(api)
        AppointmentController.registerAPI(api)
        HotlineAPIController().register(api)
        Open311Controller().register(app)

        let web = app.grouped(app.sessions.middleware, StaffSessionAuthenticator(),
                              CSRFMiddleware(uploadLimits: [Paths.adminImports: CatalogImportAdminController.uploadLimit, Paths.adminCalendar: 1 << 20,
                                                            Paths.cases: FileStore.uploadLimit],
                                             uploadPrefixes: ["/apply/": FileStore.uploadLimit]))
        QueueWebController().register(web, api: api, app: app)
        ElderMode.register(web)
        GuideWebController().register(web)
        SignInController().register(web)
        PortalController().register(web)
        CaseWebController().register(web)
        CaseFiguresController().register(web.grouped(RoleGuard(.clerk, .approver, .supervisor, .director, .admin)))
        DeskController().register(web)
        AppointmentController().register(web)
        HomeVisitController().register(web)
        AssistController().register(web)
        DirectorShiftController().register(web)
        FrontDeskFiguresController().register(web)
        HotlineWebController().register(web)
        HotlineOrderController().register(web)
        HotlineDeskController().register(web)
        HotlineReportController().register(web)
        HotlinePortalController().register(web)
        RatingPadController().register(web)
        RatingLinkController().register(web, api: api)
        EvaluationWebController().register(web)
        ComplaintController().register(web)
        AnnualReportController().register(web)
        ExportController().register(web)
        DashboardController().register(web)
        _ = app.hotlineDispatchModel

        let admin = web.grouped("admin").grouped(RoleGuard(.admin))
        AdminController().register(admin)
        HallAdminController().register(admin)
        DepartmentAdminController().register(admin)
        WindowAdminController().register(admin)
        StaffAdminController().register(admin)
        CatalogImportAdminController().register(admin)
        CatalogItemAdminController().register(admin)
        CalendarAdminController().register(admin)
        HotlineCategoryAdminController().register(admin)
    }

    struct HealthDTO: Content {
        let status: String
        let database: String
    }

    static func health(req: Request) async throws -> Response {
        let ok: Bool
        do {
            _ = try await Region.query(on: req.db).limit(1).all()
            ok = true
        } catch {
            ok = false
        }
        return try await HealthDTO(status: ok ? "ok" : "degraded", database: ok ? "ok" : "unreachable")
            .encodeResponse(status: ok ? .ok : .serviceUnavailable, for: req)
    }
}

/// Start-up housekeeping for `serve`: close imports cut off by a previous stop, drop expired sessions.
public func startUpHousekeeping(_ app: Application) async throws {
    let closed = try await CatalogImporter.closeAbandonedRuns(on: app.db)
    if closed > 0 { app.logger.warning("closed \(closed) catalogue import(s) interrupted by a previous stop") }
    let purged = try await StaffSession.purgeExpired(on: app.db, lifetime: app.settings.sessionLifetime)
    if purged > 0 { app.logger.info("purged \(purged) expired session(s)") }
}

/// Makes sure an admin exists; when a password had to be generated, prints it once for the operator.
public func ensureFirstAdmin(_ app: Application) async throws {
    let settings = app.settings
    if let generated = try await StaffAccounts.ensureAdmin(
        password: settings.adminPassword, region: settings.region.value, cost: settings.bcryptCost, on: app.db)
    {
        print("""
            ================================================================
             首次启动：已创建管理员账号 admin
             一次性密码：\(generated)
             请登录 \(signInURL(arguments: CommandLine.arguments)) 并立即修改密码（此密码只显示这一次）
            ================================================================
            """)
    }
}

/// The sign-in address for the banner, from `serve`'s `--hostname`/`-H` and `--port`/`-p` (Vapor's defaults
/// otherwise).
func signInURL(arguments: [String]) -> String {
    func value(_ names: Set<String>) -> String? {
        for (index, argument) in arguments.enumerated() {
            if names.contains(argument), index + 1 < arguments.count { return arguments[index + 1] }
            for name in names where argument.hasPrefix(name + "=") { return String(argument.dropFirst(name.count + 1)) }
        }
        return nil
    }
    let host = value(["--hostname", "-H"]) ?? "127.0.0.1"
    let port = value(["--port", "-p"]) ?? "8080"
    return "http://\(host):\(port)/signin"
}

/// Lets running background imports finish before the application shuts down.
struct BackgroundWorkLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.backgroundImports.waitForAll()
    }
}
