import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Staff sign-in state kept in the server-side session (SessionRecord table): who, when signed in, last seen.
/// The session expires server-side after `Settings.sessionLifetime` from sign-in or `sessionIdleLimit` idle.
enum StaffSession {
    static let staffKey = "staff"
    static let issuedKey = "issued"
    static let seenKey = "seen"

    /// Signs `staff` in: the old session id is discarded and a new one issued (no session fixation).
    static func signIn(_ staff: Principal, on request: Request) async throws {
        if request.hasSession, let oldID = request.session.id {
            try await request.application.sessions.driver.deleteSession(oldID, for: request).get()
        }
        let session = request.session
        session.id = nil
        let now = String(Date().timeIntervalSince1970)
        session.data = SessionData()
        session.data[staffKey] = staff.id.uuidString
        session.data[issuedKey] = now
        session.data[seenKey] = now
        session.data[CSRF.sessionKey] = RandomToken.make()
        request.auth.login(staff)
    }

    /// Deletes sessions older than `lifetime` (by their `issued`/`created` stamp; unstamped ones too).
    /// - Returns: how many were deleted.
    static func purgeExpired(on db: any Database, lifetime: TimeInterval) async throws -> Int {
        let cutoff = Date().timeIntervalSince1970 - lifetime
        var expired: [UUID] = []
        for record in try await SessionRecord.query(on: db).all() {
            let stamp = Double(record.data[issuedKey] ?? record.data[CSRF.createdKey] ?? "") ?? 0
            if stamp < cutoff, let id = record.id { expired.append(id) }
        }
        for chunk in stride(from: 0, to: expired.count, by: 500) {
            try await SessionRecord.query(on: db).filter(\.$id ~~ Array(expired[chunk..<min(chunk + 500, expired.count)])).delete()
        }
        return expired.count
    }

    static func signOut(on request: Request) {
        request.auth.logout(Principal.self)
        if request.hasSession { request.session.destroy() }
    }
}

/// Loads the signed-in staff member from the session, enforcing expiry; never creates a session.
struct StaffSessionAuthenticator: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.hasSession, let idText = request.session.data[StaffSession.staffKey] {
            let settings = request.settings
            let now = Date().timeIntervalSince1970
            let issued = Double(request.session.data[StaffSession.issuedKey] ?? "") ?? 0
            let seen = Double(request.session.data[StaffSession.seenKey] ?? "") ?? 0
            if now - issued > settings.sessionLifetime || now - seen > settings.sessionIdleLimit {
                request.session.destroy()
            } else if let id = UUID(uuidString: idText),
                try await request.application.accounts.authenticate(id: id, issuedAt: issued, on: request) != nil
            {
                if now - seen > 60 { request.session.data[StaffSession.seenKey] = String(Int(now)) }
            } else {
                request.session.destroy()
            }
        }
        let response = try await next.respond(to: request)
        // Pages of a session (signed-in pages, forms with a CSRF token) must not be kept by the browser:
        // after 退出 on a shared counter PC, Back must not show them again.
        if request.hasSession {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}

/// Lets through only signed-in staff holding one of `roles` (any role when empty). Browsers without a session
/// are sent to the sign-in page; a staff member who must change a generated password is sent there first.
struct RoleGuard: AsyncMiddleware {
    let roles: Set<Role>

    init(_ roles: Role...) { self.roles = Set(roles) }

    init(_ roles: Set<Role>) { self.roles = roles }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let staff = request.auth.get(Principal.self) else {
            if ErrorRenderingMiddleware.wantsJSON(request) { throw PlatformError.signInRequired }
            let next = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
            return request.redirect(
                to: SiteRoute.signIn.path(query: ["next": next]))
        }
        if staff.mustChangePassword && request.url.path != SiteRoute.changePassword.path() {
            return request.redirect(to: SiteRoute.changePassword.path())
        }
        guard roles.isEmpty || !roles.isDisjoint(with: staff.roles) else { throw PlatformError.forbidden }
        return try await next.respond(to: request)
    }
}

/// Password rules for staff accounts: at least 10 characters and at most 72 UTF-8 bytes (Bcrypt reads 72), a letter
/// and a decimal digit.
enum PasswordPolicy {
    static func check(_ password: String, field: String = "password") throws(FieldError) {
        guard password.count >= 10 else { throw FieldError(field: field, message: "密码至少 10 位") }
        // Bcrypt reads only the first 72 bytes: a longer password would be checked only in part.
        guard password.utf8.count <= 72 else { throw FieldError(field: field, message: "密码不能超过 72 字节（约 24 个汉字或 72 个字母数字）") }
        // Decimal digits only (0–9, also typed full-width): 一二三 are letters here, not digits.
        let hasDigit = password.unicodeScalars.contains { $0.properties.numericType == .decimal }
        guard password.contains(where: \.isLetter), hasDigit else {
            throw FieldError(field: field, message: "密码须同时包含字母和数字（0–9）")
        }
    }

    /// A random first password: 16 characters, letters and digits, no look-alikes.
    static func generate() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789")
        var password = ""
        repeat {
            password = String((0..<16).map { _ in alphabet.randomElement()! })
        } while (try? check(password)) == nil
        return password
    }
}
