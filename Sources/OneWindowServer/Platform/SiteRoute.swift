import Foundation
import Vapor

/// A path of the site, defined once: routes register from it, links and redirects are built from it, so the two
/// cannot drift. The patterns live in `SiteRoute+*.swift` (the only files where a path is spelt out; `.ci/routes.py`
/// fails on a path string anywhere else).
///
/// A pattern is a full path from the root (`/cases/:id/actions/:action`): constants, `:parameters` and a trailing
/// `**` catch-all, as Vapor's router reads them. The route groups on `app.site` add middleware only, never a prefix.
struct SiteRoute: Sendable, Hashable, CustomStringConvertible {
    /// The full path pattern, `/` and components separated by `/` (`/guide/:code`).
    let pattern: String

    init(_ pattern: String) {
        precondition(pattern.hasPrefix("/") && (pattern == "/" || !pattern.hasSuffix("/")), "not a path pattern: \(pattern)")
        self.pattern = pattern
    }

    var description: String { pattern }

    /// The pattern's components for registration (none for `/`).
    var components: [PathComponent] {
        pattern.split(separator: "/").map { PathComponent(stringLiteral: String($0)) }
    }

    /// The names of the pattern's `:parameters`, in order.
    var parameters: [String] {
        pattern.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) }
    }

    /// The path with the `:parameters` filled in order from `values` (each percent-encoded, so a value never adds a
    /// component), then `query` (pairs with a nil value left out, values percent-encoded) and `fragment`.
    /// A wrong number of values is a programming error.
    func path(_ values: String..., query: KeyValuePairs<String, String?> = [:], fragment: String? = nil) -> String {
        fill(values, query: query, fragment: fragment)
    }

    /// The path of a record's route: its one `:parameter` is the id (`/cases/:id` → `/cases/8C1F…`); `more` fills the
    /// parameters after it.
    func path(_ id: UUID, _ more: String..., query: KeyValuePairs<String, String?> = [:], fragment: String? = nil) -> String {
        fill([id.uuidString] + more, query: query, fragment: fragment)
    }

    /// True when `path` lies under this route (`/api` encloses `/api/v1/items`, not `/api` or `/apix`).
    func encloses(_ path: String) -> Bool {
        path.hasPrefix(pattern == "/" ? "/" : pattern + "/")
    }

    /// The constant part of the pattern up to its first parameter or catch-all, ending in `/` (`/apply/:code` →
    /// `/apply/`); the whole pattern when it has none.
    var constantPrefix: String {
        var prefix = ""
        for component in pattern.split(separator: "/") {
            if component.hasPrefix(":") || component.hasPrefix("*") { return prefix + "/" }
            prefix += "/" + component
        }
        return prefix.isEmpty ? "/" : prefix
    }

    private func fill(_ values: [String], query: KeyValuePairs<String, String?>, fragment: String?) -> String {
        var remaining = values[...]
        var result = ""
        for component in pattern.split(separator: "/") {
            precondition(!component.hasPrefix("*"), "\(pattern) has a catch-all: it names no one path")
            if component.hasPrefix(":") {
                guard let value = remaining.popFirst() else { preconditionFailure("\(pattern) needs more values than \(values)") }
                result += "/" + Self.encode(value)
            } else {
                result += "/" + component
            }
        }
        precondition(remaining.isEmpty, "\(pattern) takes fewer values than \(values)")
        if result.isEmpty { result = "/" }
        let pairs = query.compactMap { key, value in value.map { Self.encode(key) + "=" + Self.encode($0) } }
        if !pairs.isEmpty { result += "?" + pairs.joined(separator: "&") }
        if let fragment { result += "#" + Self.encode(fragment) }
        return result
    }

    /// Unreserved characters (RFC 3986 §2.3) stay as they are; everything else is percent-encoded as UTF-8.
    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }
}

extension RoutesBuilder {
    /// `GET route`.
    @discardableResult
    func get<Response: VaporSendableMetatype & AsyncResponseEncodable>(
        _ route: SiteRoute, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.GET, route, use: closure)
    }

    /// `POST route` (a body up to the application's default size, collected).
    @discardableResult
    func post<Response: VaporSendableMetatype & AsyncResponseEncodable>(
        _ route: SiteRoute, use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(.POST, route, use: closure)
    }

    /// `method route` with the given body strategy.
    @discardableResult
    func on<Response: VaporSendableMetatype & AsyncResponseEncodable>(
        _ method: HTTPMethod, _ route: SiteRoute, body: HTTPBodyStreamStrategy = .collect,
        use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        on(method, route.components, body: body, use: closure)
    }

    /// A WebSocket at `route`.
    @discardableResult
    func webSocket(
        _ route: SiteRoute, maxFrameSize: WebSocketMaxFrameSize = .default,
        onUpgrade: @Sendable @escaping (Request, WebSocket) async -> Void
    ) -> Route {
        webSocket(route.components, maxFrameSize: maxFrameSize, onUpgrade: onUpgrade)
    }
}
