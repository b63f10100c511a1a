import ConsoleKit
import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

/// Backup and restore of the whole database, SQLite or PostgreSQL, and the per-table digest a round trip is checked by.
///
/// - SQLite: `VACUUM INTO FILE` — an online, consistent copy taken while the server runs (readers and writers are not
///   stopped), as a plain SQLite file. Restore attaches FILE and, in one transaction, replaces every table, index and
///   trigger of the live database with the file's.
/// - PostgreSQL: `pg_dump --format=custom` of the connection's current schema; restore drops and recreates that schema
///   (tables, functions, triggers) and runs `pg_restore` into it. Both tools must be on `PATH`.
/// Restore refuses a database holding any row unless `force` (`DatabaseBackup.Failure.notEmpty`).
enum DatabaseBackup {
    /// One table's fingerprint: its row count and the SHA-256 (hex) of its rows, each row's columns quoted and
    /// joined, rows in sorted order — equal digests mean equal contents, whatever the physical order.
    struct TableDigest: Equatable, Sendable, CustomStringConvertible {
        let rows: Int
        let sha256: String
        var description: String { "\(rows) 行 sha256=\(sha256.prefix(16))" }
    }

    enum Failure: Error, CustomStringConvertible {
        case exists(String)
        case missing(String)
        case notEmpty(rows: Int)
        case tool(String, status: Int32)
        case missingTool(String)

        var description: String {
            switch self {
            case .exists(let path): return "备份文件 \(path) 已存在，不会覆盖；请换一个文件名"
            case .missing(let path): return "找不到备份文件 \(path)"
            case .notEmpty(let rows): return "当前数据库不是空的（\(rows) 行）；确认要用备份覆盖时加 --force"
            case .tool(let name, let status): return "\(name) 失败（退出码 \(status)）"
            case .missingTool(let name): return "找不到 \(name)：请安装 PostgreSQL 客户端工具并放在 PATH 中"
            }
        }
    }

    static func isSQLite(_ db: any Database) -> Bool { (db as? any SQLDatabase)?.dialect.name == "sqlite" }

    /// Writes a backup of the whole database to `path` (a new file).
    /// - Throws: `Failure.exists` when `path` exists; `Failure.tool` when `pg_dump` fails; database errors.
    static func backup(_ app: Application, to path: String) async throws {
        guard !FileManager.default.fileExists(atPath: path) else { throw Failure.exists(path) }
        let sql = app.db as! any SQLDatabase
        if isSQLite(app.db) {
            try await sql.raw("VACUUM INTO \(literal: path)").run()
        } else {
            let schema = try await currentSchema(sql)
            try run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--schema=\(schema)", "--file=\(path)", url(app)])
        }
    }

    /// Replaces the database's contents with the backup at `path`.
    /// - Throws: `Failure.missing`; `Failure.notEmpty` when a table holds rows and `force` is false; `Failure.tool`.
    static func restore(_ app: Application, from path: String, force: Bool) async throws {
        guard FileManager.default.fileExists(atPath: path) else { throw Failure.missing(path) }
        let rows = try await digests(app.db).values.reduce(0) { $0 + $1.rows }
        guard force || rows == 0 else { throw Failure.notEmpty(rows: rows) }
        if isSQLite(app.db) {
            try await app.db.withConnection { db in try await restoreSQLite(db as! any SQLDatabase, from: path) }
        } else {
            let sql = app.db as! any SQLDatabase
            let schema = try await currentSchema(sql)
            // The schema's tables, functions and triggers go with it; the dump brings them back.
            try await sql.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
            try await sql.raw("CREATE SCHEMA \(ident: schema)").run()
            // Everything but the schema itself, created above (its CREATE would fail the restore).
            let list = try run("pg_restore", ["--list", path]).split(separator: "\n").filter { !$0.contains(" SCHEMA ") }
            let listFile = FileManager.default.temporaryDirectory.appendingPathComponent("ow-restore-\(UUID().uuidString).list")
            try list.joined(separator: "\n").write(to: listFile, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: listFile) }
            try run(
                "pg_restore",
                ["--no-owner", "--no-privileges", "--exit-on-error", "--use-list=\(listFile.path)", "--dbname=\(url(app))", path])
        }
    }

    /// Every table's digest (`TableDigest`) by name, for the backup's report and the round-trip test.
    static func digests(_ db: any Database) async throws -> [String: TableDigest] {
        let sql = db as! any SQLDatabase
        var result: [String: TableDigest] = [:]
        for table in try await tables(sql) {
            let rowText: String
            if isSQLite(db) {
                let columns = try await sql.raw("SELECT name FROM pragma_table_info(\(literal: table)) ORDER BY cid").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                rowText = columns.map { "quote(\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\")" }.joined(separator: " || ',' || ")
            } else {
                rowText = "t::text"
            }
            let rows = try await sql.raw("SELECT \(unsafeRaw: rowText) AS r FROM \(ident: table) t ORDER BY 1").all()
            var hash = SHA256()
            for row in rows {
                hash.update(data: Data((try row.decodeNil(column: "r") ? "NULL" : try row.decode(column: "r", as: String.self)).utf8))
                hash.update(data: Data([0x0A]))
            }
            result[table] = TableDigest(rows: rows.count, sha256: hash.finalize().map { String(format: "%02x", $0) }.joined())
        }
        return result
    }

    /// The user tables of the database (SQLite: not `sqlite_*`; PostgreSQL: the current schema's base tables), sorted.
    static func tables(_ sql: any SQLDatabase) async throws -> [String] {
        let query: SQLQueryString =
            sql.dialect.name == "sqlite"
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
        return try await sql.raw(query).all().map { try $0.decode(column: "name", as: String.self) }
    }

    /// In one transaction on one connection: drop every table and view, then recreate the file's tables, copy their
    /// rows, and recreate its indexes, triggers and views.
    private static func restoreSQLite(_ sql: any SQLDatabase, from path: String) async throws {
        try await sql.raw("ATTACH DATABASE \(literal: path) AS backup").run()
        do {
            try await sql.raw("PRAGMA foreign_keys = OFF").run()
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                for object in try await sql.raw(
                    "SELECT type, name FROM main.sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
                ).all() {
                    let name = try object.decode(column: "name", as: String.self)
                    let kind = try object.decode(column: "type", as: String.self) == "view" ? "VIEW" : "TABLE"
                    try await sql.raw("DROP \(unsafeRaw: kind) IF EXISTS main.\(ident: name)").run()
                }
                let schema = try await sql.raw(
                    "SELECT type, name, sql FROM backup.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END"
                ).all()
                for object in schema {
                    let name = try object.decode(column: "name", as: String.self)
                    try await sql.raw("\(unsafeRaw: try object.decode(column: "sql", as: String.self))").run()
                    if try object.decode(column: "type", as: String.self) == "table" {
                        try await sql.raw("INSERT INTO main.\(ident: name) SELECT * FROM backup.\(ident: name)").run()
                    }
                }
                if try await sql.raw("SELECT 1 AS one FROM backup.sqlite_master WHERE name = 'sqlite_sequence'").first() != nil {
                    try await sql.raw("DELETE FROM main.sqlite_sequence").run()
                    try await sql.raw("INSERT INTO main.sqlite_sequence SELECT * FROM backup.sqlite_sequence").run()
                }
                try await sql.raw("COMMIT").run()
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        } catch {
            try? await sql.raw("DETACH DATABASE backup").run()
            throw error
        }
        try await sql.raw("DETACH DATABASE backup").run()
        try await sql.raw("PRAGMA foreign_keys = ON").run()
    }

    private static func currentSchema(_ sql: any SQLDatabase) async throws -> String {
        try await sql.raw("SELECT current_schema() AS name").first().map { try $0.decode(column: "name", as: String.self) } ?? "public"
    }

    private static func url(_ app: Application) -> String { app.settings.databaseURL ?? "" }

    /// Runs a PostgreSQL client tool found on `PATH`, waiting for it; returns what it wrote to standard output.
    /// - Throws: `Failure.tool` on a non-zero exit status (its own message went to standard error).
    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        let output = Pipe()
        guard let executable = toolPath(tool) else { throw Failure.missingTool(tool) }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure.tool(tool, status: process.terminationStatus) }
        return String(decoding: data, as: UTF8.self)
    }

    /// Where `tool` (e.g. `pg_dump`) is on `PATH`, or nil.
    static func toolPath(_ tool: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(tool)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func toolExists(_ tool: String) -> Bool { toolPath(tool) != nil }
}

/// `onewindow backup FILE`: an online backup of the database to a new FILE; prints each table's rows and digest.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "the backup file to write (must not exist)")
        var file: String
    }

    var help: String { "Backs up the database to FILE (SQLite: VACUUM INTO, online; PostgreSQL: pg_dump)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        do {
            try await DatabaseBackup.backup(context.application, to: signature.file)
        } catch let failure as DatabaseBackup.Failure {
            context.console.error(failure.description)
            throw ExitCode(1)
        }
        let digests = try await DatabaseBackup.digests(context.application.db)
        for (table, digest) in digests.sorted(by: { $0.key < $1.key }) { context.console.print("\(table)\t\(digest)") }
        context.console.print("已备份 \(digests.count) 张表到 \(signature.file)")
    }
}

/// `onewindow restore FILE [--force]`: replaces the database with a backup; refuses a non-empty database without
/// `--force`. Stop the server first.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "a file written by `onewindow backup`")
        var file: String
        @Flag(name: "force", help: "overwrite a database that holds data")
        var force: Bool
    }

    var help: String { "Restores the database from a backup FILE (refuses a non-empty database without --force)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        do {
            try await DatabaseBackup.restore(context.application, from: signature.file, force: signature.force)
        } catch let failure as DatabaseBackup.Failure {
            context.console.error(failure.description)
            throw ExitCode(1)
        }
        let digests = try await DatabaseBackup.digests(context.application.db)
        for (table, digest) in digests.sorted(by: { $0.key < $1.key }) { context.console.print("\(table)\t\(digest)") }
        context.console.print("已从 \(signature.file) 恢复 \(digests.count) 张表")
    }
}
