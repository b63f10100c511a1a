import Crypto
import Foundation
import Vapor

/// Security headers Vapor does not set (STYLE.md), on every answer — pages, JSON, files and error pages alike (it runs
/// outside `ErrorRenderingMiddleware`): a strict CSP, `nosniff`, no framing, same-origin referrers, no powerful browser
/// features, and, when the site is served over HTTPS (`Settings.secureCookies`), HSTS for a year. A header a route set
/// itself is kept. No `Server` header is sent (no product or version).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    var https = false

    static let headers: [(String, String)] = [
        (
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        var headers = Self.headers
        if https { headers.append(("Strict-Transport-Security", "max-age=31536000")) }
        for (name, value) in headers where !response.headers.contains(name: name) {
            response.headers.replaceOrAdd(name: name, value: value)
        }
        response.headers.remove(name: .server)
        return response
    }
}

/// CSRF protection for every unsafe web request: a per-session token, sent back as the form field `csrfToken`
/// or the header `X-CSRF-Token`, compared in constant time; a cross-site `Origin` is refused outright.
/// Token-authenticated `/api` routes are not behind this middleware.
enum CSRF {
    static let sessionKey = "csrf"
    /// When an anonymous session was made for a form (so old ones can be purged).
    static let createdKey = "created"
    static let field = "csrfToken"
    static let header = "X-CSRF-Token"

    /// The session's token, created on first use.
    static func token(for request: Request) -> String {
        if let token = request.session.data[sessionKey] { return token }
        let token = RandomToken.make()
        request.session.data[sessionKey] = token
        if request.session.data[createdKey] == nil { request.session.data[createdKey] = String(Date().timeIntervalSince1970) }
        return token
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

struct CSRFMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard [.POST, .PUT, .PATCH, .DELETE].contains(request.method) else {
            return try await next.respond(to: request)
        }
        if let origin = request.headers.first(name: .origin), origin != "null" {
            let host = request.headers.first(name: .host) ?? ""
            guard let originHost = URLComponents(string: origin).map({ c in c.host.map { h in c.port.map { "\(h):\($0)" } ?? h } }) ?? nil,
                originHost == host
            else { throw PlatformError.csrfMismatch }
        }
        guard request.hasSession, let expected = request.session.data[CSRF.sessionKey] else {
            throw PlatformError.csrfMismatch
        }
        // The body is already collected within its path's limit (BodyLimitMiddleware runs first on the web group).
        let sent = request.headers.first(name: CSRF.header) ?? (try? request.formFields()[CSRF.field])
        guard let sent, CSRF.constantTimeEqual(sent, expected) else { throw PlatformError.csrfMismatch }
        return try await next.respond(to: request)
    }
}

/// Counts failed sign-ins and refuses more (429) within a window.
///
/// Per account: 5 failures lock that account's sign-in for the window (a correct password too).
/// Per client address: many failures for names that do not exist refuse further unknown names from that
/// address; they never block a real account's correct password (behind a proxy every client shares an address).
actor SignInThrottle {
    private let perAccount: RateLimiter
    private let perAddress: RateLimiter
    private var reported: Set<String> = []

    init(window: TimeInterval = 15 * 60, maxPerAccount: Int = 5, maxPerAddress: Int = 50) {
        perAccount = RateLimiter(window: window, limit: maxPerAccount)
        perAddress = RateLimiter(window: window, limit: maxPerAddress)
    }

    /// Before checking a password: refuses a locked account, or an unknown name from a noisy address.
    /// - Throws: `PlatformError.tooManyAttempts` with the seconds until the oldest failure leaves the window.
    func check(account: String, address: String, accountExists: Bool) async throws {
        if let seconds = await perAccount.retryAfter(account) {
            throw PlatformError.tooManyAttempts(retryAfterSeconds: seconds)
        }
        reported.remove(account)  // not locked (any more): the next lock is reported again
        if !accountExists, let seconds = await perAddress.retryAfter(address) {
            throw PlatformError.tooManyAttempts(retryAfterSeconds: seconds)
        }
    }

    /// True once per lock of `account` (so the audit log gets one row per lock).
    func shouldAuditRefusal(account: String) async -> Bool {
        guard await perAccount.retryAfter(account) != nil else {
            reported.remove(account)
            return false
        }
        return reported.insert(account).inserted
    }

    func recordFailure(account: String, address: String, accountExists: Bool) async {
        if accountExists {
            await perAccount.record(account)
        } else {
            await perAddress.record(address)
        }
    }

    func recordSuccess(account: String) async {
        await perAccount.reset(account)
        reported.remove(account)
    }
}

extension Application {
    private struct ThrottleKey: StorageKey { typealias Value = SignInThrottle }

    var signInThrottle: SignInThrottle {
        get { storage[ThrottleKey.self]! }
        set { storage[ThrottleKey.self] = newValue }
    }
}

/// Serves the files of `Public/` under `/css/`, `/js/` and `/img/` only; every other path goes on to the router
/// (so a long or odd path is a 404, never a file-system error).
struct StaticFilesMiddleware: AsyncMiddleware {
    let files: FileMiddleware
    static let folders: [SiteRoute] = [.stylesheets, .scripts, .images]

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        guard request.method == .GET || request.method == .HEAD, path.count <= 200,
            Self.folders.contains(where: { $0.encloses(path) }), !path.contains("..")
        else {
            return try await next.respond(to: request)
        }
        return try await files.respond(to: request, chainingTo: next).get()
    }
}

/// Refuses a request body above its path's limit (`app.uploadLimits`) before anything reads it, whichever route,
/// token or body strategy follows: a `Content-Length` over the limit → 413 (`PlatformError.payloadTooLarge`, "提交的内容过大，
/// 上限为 50 MB"; JSON on `/api`) at once, without waiting for the bytes. With `collectsBody` (the web group, where every
/// route collects its form) a body without a length (chunked) is then collected here and refused the moment it passes
/// the limit; the route's own `.collect` finds it collected. Without it (kernel-wide, ahead of the API's streamed
/// uploads) only the length is checked; Vapor's `.collect` limits the rest.
struct BodyLimitMiddleware: AsyncMiddleware {
    var collectsBody = false

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let limit = request.application.uploadLimits.limit(for: request.url.path)
        let tooLarge = PlatformError.payloadTooLarge(limit: limit >= 1 << 20 ? "\(limit >> 20) MB" : "\(limit >> 10) KB")
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > limit { throw tooLarge }
        if collectsBody, request.body.data == nil {
            do {
                // Vapor's collect fails when the total reaches `max`: `limit + 1` lets a body of exactly `limit` through.
                _ = try await request.eventLoop.flatSubmit { request.body.collect(max: limit + 1) }.get()
            } catch let error as Abort where error.status == .payloadTooLarge {
                throw tooLarge
            }
        }
        return try await next.respond(to: request)
    }
}

/// The body limit of each path (web forms and API alike; `BodyLimitMiddleware` enforces it): 1 MB, unless the module
/// that owns a path that takes uploads registers more
/// (`app.uploadLimits.set(.cases, FileStore.uploadLimit)`; for a route with parameters, every path under its constant
/// prefix: `.apply` (`/apply/:code`) sets `/apply/…`).
final class UploadLimits: @unchecked Sendable {
    static let formLimit = 1 << 20
    private var exact: [String: Int] = [:]
    private var prefixes: [String: Int] = [:]
    private let lock = NSLock()

    func set(_ route: SiteRoute, _ limit: Int) {
        lock.withLock {
            if route.parameters.isEmpty && !route.pattern.contains("*") {
                exact[route.pattern] = limit
            } else {
                prefixes[route.constantPrefix] = limit
            }
        }
    }

    /// The limit in bytes for a request to `path`.
    func limit(for path: String) -> Int {
        lock.withLock { exact[path] ?? prefixes.first(where: { path.hasPrefix($0.key) })?.value ?? Self.formLimit }
    }
}

extension Application {
    private struct UploadLimitsKey: StorageKey { typealias Value = UploadLimits }

    var uploadLimits: UploadLimits { storage.memo(UploadLimitsKey.self, UploadLimits()) }
}
