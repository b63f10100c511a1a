import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("HTTP methods: a path answers only its own; another method is 405 with Allow")
struct MethodTests {
    @Test("DELETE /api/v1/cases → 405 JSON, Allow: GET, HEAD, POST; PUT on a case → Allow: GET, HEAD; unknown paths stay 404")
    func api() async throws {
        try await withTestApp { app in
            let cases = try await app.testing().sendRequest(.DELETE, "/api/v1/cases")
            #expect(cases.status == .methodNotAllowed)
            #expect(cases.headers.first(name: .allow) == "GET, HEAD, POST")
            #expect(try cases.errorPayload() == ["code": "method_not_allowed", "message": "不支持此操作方式"])
            let one = try await app.testing().sendRequest(.PUT, "/api/v1/cases/2025000001")
            #expect(one.status == .methodNotAllowed)
            #expect(one.headers.first(name: .allow) == "GET, HEAD")
            #expect(try await app.testing().sendRequest(.DELETE, "/api/v1/no-such-thing").status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/api/v1/cases").status == .unauthorized)
        }
    }

    @Test("PATCH on a page is a 405 page with Allow; GET /css/site.css is still the file")
    func pages() async throws {
        try await withTestApp { app in
            let page = try await app.testing().sendRequest(.PATCH, "/hotline/appeal")
            #expect(page.status == .methodNotAllowed)
            #expect(page.headers.first(name: .allow) == "GET, HEAD, POST")
            #expect(page.body.string.contains("不支持此操作方式"))
            #expect(try await app.testing().sendRequest(.GET, "/css/site.css").status == .ok)
        }
    }
}
