import Fluent
import Foundation
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import Prometheus
import Vapor

/// `/metrics`: the application's figures in Prometheus text format (version 0.0.4).
///
/// HTTP: Vapor reports, through swift-metrics bootstrapped here with swift-prometheus, `http_requests_total` and
/// `http_request_errors_total` (counters) and `http_request_duration_seconds` (histogram, seconds) labelled by
/// `method`, route pattern `path` (`/cases/:id`, never the raw path; `vapor_route_undefined` for no route) and
/// `status`. The kernel adds `onewindow_request_database_seconds` (histogram, seconds: the summed time of the
/// request's database statements) by `method` and `path`. Each module adds its gauges through a `MetricsSource`
/// hook, read from the database at every scrape; the kernel's own are the outbox's.
///
/// Access (`MetricsAccess`): a request from the loopback address with no proxy header, or one with
/// `Authorization: Bearer <ONEWINDOW_METRICS_TOKEN>`; anyone else gets 404, as if the path did not exist.
enum ServerMetrics {
    /// The process's registry. swift-metrics can be bootstrapped once per process, so every application of the
    /// process (tests make many) shares it.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func register(_ app: Application) {
        _ = registry
        app.get(.metrics, use: serve)
        app.hooks.add((any MetricsSource).self, OutboxMetrics())
    }

    /// `GET /metrics`: 200 `text/plain; version=0.0.4` with every metric; 404 for a request `MetricsAccess`
    /// refuses. A module whose gauges fail to read is left out and logged, so one broken query does not hide the rest.
    static func serve(req: Request) async throws -> Response {
        guard MetricsAccess.allows(req) else { throw Abort(.notFound) }
        let context = try await ServiceContext(req)
        let scrape = PrometheusCollectorRegistry()
        for source in req.application.hooks.all((any MetricsSource).self) {
            do {
                for gauge in try await source.gauges(context) {
                    scrape.makeGauge(descriptor: .init(metricName: gauge.name, unitName: "", helpText: gauge.help), labels: gauge.labels)
                        .set(gauge.value)
                }
            } catch {
                req.logger.report(error: error)
            }
        }
        var body = registry.emitToString()
        body += scrape.emitToString()
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        headers.cacheControl = .init(noStore: true)
        return Response(status: .ok, headers: headers, body: .init(string: body))
    }
}

/// One sample of a gauge: `name` (`onewindow_…`), its help text, labels and value. Samples of one name share its
/// help and label names.
struct MetricGauge: Sendable {
    let name: String
    let help: String
    var labels: [(String, String)] = []
    let value: Double
}

/// A module's gauges on `/metrics`, read at each scrape (`context.now`, the site's zone and region).
protocol MetricsSource: Sendable {
    func gauges(_ context: ServiceContext) async throws -> [MetricGauge]
}

/// Who may read `/metrics`: the loopback interface (a Prometheus on the same host) unless the request came through a
/// proxy (`X-Forwarded-For`, `Forwarded`, `X-Real-IP`), or a caller with the configured Bearer token.
enum MetricsAccess {
    static func allows(_ req: Request) -> Bool {
        if let token = req.settings.metricsToken, !token.isEmpty, let bearer = req.headers.bearerAuthorization?.token {
            return Array(bearer.utf8).withUnsafeBytes { given in
                Array(token.utf8).withUnsafeBytes { expected in
                    given.count == expected.count && zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
                }
            }
        }
        let proxied = ["X-Forwarded-For", "Forwarded", "X-Real-IP"].contains { req.headers.first(name: $0) != nil }
        guard !proxied, let address = req.remoteAddress?.ipAddress else { return false }
        return address == "127.0.0.1" || address == "::1" || address == "::ffff:127.0.0.1"
    }
}

/// The summed time of one request's database statements (`RoutedDatabase` adds to it). It rides in the request
/// logger's metadata (`db-time`), which every `req.db` is made with, so no request lookup is needed.
final class DatabaseTimer: Sendable, CustomStringConvertible {
    static let metadataKey = "db-time"
    private let nanoseconds = NIOLockedValueBox<Int64>(0)

    func add(_ amount: TimeAmount) { nanoseconds.withLockedValue { $0 += amount.nanoseconds } }

    var seconds: Double { Double(nanoseconds.withLockedValue { $0 }) / 1e9 }

    var description: String { String(format: "%.1fms", seconds * 1000) }

    static func of(_ logger: Logger) -> DatabaseTimer? {
        if case .stringConvertible(let value) = logger[metadataKey: metadataKey] { return value as? DatabaseTimer }
        return nil
    }
}

/// Gives each request a `DatabaseTimer` and records its total as `onewindow_request_database_seconds` by method and
/// route pattern once the response is ready (requests with no route are not recorded).
struct DatabaseTimeMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let timer = DatabaseTimer()
        request.logger[metadataKey: DatabaseTimer.metadataKey] = .stringConvertible(timer)
        defer {
            if let route = request.route {
                let path = "/" + route.path.map(\.description).joined(separator: "/")
                Timer(
                    label: "onewindow_request_database_seconds", dimensions: [("method", request.method.rawValue), ("path", path)],
                    preferredDisplayUnit: .seconds
                ).recordNanoseconds(Int64(timer.seconds * 1e9))
            }
        }
        return try await next.respond(to: request)
    }
}

/// The kernel's gauges: the outbox backlog (messages `pending` or `sending`) and the failed sends (`failed`), counted
/// through the status index.
struct OutboxMetrics: MetricsSource {
    func gauges(_ context: ServiceContext) async throws -> [MetricGauge] {
        let backlog = try await OutboxMessage.query(on: context.db).filter(\.$regionCode == context.region)
            .filter(\.$status ~~ [.pending, .sending]).count()
        let failed = try await OutboxMessage.query(on: context.db).filter(\.$regionCode == context.region)
            .filter(\.$status == .failed).count()
        return [
            .init(name: "onewindow_outbox_backlog", help: "Messages waiting to be sent (pending or sending).", value: Double(backlog)),
            .init(name: "onewindow_outbox_failed", help: "Messages whose sending failed for good.", value: Double(failed)),
        ]
    }
}
