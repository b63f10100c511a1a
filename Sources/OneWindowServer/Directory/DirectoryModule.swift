import ConsoleKit
import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Directory: regions, halls, departments, windows and staff accounts with their roles; staff sign-in; the admin's
/// pages for each; `onewindow create-admin` and `create-token`. Owns `regions`, `halls`, `departments`, `windows`,
/// `staff`. It provides the kernel's `AccountDirectory`; other modules set up a new hall through `HallSetup`.
enum DirectoryModule: ServerModule {
    static func register(_ app: Application) throws {
        app.accounts = StaffDirectory()
        for (key, migration) in [
            ("0001", M0001_CreateRegions()), ("0003", M0003_CreateHalls()), ("0004", M0004_CreateDepartments()),
            ("0005", M0005_CreateWindows()), ("0006", M0006_CreateStaff()), ("0010", M0010_LoadRegions()),
            ("0012", M0012_LoadDemoOrganisation()),
        ] as [(String, any Migration)] {
            app.migrationPlan.add(key, migration)
        }
        SignInController().register(app.site.web)
        HallAdminController().register(app.site.admin)
        DepartmentAdminController().register(app.site.admin)
        WindowAdminController().register(app.site.admin)
        StaffAdminController().register(app.site.admin)
        app.asyncCommands.use(CreateAdminCommand(), as: "create-admin")
        app.asyncCommands.use(CreateTokenCommand(), as: "create-token")
        app.startUpTasks.add(ensureFirstAdmin)
    }

    /// Makes sure an admin exists; when a password had to be generated, prints it once for the operator.
    @Sendable static func ensureFirstAdmin(_ app: Application) async throws {
        let settings = app.settings
        if let generated = try await StaffAccounts.ensureAdmin(
            password: settings.adminPassword, region: settings.region.value, cost: settings.bcryptCost, on: app.db)
        {
            print(
                """
                ================================================================
                 首次启动：已创建管理员账号 admin
                 一次性密码：\(generated)
                 请登录 \(signInURL(arguments: CommandLine.arguments)) 并立即修改密码（此密码只显示这一次）
                ================================================================
                """)
        }
    }
}

/// The staff accounts as the kernel's account directory: an active account whose password did not change after the
/// session (or token) was issued is signed in as both its `Staff` model and its `Principal`.
struct StaffDirectory: AccountDirectory {
    func authenticate(id: UUID, issuedAt: TimeInterval, on request: Request) async throws -> Principal? {
        guard let staff = try await Staff.find(id, on: request.db), staff.active,
            issuedAt >= (staff.credentialsChangedAt?.timeIntervalSince1970 ?? 0)
        else { return nil }
        let principal = staff.principal
        request.auth.login(staff)
        request.auth.login(principal)
        return principal
    }
}

extension Staff {
    /// The account as the kernel sees it (guards, audit, menus, tokens).
    var principal: Principal {
        Principal(
            id: id ?? UUID(), username: username, displayName: displayName, regionCode: regionCode, roles: roles,
            departments: Set([$department.id].compactMap { $0 }), mustChangePassword: mustChangePassword)
    }
}

/// What another module sets up for a hall the admin creates (FrontDesk: its default ticket categories), in the
/// same transaction.
protocol HallSetup: Sendable {
    func hallCreated(_ hall: Hall, on db: any Database) async throws
}

/// The registered hall set-ups, in registration order.
final class HallSetups: @unchecked Sendable {
    private var setups: [any HallSetup] = []
    private let lock = NSLock()

    func add(_ setup: any HallSetup) { lock.withLock { setups.append(setup) } }

    var all: [any HallSetup] { lock.withLock { setups } }
}

extension Application {
    private struct HallSetupsKey: StorageKey { typealias Value = HallSetups }

    var hallSetups: HallSetups { storage.memo(HallSetupsKey.self, HallSetups()) }
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
            .init(
                username: signature.username, displayName: signature.name ?? "管理员", password: password, roles: [.admin],
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
        guard let staff = try await Staff.query(on: app.db).filter(\.$username == signature.username.lowercased()).first(), staff.active
        else {
            context.console.error("没有找到启用中的账号 \(signature.username)")
            throw ExitCode(1)
        }
        let scopes = Set(
            (signature.scopes ?? APITokens.scopes.joined(separator: ",")).split(separator: ",").map {
                String($0).trimmingCharacters(in: .whitespaces)
            })
        do {
            let token = try await APITokens.create(
                for: staff.principal, name: signature.name ?? "api", scopes: scopes, actor: .commandLine, on: app.db)
            context.console.print("接口令牌（只显示这一次）：\(token)")
        } catch let error as PlatformError {
            context.console.error(error.reason)
            throw ExitCode(1)
        }
    }
}

extension Hall: RegionScoped { static var regionField: KeyPath<Hall, FieldProperty<Hall, String>> { \.$regionCode } }
extension Department: RegionScoped { static var regionField: KeyPath<Department, FieldProperty<Department, String>> { \.$regionCode } }
extension Window: RegionScoped { static var regionField: KeyPath<Window, FieldProperty<Window, String>> { \.$regionCode } }
extension Staff: RegionScoped { static var regionField: KeyPath<Staff, FieldProperty<Staff, String>> { \.$regionCode } }
