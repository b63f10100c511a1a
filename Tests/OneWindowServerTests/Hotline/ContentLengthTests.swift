import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

/// Schemathesis found it (ST201): a content of more than 4,000 code points was accepted because the check counted
/// grapheme clusters of the text left after control characters were taken out, while the OpenAPI document's
/// `maxLength: 4000` counts the code points sent.
@Suite("Length limits count code points, as the OpenAPI document's maxLength does")
struct ContentLengthTests {
    static func post(_ app: Application, token: String, content: String) async throws -> TestingHTTPResponse {
        let body = try JSONSerialization.data(withJSONObject: ["appealType": "inquiry", "content": content])
        let response = try await app.testing().sendRequest(
            .POST, "/api/v1/work-orders", headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
            body: ByteBuffer(data: body))
        return response
    }

    @Test("POST /api/v1/work-orders: 4,000 code points (2,000 letters with a combining accent) pass, 4,002 are refused on content")
    func workOrderContent() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-10 09:00")
            let token = try await HotlineFixtures.token(app, "app-gateway")
            let accepted = try await Self.post(app, token: token, content: String(repeating: "e\u{301}", count: 2000))
            #expect(accepted.status == .created)
            let refused = try await Self.post(app, token: token, content: String(repeating: "e\u{301}", count: 2001))
            #expect(refused.status == .badRequest)
            #expect(try refused.errorPayload()["field"] == "content")
            #expect(try refused.errorPayload()["message"] == "诉求内容不能超过 4000 字")
            // 3,999 letters and two control characters: 4,001 sent, over the limit although 3,999 would be kept.
            let controls = try await Self.post(app, token: token, content: String(repeating: "路", count: 3999) + "\u{3}\u{89}")
            #expect(controls.status == .badRequest)
            #expect(try controls.errorPayload()["field"] == "content")
        }
    }
}
