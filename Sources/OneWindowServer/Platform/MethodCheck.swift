import Foundation
import Vapor

/// 405 for a path that exists under other methods (RFC 9110 §15.5.6): when the router found no route for the
/// request's method, the routes whose path matches decide the `Allow` header (`GET` brings `HEAD`, which Vapor answers
/// from the GET route), and the answer is 405 `method_not_allowed` "不支持此操作方式" (JSON on `/api` and `/open311`).
/// A path no route matches stays a 404; catch-all routes (`/open311/v2/**`) do not count as a match.
struct MethodNotAllowedMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.route == nil else { return try await next.respond(to: request) }
        let allowed = Self.methods(for: request.url.path, in: request.application.routes.all)
        guard !allowed.isEmpty, !allowed.contains(request.method.rawValue) else { return try await next.respond(to: request) }
        throw Abort(.methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")])
    }

    /// The methods of the routes matching `path`, in the order GET, HEAD, POST, PUT, PATCH, DELETE, then others sorted.
    static func methods(for path: String, in routes: [Route]) -> [String] {
        let components = path.split(separator: "/").map(String.init)
        var methods = Set<String>()
        for route in routes where matches(route.path, components) {
            methods.insert(route.method.rawValue)
            if route.method == .GET { methods.insert(HTTPMethod.HEAD.rawValue) }
        }
        let order = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
        return order.filter(methods.contains) + methods.subtracting(order).sorted()
    }

    private static func matches(_ pattern: [PathComponent], _ components: [String]) -> Bool {
        guard pattern.count == components.count else { return false }
        for (part, component) in zip(pattern, components) {
            switch part {
            case .constant(let text): if text != component { return false }
            case .parameter, .anything: continue
            case .catchall: return false
            }
        }
        return true
    }
}
