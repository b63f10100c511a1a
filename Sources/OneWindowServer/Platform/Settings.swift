import Foundation
import OneWindowCore
import Vapor

/// Deployment settings, read once from the environment at start-up.
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `DATABASE_URL` | unset → SQLite | `postgres://user:pass@host:5432/db`: use PostgreSQL |
/// | `ONEWINDOW_DATA_DIR` | `./data` | SQLite file and uploaded files |
/// | `ONEWINDOW_REGION` | `421223000000` | the county this site serves (行政区划代码) |
/// | `ONEWINDOW_TIMEZONE` | `Asia/Shanghai` | the zone of business days, deadlines and resets |
/// | `ONEWINDOW_ADMIN_PASSWORD` | random | the first admin's password (printed once when generated) |
/// | `ONEWINDOW_SECURE_COOKIES` | `true` outside development/testing | mark the session cookie `Secure` |
/// | `ONEWINDOW_PUBLIC_URL` | `http://127.0.0.1:8080` | the site's public address, for links sent by SMS |
/// | `ONEWINDOW_METRICS_TOKEN` | none | a Bearer token that may read `/metrics` from anywhere (loopback always may) |
/// | `ONEWINDOW_SQLITE_READERS` | cores, at least 2 | SQLite read-only connections (and their threads) |
/// | `ONEWINDOW_DATA_KEYS` | unset | data keys `index:BASE64,k2:BASE64,k1:BASE64` (first data key seals; `FieldCipher`) |
/// | `ONEWINDOW_DATA_KEY_FILE` | unset | a file holding the same list; with neither, `DATA_DIR/data-keys` is generated |
public struct Settings: Sendable {
    public var databaseURL: String?
    public var dataDirectory: String
    public var region: RegionCode
    public var timeZone: TimeZone
    public var adminPassword: String?
    public var secureCookies: Bool
    /// Session lifetime from sign-in, and idle limit, in seconds.
    public var sessionLifetime: TimeInterval = 8 * 3600
    public var sessionIdleLimit: TimeInterval = 30 * 60
    /// PostgreSQL connections per event loop (the test suite, running many apps at once, uses fewer).
    public var postgresConnectionsPerEventLoop: Int = 4
    /// Bcrypt cost for staff passwords (lowered only by the test suite).
    public var bcryptCost: Int = 12
    /// The public address of the site (no trailing slash), for links in SMS (`ONEWINDOW_PUBLIC_URL`).
    public var publicURL: String = "http://127.0.0.1:8080"
    /// The Bearer token that may read `/metrics` from another host (`ONEWINDOW_METRICS_TOKEN`); nil: loopback only.
    public var metricsToken: String?
    /// SQLite read-only connections beside the one writer (`ONEWINDOW_SQLITE_READERS`, 1…64).
    public var sqliteReaders: Int = max(2, System.coreCount)
    /// The data key list (`ONEWINDOW_DATA_KEYS`), or the path of a file holding it (`ONEWINDOW_DATA_KEY_FILE`).
    public var dataKeys: String?
    public var dataKeyFile: String?

    public static func fromEnvironment(_ environment: Environment) throws -> Settings {
        let env = ProcessInfo.processInfo.environment
        var settings = try basic(environment, env: env)
        settings.dataKeys = env["ONEWINDOW_DATA_KEYS"].flatMap { $0.isEmpty ? nil : $0 }
        settings.dataKeyFile = env["ONEWINDOW_DATA_KEY_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return settings
    }

    private static func basic(_ environment: Environment, env: [String: String]) throws -> Settings {
        let region = try RegionCode(env["ONEWINDOW_REGION"] ?? "421223000000", field: "ONEWINDOW_REGION")
        let zoneName = env["ONEWINDOW_TIMEZONE"] ?? "Asia/Shanghai"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw Abort(.internalServerError, reason: "ONEWINDOW_TIMEZONE=\(zoneName) is not a time zone")
        }
        let secureDefault = !(environment == .development || environment == .testing)
        let secure = env["ONEWINDOW_SECURE_COOKIES"].map { ["1", "true", "yes"].contains($0.lowercased()) } ?? secureDefault
        var settings = Settings(
            databaseURL: env["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
            dataDirectory: env["ONEWINDOW_DATA_DIR"] ?? "data",
            region: region,
            timeZone: zone,
            adminPassword: env["ONEWINDOW_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 },
            secureCookies: secure,
            publicURL: (env["ONEWINDOW_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080").trimmingCharacters(
                in: CharacterSet(charactersIn: "/")))
        settings.metricsToken = env["ONEWINDOW_METRICS_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = env["ONEWINDOW_SQLITE_READERS"] {
            guard let readers = Int(text), (1...64).contains(readers) else {
                throw Abort(.internalServerError, reason: "ONEWINDOW_SQLITE_READERS=\(text) is not a number from 1 to 64")
            }
            settings.sqliteReaders = readers
        }
        return settings
    }
}

extension Application {
    private struct SettingsKey: StorageKey { typealias Value = Settings }

    /// The deployment settings (set by `configure`).
    public var settings: Settings {
        get {
            guard let value = storage[SettingsKey.self] else { fatalError("configure(_:) has not set the settings") }
            return value
        }
        set { storage[SettingsKey.self] = newValue }
    }
}

extension Request {
    public var settings: Settings { application.settings }
}
