import Fluent
import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

/// `onewindow backup` / `restore`: a round trip keeps every table's row count and checksum.
@Suite("Backup and restore: every table's rows and checksum survive the round trip")
struct BackupTests {
    static let postgres = ProcessInfo.processInfo.environment["DATABASE_URL"].map { !$0.isEmpty } ?? false
    static let canRun = !postgres || (DatabaseBackup.toolExists("pg_dump") && DatabaseBackup.toolExists("pg_restore"))

    static func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ow-backup-\(UUID().uuidString).db").path
    }

    /// A case, a staff account and a session, so more than reference data is in the backup.
    static func fill(_ app: Application) async throws {
        CaseFixtures.setClock(app, "2025-03-05 09:00")
        let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
        #expect(try await CaseFixtures.create(app, token: token, itemCode: "421223RSJ0003").status == .created)
        var browser = Browser(app)
        _ = try await browser.signIn("clerk1", "test-pass-2025")
    }

    @Test(
        "Backup, change, restore --force: every table as it was at the backup; without --force a database with rows is refused",
        .enabled(if: canRun, "DATABASE_URL is set but pg_dump/pg_restore are not on PATH: the PostgreSQL round trip is skipped"))
    func roundTrip() async throws {
        try await withTestApp { app in
            try await Self.fill(app)
            let before = try await DatabaseBackup.digests(app.db)
            #expect(before["cases"]?.rows == 1)
            #expect(before["staff"]?.rows == 1)
            #expect(before["_fluent_sessions"]?.rows == 1)
            #expect(before.count >= 40)
            let path = Self.file()
            defer { try? FileManager.default.removeItem(atPath: path) }
            try await DatabaseBackup.backup(app, to: path)
            await #expect(throws: DatabaseBackup.Failure.self) { try await DatabaseBackup.backup(app, to: path) }

            try await makeStaff(app, username: "later", roles: [.clerk])
            let changed = try await DatabaseBackup.digests(app.db)
            #expect(changed["staff"]?.rows == 2)
            #expect(changed["staff"] != before["staff"])

            do {
                try await DatabaseBackup.restore(app, from: path, force: false)
                Issue.record("restore without --force overwrote a database with rows")
            } catch let failure as DatabaseBackup.Failure {
                #expect(failure.description == "当前数据库不是空的（\(changed.values.reduce(0) { $0 + $1.rows }) 行）；确认要用备份覆盖时加 --force")
            }
            #expect(try await DatabaseBackup.digests(app.db) == changed)

            try await DatabaseBackup.restore(app, from: path, force: true)
            #expect(try await DatabaseBackup.digests(app.db) == before)
            // The restored database works: the case is found by the app's own query.
            #expect(try await Case.query(on: app.db).count() == 1)
        }
    }

    @Test(
        "SQLite: a backup restores into another, empty database without --force, table for table",
        .enabled(if: !postgres, "the PostgreSQL dump restores into the schema it came from"))
    func intoEmptyDatabase() async throws {
        let path = Self.file()
        defer { try? FileManager.default.removeItem(atPath: path) }
        var before: [String: DatabaseBackup.TableDigest] = [:]
        try await withTestApp { app in
            try await Self.fill(app)
            try await DatabaseBackup.backup(app, to: path)
            before = try await DatabaseBackup.digests(app.db)
        }
        let app = try await Application.make(.testing)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ow-test-\(UUID().uuidString)")
        do {
            var settings = Settings(
                databaseURL: nil, dataDirectory: directory.path, region: try .init("421223000000"),
                timeZone: TimeZone(identifier: "Asia/Shanghai")!, adminPassword: nil, secureCookies: false)
            settings.dataKeys = TestKeys.list  // one index key per process (FieldCiphers.install)
            app.directory = DirectoryConfiguration(workingDirectory: TestPaths.repositoryRoot.path + "/")
            try await configure(app, settings: settings)
            #expect(try await DatabaseBackup.digests(app.db).isEmpty)
            try await DatabaseBackup.restore(app, from: path, force: false)
            #expect(try await DatabaseBackup.digests(app.db) == before)
        } catch {
            Issue.record(error)
        }
        try await app.asyncShutdown()
        try? FileManager.default.removeItem(at: directory)
    }
}
