import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

/// Issue 15 finding 5: a web upload read 50 MB before refusing a 60 MB body. Against a running server over a bare
/// socket: the head promises more than the limit, a few bytes follow, and the 413 must come without the rest.
@Suite("Body limits: refused on Content-Length before reading, chunked bodies at the limit")
struct BodyLimitTests {
    /// A session cookie and its CSRF token from the online application form of 421223SCJG0002.
    static func session(_ app: Application) async throws -> (cookie: String, token: String) {
        var browser = Browser(app)
        let token = try await browser.csrfToken(from: "/apply/421223SCJG0002")
        return (browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), token)
    }

    @Test("POST /apply/{code} with Content-Length 60 MB and 20 bytes sent: 413 in Chinese at once (token in the header)")
    func applyRefusedOnLength() async throws {
        try await withTestApp { app in
            let (cookie, token) = try await Self.session(app)
            try await app.withLoopbackServer { port in
                let client = try RawHTTP(port: port)
                client.send(
                    "POST /apply/421223SCJG0002 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nCookie: \(cookie)\r\nX-CSRF-Token: \(token)\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nAccept: text/html\r\nContent-Length: 62914560\r\n\r\nname=%E5%BC%A0&a=b"
                )
                let answer = try #require(await client.answer(), "no answer: the server waits for the 60 MB")
                #expect(answer.status == 413)
                #expect(answer.text.contains("提交的内容过大，上限为 50 MB"))
                client.close()
            }
        }
    }

    @Test("The API answers a 60 MB Content-Length on /api/v1/cases with JSON 413 at once, before the Bearer token")
    func apiRefusedOnLength() async throws {
        try await withTestApp { app in
            try await app.withLoopbackServer { port in
                let client = try RawHTTP(port: port)
                client.send(
                    "POST /api/v1/cases HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 62914560\r\n\r\n{\"itemCode\":")
                let answer = try #require(await client.answer(), "no answer: the server waits for the body")
                #expect(answer.status == 413)
                #expect(answer.text.contains(#""code":"payload_too_large""#))
                #expect(answer.text.contains("上限为 1 MB"))
                client.close()
            }
        }
    }

    @Test("A chunked form on a 1 MB path is refused once it passes 1 MB, while the client is still sending")
    func chunkedRefusedAtLimit() async throws {
        try await withTestApp { app in
            var browser = Browser(app)
            let token = try await browser.csrfToken(from: "/hotline/appeal")
            let cookie = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
            try await app.withLoopbackServer { port in
                let client = try RawHTTP(port: port)
                client.send(
                    "POST /hotline/appeal HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nCookie: \(cookie)\r\nX-CSRF-Token: \(token)\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = String(repeating: "a", count: 256 << 10)
                for _ in 0..<5 { client.send(String(256 << 10, radix: 16) + "\r\n" + chunk + "\r\n") }  // 1.25 MB, never ended
                let answer = try #require(await client.answer(), "no answer: the server waits for the end of the body")
                #expect(answer.status == 413)
                #expect(answer.text.contains("提交的内容过大，上限为 1 MB"))
                client.close()
            }
        }
    }

    @Test("A body of exactly the limit passes the limit check (the route answers, not 413)")
    func exactLimitPasses() async throws {
        try await withTestApp { app in
            var browser = Browser(app)
            let token = try await browser.csrfToken(from: "/hotline/appeal")
            let padding = String(repeating: "a", count: (1 << 20) - "csrfToken=\(token)&x=".utf8.count)
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .contentType, value: "application/x-www-form-urlencoded")
            let response = try await browser.send(
                .POST, "/hotline/appeal", headers: headers, body: ByteBuffer(string: "csrfToken=\(token)&x=\(padding)"))
            #expect(response.status != .payloadTooLarge)
            #expect(response.status != .forbidden)
        }
    }
}
