import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Leaf
import NIOCore
import SQLKit
import Vapor

/// The kernel's part of configuring the application: settings, database, middleware, sessions, views and the route
/// groups (`app.site`) the modules register on; then, once every module has registered, the migrations in their one
/// order and the kernel's own routes and commands. It names no module.
enum Kernel {
    static func configure(_ app: Application, settings: Settings, postgresSchema: String?) throws {
        app.settings = settings
        app.signInThrottle = SignInThrottle()
        _ = app.clock
        app.lifecycle.use(OutboxLifecycle())
        FieldCiphers.install(try DataKeys.load(settings, logger: app.logger))
        app.lifecycle.use(SealingLifecycle())
        try configureDatabase(app, settings: settings, postgresSchema: postgresSchema)

        // Stable JSON: keys sorted, so the same answer is the same bytes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        ContentConfiguration.global.use(encoder: encoder, for: .json)

        app.middleware = Middlewares()
        app.middleware.use(DatabaseTimeMiddleware())
        app.middleware.use(SecurityHeadersMiddleware(https: settings.secureCookies))
        app.middleware.use(ErrorRenderingMiddleware())
        app.middleware.use(BodyLimitMiddleware())
        app.middleware.use(MethodNotAllowedMiddleware())
        app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))
        app.routes.defaultMaxBodySize = "1mb"

        app.sessions.use(.fluent)
        app.sessions.configuration = SessionsConfiguration(cookieName: "ow_session") { id in
            HTTPCookies.Value(
                string: id.string, maxAge: Int(settings.sessionLifetime), path: "/", isSecure: settings.secureCookies,
                isHTTPOnly: true, sameSite: .lax)
        }

        app.views.use(.leaf)
        if app.environment == .development || app.environment == .testing { app.leaf.cache.isEnabled = false }

        let web = app.grouped(
            BodyLimitMiddleware(collectsBody: true), app.sessions.middleware, StaffSessionAuthenticator(), CSRFMiddleware())
        app.site = Site(api: app, web: web, admin: web.grouped(RoleGuard(.admin)), root: app)
        app.get(.health, use: health)
        ServerMetrics.register(app)
        app.site.api.get(.openAPI, use: OpenAPIDocument.serve)
        ElderMode.register(web)
        AuditLogController().register(app.site.admin)
        app.migrationPlan.add("0007", M0007_CreateAuditEvents())
        app.migrationPlan.add("0013.9", M0013_9_CreatePlatformStores())
        app.migrationPlan.add("0015", M0015_CreateOutbox())
        app.migrationPlan.add("0020.5", M0020_5_AuditTimelineIndex())
        app.startUpTasks.add { app in
            let purged = try await StaffSession.purgeExpired(on: app.db, lifetime: app.settings.sessionLifetime)
            if purged > 0 { app.logger.info("purged \(purged) expired session(s)") }
        }
        app.sealedColumns.add(SealedColumn(OutboxMessage.schema, "recipient"))
        app.startUpTasks.add { app in app.sealedColumns.startInBackground(app) }
        app.asyncCommands.use(ImportCommand(), as: "import")
        app.asyncCommands.use(BackupCommand(), as: "backup")
        app.asyncCommands.use(RestoreCommand(), as: "restore")
        app.asyncCommands.use(RotateKeyCommand(), as: "rotate-key")
        app.asyncCommands.use(CryptBenchCommand(), as: "crypt-bench")
    }

    /// After the modules: every migration in its order, then the sessions table; the benchmark's bare routes.
    static func finish(_ app: Application) {
        for migration in app.migrationPlan.ordered { app.migrations.add(migration) }
        app.migrations.add(SessionRecord.migration)
        BenchRoutes.register(app)  // only with ONEWINDOW_BENCH=1 (bench/run.sh)
    }

    private static func configureDatabase(_ app: Application, settings: Settings, postgresSchema: String?) throws {
        if let url = settings.databaseURL {
            var config = try SQLPostgresConfiguration(url: url)
            if let postgresSchema { config.searchPath = [postgresSchema] }
            let postgres = DatabaseConfigurationFactory.postgres(
                configuration: config, maxConnectionsPerEventLoop: settings.postgresConnectionsPerEventLoop,
                connectionPoolTimeout: .seconds(60))
            app.databases.use(MeasuredDatabaseConfiguration(base: postgres.make()), as: .psql)
        } else {
            try FileManager.default.createDirectory(atPath: settings.dataDirectory, withIntermediateDirectories: true)
            let path = URL(fileURLWithPath: settings.dataDirectory).appendingPathComponent("onewindow.sqlite").path
            // One writer connection takes every write in turn, read-only connections the plain reads (see
            // SQLiteReadersWriter); a burst of writes (200 kiosks at opening time) waits its turn rather than failing
            // after the default 10 s.
            app.databases.use(
                SQLiteReadersWriter(path: path, readers: settings.sqliteReaders, writerTimeout: .seconds(60)), as: .sqlite)
        }
    }

    struct HealthDTO: Content {
        let status: String
        let database: String
    }

    /// `GET /health`: 200 `{"status": "ok", "database": "ok"}`, or 503 `degraded` / `unreachable` when the database
    /// does not answer.
    static func health(req: Request) async throws -> Response {
        let ok: Bool
        do {
            _ = try await (req.db as! any SQLDatabase).raw("SELECT 1 AS one").all()
            ok = true
        } catch {
            ok = false
        }
        return try await HealthDTO(status: ok ? "ok" : "degraded", database: ok ? "ok" : "unreachable")
            .encodeResponse(status: ok ? .ok : .serviceUnavailable, for: req)
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

/// Start-up housekeeping for `serve`, after `prepareDatabase`: the tasks the modules registered, in order (close
/// imports cut off by a previous stop, drop expired sessions, make sure an admin exists …).
public func startUpHousekeeping(_ app: Application) async throws {
    try await app.startUpTasks.run(app)
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
    return "http://\(host):\(port)\(SiteRoute.signIn.path())"
}
