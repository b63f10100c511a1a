import Crypto
import Fluent
import Foundation
import Vapor

/// API tokens (Bearer) for other systems: each acts as one staff member, limited to its scopes.
/// The token is shown once at creation; only its SHA-256 is stored.
enum APITokens {
    static let scopes = ["cases:read", "cases:write", "hotline:write"]

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a token for `staff` with `scopes`; returns the token text (`ow_…`).
    static func create(for staff: Staff, name: String, scopes: Set<String>, actor: Actor, on db: any Database) async throws -> String {
        let unknown = scopes.subtracting(Self.scopes)
        guard unknown.isEmpty else { throw PlatformError.invalidField(.init(field: "scopes", message: "未知的权限范围：\(unknown.sorted().joined(separator: ","))")) }
        let token = "ow_" + CSRF.randomToken(bytes: 32)
        let record = APIToken()
        record.regionCode = staff.regionCode
        record.$staff.id = try staff.requireID()
        record.name = name
        record.tokenHash = hash(token)
        record.scopesText = Self.scopes.filter(scopes.contains).joined(separator: ",")
        try await db.writeTransaction { tx in
            try await record.create(on: tx)
            try await Audit.record(on: tx, region: staff.regionCode, actor: actor, action: "api_token.create", entityType: "api_token",
                                   entityID: record.id?.uuidString, summary: "为 \(staff.username) 创建接口令牌“\(name)”（\(record.scopesText)）")
        }
        return token
    }
}

/// Signs in the staff member of a valid `Authorization: Bearer` token and remembers its scopes.
struct APITokenAuthenticator: AsyncMiddleware {
    struct Scopes: StorageKey { typealias Value = Set<String> }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            guard bearer.token.count <= 200,
                let token = try await APIToken.query(on: request.db).filter(\.$tokenHash == APITokens.hash(bearer.token)).filter(\.$revokedAt == nil).first(),
                let staff = try await Staff.find(token.$staff.id, on: request.db), staff.active,
                // An account that still has to replace its first password does not act through tokens either.
                !staff.mustChangePassword
            else { throw PlatformError.signInRequired }
            request.auth.login(staff)
            request.storage[Scopes.self] = token.scopes
        }
        return try await next.respond(to: request)
    }
}

/// Requires a token holding `scope` (401 without a token, 403 without the scope).
struct ScopeGuard: AsyncMiddleware {
    let scope: String

    init(_ scope: String) { self.scope = scope }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(Staff.self), let scopes = request.storage[APITokenAuthenticator.Scopes.self] else { throw PlatformError.signInRequired }
        guard scopes.contains(scope) else { throw PlatformError.forbidden }
        return try await next.respond(to: request)
    }
}
