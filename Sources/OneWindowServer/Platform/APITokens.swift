import Crypto
import Fluent
import Foundation
import Vapor

/// An API token (Bearer): a staff member's access for another system, with scopes. Only its SHA-256 is stored.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "region_code") var regionCode: String
    /// The account the token acts as (Directory's `staff` table; accounts are deactivated, never deleted).
    @Field(key: "staff_id") var staffID: UUID
    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    /// Comma-separated: `cases:read`, `cases:write`, `hotline:write`.
    @Field(key: "scopes") var scopesText: String
    @OptionalField(key: "revoked_at") var revokedAt: Date?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}

    var scopes: Set<String> { Set(scopesText.split(separator: ",").map(String.init)) }
}

/// API tokens (Bearer) for other systems: each acts as one staff member, limited to its scopes.
/// The token is shown once at creation; only its SHA-256 is stored.
enum APITokens {
    static let scopes = ["cases:read", "cases:write", "hotline:write"]

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a token for `staff` with `scopes`; returns the token text (`ow_…`, 46 characters).
    /// - Throws: `PlatformError.invalidField` (field `scopes`) for a scope not in `APITokens.scopes`.
    static func create(for staff: Principal, name: String, scopes: Set<String>, actor: Actor, on db: any Database) async throws -> String {
        let unknown = scopes.subtracting(Self.scopes)
        guard unknown.isEmpty else {
            throw PlatformError.invalidField(.init(field: "scopes", message: "未知的权限范围：\(unknown.sorted().joined(separator: ","))"))
        }
        let token = "ow_" + RandomToken.make(bytes: 32)
        let record = APIToken()
        record.regionCode = staff.regionCode
        record.staffID = staff.id
        record.name = name
        record.tokenHash = hash(token)
        record.scopesText = Self.scopes.filter(scopes.contains).joined(separator: ",")
        try await db.writeTransaction { tx in
            try await record.create(on: tx)
            try await Audit.record(
                on: tx, region: staff.regionCode, actor: actor, action: "api_token.create", entityType: "api_token",
                entityID: record.id?.uuidString, summary: "为 \(staff.username) 创建接口令牌“\(name)”（\(record.scopesText)）")
        }
        return token
    }

    /// Signs in the account of the unrevoked token `text` and returns it with the token's scopes; nil when the
    /// token is unknown, revoked or too long, or its account is inactive or must still change its first password.
    static func authenticate(_ text: String, on request: Request) async throws -> (principal: Principal, token: APIToken)? {
        guard text.count <= 200,
            let token = try await APIToken.query(on: request.db).filter(\.$tokenHash == hash(text)).filter(\.$revokedAt == nil).first(),
            let principal = try await request.application.accounts.authenticate(id: token.staffID, issuedAt: .infinity, on: request),
            // An account that still has to replace its first password does not act through tokens either.
            !principal.mustChangePassword
        else { return nil }
        return (principal, token)
    }
}

/// Signs in the staff member of a valid `Authorization: Bearer` token and remembers its scopes.
struct APITokenAuthenticator: AsyncMiddleware {
    struct Scopes: StorageKey { typealias Value = Set<String> }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            guard let (_, token) = try await APITokens.authenticate(bearer.token, on: request) else { throw PlatformError.signInRequired }
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
        guard request.auth.has(Principal.self), let scopes = request.storage[APITokenAuthenticator.Scopes.self] else {
            throw PlatformError.signInRequired
        }
        guard scopes.contains(scope) else { throw PlatformError.forbidden }
        return try await next.respond(to: request)
    }
}
