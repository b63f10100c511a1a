import Foundation
import OneWindowCore
import Vapor

/// Who is signed in, as the kernel sees it: enough for the role guards, the audit actor, the menus and API tokens.
/// The account itself (the `staff` table) belongs to Directory, which logs its own model in beside this value.
struct Principal: Authenticatable, Sendable, Equatable {
    let id: UUID
    let username: String
    let displayName: String
    /// 12-digit region code of the account's county.
    let regionCode: String
    let roles: Set<Role>
    /// The departments the account serves (an approver's, a handler's): what `AccessPolicy` matches against a
    /// record's departments; empty for an account tied to none.
    var departments: Set<UUID> = []
    /// A generated first password: the holder must choose a new one before anything else.
    let mustChangePassword: Bool

    func has(_ role: Role) -> Bool { roles.contains(role) }
}

/// Loads accounts for the kernel's session and token authenticators. Directory provides it
/// (`app.accounts = StaffDirectory()`); the kernel never reads the accounts table itself.
protocol AccountDirectory: Sendable {
    /// Signs the active account `id` into `request.auth` (the module's own model and the `Principal`) when its
    /// credentials did not change after `issuedAt` (seconds since 1970); returns nil (and logs in nothing) otherwise.
    func authenticate(id: UUID, issuedAt: TimeInterval, on request: Request) async throws -> Principal?
}

extension Application {
    private struct AccountsKey: StorageKey { typealias Value = any AccountDirectory }

    /// The account directory; set by the module that owns the accounts.
    var accounts: any AccountDirectory {
        get {
            guard let accounts = storage[AccountsKey.self] else { fatalError("the Directory module sets app.accounts") }
            return accounts
        }
        set { storage[AccountsKey.self] = newValue }
    }
}
