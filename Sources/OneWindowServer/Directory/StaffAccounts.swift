import Fluent
import Foundation
import OneWindowCore
import Synchronization
import Vapor

/// Creating and changing staff accounts: the one place passwords are hashed (Bcrypt) and accounts audited.
enum StaffAccounts {
    struct NewAccount: Sendable {
        var username: String
        var displayName: String
        var password: String
        var roles: Set<Role>
        var hallID: UUID?
        var departmentID: UUID?
        var mustChangePassword: Bool
    }

    /// Sign-in names: 3–32 lower-case letters, digits, `.`, `_`, `-`.
    static func normalizeUsername(_ raw: String, field: String = "username") throws(FieldError) -> String {
        let name = TextNormalization.normalize(raw).lowercased()
        guard (3...32).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw FieldError(field: field, message: "登录名应为 3–32 位小写字母、数字或 . _ -")
        }
        return name
    }

    /// Creates an account in `region`, with an audit event, in one transaction.
    /// - Throws: `FieldError` for a bad name, password or role list; `PlatformError.conflict` when the name is taken.
    @discardableResult
    static func create(
        _ account: NewAccount, region: String, actor: Actor, cost: Int, on db: any Database
    ) async throws -> Staff {
        let username = try normalizeUsername(account.username)
        let displayName = TextNormalization.normalize(account.displayName)
        guard !displayName.isEmpty, displayName.count <= 40 else {
            throw FieldError(field: "displayName", message: "请填写姓名（不超过 40 字）")
        }
        try PasswordPolicy.check(account.password)
        guard !account.roles.isEmpty else { throw FieldError(field: "roles", message: "请至少选择一个角色") }
        let hash = try await hashPassword(account.password, cost: cost)
        return try await db.writeTransaction { tx in
            if try await Staff.query(on: tx).filter(\.$username == username).first() != nil {
                throw PlatformError.conflict("登录名“\(username)”已被使用")
            }
            let staff = Staff()
            staff.regionCode = region
            staff.username = username
            staff.displayName = displayName
            staff.passwordHash = hash
            staff.roles = account.roles
            staff.$hall.id = account.hallID
            staff.$department.id = account.departmentID
            staff.active = true
            staff.mustChangePassword = account.mustChangePassword
            try await staff.create(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: "staff.create", entityType: "staff", entityID: staff.id?.uuidString,
                summary: "创建账号 \(username)（\(Role.allCases.filter(account.roles.contains).map(\.label).joined(separator: "、"))）")
            return staff
        }
    }

    /// Bcrypt off the event loop (it is deliberately slow).
    static func hashPassword(_ password: String, cost: Int) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Bcrypt.hash(password, cost: cost) })
            }
        }
    }

    /// A Bcrypt hash of a random string at `cost`, verified against when the sign-in name is unknown (so an
    /// unknown name takes as long as a known one).
    static func timingDummyHash(cost: Int) -> String {
        dummyHashes.withLock { cache in
            if let hash = cache[cost] { return hash }
            let hash = (try? Bcrypt.hash(RandomToken.make(), cost: cost)) ?? ""
            cache[cost] = hash
            return hash
        }
    }

    private static let dummyHashes = Mutex<[Int: String]>([:])

    static func verify(_ password: String, hash: String) async -> Bool {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: (try? Bcrypt.verify(password, created: hash)) ?? false)
            }
        }
    }

    /// Ensures the platform has an admin: on first start creates `admin` with `password` (or a generated one,
    /// which must be changed at first sign-in).
    /// - Returns: the generated password when one was made, for the operator to read once; `nil` otherwise.
    static func ensureAdmin(password: String?, region: String, cost: Int, on db: any Database) async throws -> String? {
        let admins = try await Staff.query(on: db).filter(\.$rolesText ~~ Role.admin.rawValue).count()
        guard admins == 0 else { return nil }
        let chosen = password ?? PasswordPolicy.generate()
        try await create(
            NewAccount(
                username: "admin", displayName: "中心管理员", password: chosen, roles: [.admin], hallID: nil,
                departmentID: nil, mustChangePassword: password == nil),
            region: region, actor: .system, cost: cost, on: db)
        return password == nil ? chosen : nil
    }
}
