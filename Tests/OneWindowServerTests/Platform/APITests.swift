import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct DeadlineAPITests {
    @Test func deadlines_over_the_api_are_exact() async throws {
        try await withTestApp { app in
            let response = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-09-26&days=3")
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["dueDate"] as? String == "2025-09-30")
            #expect(body["due"] as? String == "2025-09-30T23:59:59+08:00")
            let paused = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-03-03&days=7&pauses=2025-03-04/2025-03-07")
            #expect(try paused.json()["dueDate"] as? String == "2025-03-17")

            let noCalendar = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2026-12-28&days=5")
            #expect(noCalendar.status == .unprocessableEntity)
            #expect(try noCalendar.errorPayload()["code"] == "calendar_unavailable")
            #expect(try noCalendar.errorPayload()["message"]?.contains("2027 年的节假日安排尚未载入") == true)

            let bad = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-02-30&days=3")
            #expect(bad.status == .badRequest)
            #expect(try bad.errorPayload()["field"] == "from")
            let half = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-03-03&days=0.3")
            #expect(try half.errorPayload()["field"] == "days")
        }
    }

    @Test func the_openapi_document_lists_every_api_route() async throws {
        try await withTestApp { app in
            let response = try await app.testing().sendRequest(.GET, "/api/v1/openapi.json")
            #expect(response.status == .ok)
            let document = try response.json()
            #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(document["paths"] as? [String: Any])
            let routes = app.routes.all.map { "/" + $0.path.map { component -> String in
                if case .parameter(let name) = component { return "{\(name)}" }
                return component.description
            }.joined(separator: "/") }.filter { $0.hasPrefix("/api/v1/") }
            #expect(!routes.isEmpty)
            for route in routes where route != "/api/v1/openapi.json" {
                #expect(paths[String(route.dropFirst("/api/v1".count))] != nil, "\(route) is not in the OpenAPI document")
            }
        }
    }
}
