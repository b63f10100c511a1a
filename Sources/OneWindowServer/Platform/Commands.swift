import Fluent
import Foundation
import OneWindowCore
import Vapor

enum Commands {
    static func register(_ app: Application) {
        app.asyncCommands.use(ImportCommand(), as: "import")
        app.asyncCommands.use(CreateAdminCommand(), as: "create-admin")
        app.asyncCommands.use(DemoCasesCommand(), as: "demo-cases")
        app.asyncCommands.use(CreateTokenCommand(), as: "create-token")
        app.asyncCommands.use(HotlineCommand(), as: "hotline")
        app.asyncCommands.use(SimulateCommand(), as: "simulate")
        app.asyncCommands.use(ReportCommand(), as: "report")
    }
}

/// `onewindow import catalog FILE.csv [--region CODE]` and `onewindow import calendar FILE.json`.
struct ImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "kind", help: "catalog | calendar | hotline (FILE is then the message-board directory)")
        var kind: String
        @Argument(name: "file", help: "the file to import")
        var file: String
        @Option(name: "region", help: "12-digit region code for a catalogue (default: from the file's region column)")
        var region: String?
    }

    var help: String { "Imports a catalogue CSV (实施清单) or a holiday calendar year (holiday-cn JSON)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        if signature.kind == "hotline" {
            try await HotlineImportCommand.run(directory: signature.file, app: app, console: context.console)
            return
        }
        guard let data = FileManager.default.contents(atPath: signature.file) else {
            context.console.error("无法读取文件 \(signature.file)")
            throw ExitCode(1)
        }
        switch signature.kind {
        case "catalog":
            try await importCatalog(data, name: signature.file, region: signature.region, app: app, console: context.console)
        case "calendar":
            let year: HolidayYear
            do {
                year = try HolidayYear.decode(data)
            } catch let error as CalendarError {
                context.console.error(error.message)
                throw ExitCode(1)
            }
            let replaced = try await CalendarYear.find(year.year, on: app.db) != nil
            try await CalendarQueries.storeAudited(
                year, source: "cli:\((signature.file as NSString).lastPathComponent)", replaced: replaced,
                region: app.settings.region.value, actor: .commandLine, on: app.db)
            context.console.print("已\(replaced ? "替换" : "载入") \(year.year) 年节假日安排：\(year.days.count) 天（补班 \(year.days.filter { !$0.isOffDay }.count) 天）")
            if let note = CalendarQueries.sanityNote(for: year) { context.console.warning(note) }
        default:
            context.console.error("未知的导入类型 \(signature.kind)：可用 catalog、calendar 或 hotline")
            throw ExitCode(2)
        }
    }

    private func importCatalog(_ data: Data, name: String, region: String?, app: Application, console: any Console) async throws {
        let table = try CatalogImporter.parse(String(decoding: data, as: UTF8.self))
        let target: RegionCode
        if let region {
            target = try RegionCode(region, field: "--region")
        } else {
            target = try await CatalogImporter.region(of: table, on: app.db, fallback: app.settings.region)
        }
        let run = try await CatalogImporter.begin(
            fileName: (name as NSString).lastPathComponent, total: table.records.count, region: target, actor: .commandLine, on: app.db)
        console.print("导入 \((name as NSString).lastPathComponent)：\(table.records.count) 行 → 行政区划 \(target.value)")
        let bar = console.progressBar(title: "导入中")
        bar.start()
        let progressTask = Task {
            while !Task.isCancelled {
                if let current = try? await ImportRun.find(run.id, on: app.db), current.total > 0 {
                    bar.activity.currentProgress = Double(current.processed) / Double(current.total)
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let finished = try await CatalogImporter.run(run, table: table, actor: .commandLine, on: app.db)
        progressTask.cancel()
        bar.activity.currentProgress = 1
        bar.succeed()
        for line in Self.summary(finished) { console.print(line) }
        if finished.status == .failed {
            console.error(finished.error ?? "导入失败")
            throw ExitCode(1)
        }
    }

    /// The result table the command prints: one line per outcome with its count.
    static func summary(_ run: ImportRun) -> [String] {
        [
            "结果        行数",
            "新增 imported   \(run.importedCount)",
            "更新 updated    \(run.updatedCount)",
            "存疑 flagged    \(run.flaggedCount)  （保存为草稿，待管理员补全）",
            "未变 unchanged  \(run.unchangedCount)",
            "拒绝 rejected   \(run.rejectedCount)",
            "合计 total      \(run.processed)",
        ]
    }
}

/// `onewindow create-admin USERNAME` — creates another admin account and prints its one-time password.
struct CreateAdminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "username", help: "sign-in name of the new admin")
        var username: String
        @Option(name: "name", help: "display name")
        var name: String?
    }

    var help: String { "Creates an admin account with a one-time password (must be changed at first sign-in)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let password = ProcessInfo.processInfo.environment["ONEWINDOW_ADMIN_PASSWORD"] ?? PasswordPolicy.generate()
        try await StaffAccounts.create(
            .init(username: signature.username, displayName: signature.name ?? "管理员", password: password, roles: [.admin],
                  hallID: nil, departmentID: nil, mustChangePassword: true),
            region: app.settings.region.value, actor: .commandLine, cost: app.settings.bcryptCost, on: app.db)
        context.console.print("已创建管理员 \(signature.username)，一次性密码：\(password)（首次登录后须修改）")
    }
}

/// `onewindow create-token USERNAME [--name NAME] [--scopes cases:read,cases:write]` — an API token for another
/// system acting as that staff member; printed once.
struct CreateTokenCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "username", help: "the staff account the token acts as")
        var username: String
        @Option(name: "name", help: "what the token is for (default: api)")
        var name: String?
        @Option(name: "scopes", help: "comma-separated: cases:read,cases:write (default: both)")
        var scopes: String?
    }

    var help: String { "Creates an API token (Bearer) for a staff account and prints it once." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        guard let staff = try await Staff.query(on: app.db).filter(\.$username == signature.username.lowercased()).first(), staff.active else {
            context.console.error("没有找到启用中的账号 \(signature.username)")
            throw ExitCode(1)
        }
        let scopes = Set((signature.scopes ?? APITokens.scopes.joined(separator: ",")).split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) })
        do {
            let token = try await APITokens.create(for: staff, name: signature.name ?? "api", scopes: scopes, actor: .commandLine, on: app.db)
            context.console.print("接口令牌（只显示这一次）：\(token)")
        } catch let error as PlatformError {
            context.console.error(error.reason)
            throw ExitCode(1)
        }
    }
}

/// A command that has already told the operator what went wrong, and ends with this status.
public protocol CommandLineExit: Error {
    var exitStatus: Int32 { get }
}

struct ExitCode: CommandLineExit, CustomStringConvertible {
    let code: Int32
    var exitStatus: Int32 { code }
    init(_ code: Int32) { self.code = code }
    var description: String { "命令未完成（退出码 \(code)）" }
}
