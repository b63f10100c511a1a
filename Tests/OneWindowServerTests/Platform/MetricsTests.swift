import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("/metrics")
struct MetricsTests {
    /// The value of the sample `name{labels}` in a Prometheus text page (labels as printed, in order).
    static func sample(_ page: String, _ series: String) -> Double? {
        for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test("Without the Bearer token a caller that is not on loopback gets 404; a wrong token too")
    func refusedWithoutToken() async throws {
        try await withTestApp(configure: { $0.metricsToken = "metrics-secret-1" }) { app in
            #expect(try await app.testing().sendRequest(.GET, "/metrics").status == .notFound)
            let wrong = try await app.testing().sendRequest(.GET, "/metrics", headers: ["authorization": "Bearer metrics-secret-2"])
            #expect(wrong.status == .notFound)
        }
    }

    @Test("The queue gauge moves by one when a ticket is issued; outbox, cases and work-order gauges; requests by route pattern")
    func gaugesAndRequests() async throws {
        try await withTestApp(configure: { $0.metricsToken = "metrics-secret-1" }) { app in
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let auth: HTTPHeaders = ["authorization": "Bearer metrics-secret-1"]
            let series = #"onewindow_queue_waiting{hall="CY-ZX",hall_name="#
            let before = try await app.testing().sendRequest(.GET, "/metrics", headers: auth)
            #expect(before.status == .ok)
            #expect(before.headers.contentType?.description.hasPrefix("text/plain") == true)
            let page = before.body.string
            let line = try #require(page.split(separator: "\n").first { $0.hasPrefix(series) && $0.contains(#"category="A""#) })
            let seriesA = String(line.prefix { $0 != "}" }) + "}"
            #expect(Self.sample(page, seriesA) == 0)
            #expect(Self.sample(page, "onewindow_outbox_backlog") == 0)
            #expect(Self.sample(page, "onewindow_outbox_failed") == 0)
            #expect(Self.sample(page, "onewindow_cases_overdue") == 0)
            #expect(Self.sample(page, "onewindow_cases_due_today") == 0)
            #expect(Self.sample(page, "onewindow_work_orders_awaiting_sign") == 0)

            for _ in 0..<2 {
                let issued = try await app.testing().sendRequest(
                    .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                    body: ByteBuffer(string: #"{"category":"A"}"#))
                #expect(issued.status == .created)
            }
            let after = try await app.testing().sendRequest(.GET, "/metrics", headers: auth).body.string
            #expect(Self.sample(after, seriesA) == 2)
            // Requests are counted by route pattern, never by the raw path.
            #expect(after.contains(#"http_requests_total{method="POST",path="/api/v1/halls/:hall/tickets",status="201"}"#))
            #expect(!after.contains("/api/v1/halls/CY-ZX/tickets"))
            #expect(after.contains(#"onewindow_request_database_seconds_count{method="POST",path="/api/v1/halls/:hall/tickets"}"#))
        }
    }
}
