import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Security headers on every answer, cookies with their flags")
struct SecurityHeadersTests {
    static let expected: [String: String] = [
        "Content-Security-Policy":
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    ]

    @Test("A page, an error page (404), a JSON error (401), a refused form (403 CSRF) and a stylesheet carry every header")
    func everyAnswer() async throws {
        try await withTestApp { app in
            let answers = [
                try await app.testing().sendRequest(.GET, "/"),
                try await app.testing().sendRequest(.GET, "/no-such-page"),
                try await app.testing().sendRequest(.GET, "/api/v1/cases"),
                try await app.testing().sendRequest(.POST, "/hotline/appeal"),
                try await app.testing().sendRequest(.GET, "/css/site.css"),
            ]
            #expect(answers.map(\.status.code) == [200, 404, 401, 403, 200])
            for answer in answers {
                for (name, value) in Self.expected { #expect(answer.headers.first(name: name) == value, "\(name)") }
                #expect(answer.headers.first(name: .server) == nil)
                #expect(answer.headers.first(name: "Strict-Transport-Security") == nil)
            }
        }
    }

    @Test("The session cookie is HttpOnly and SameSite=Lax; behind HTTPS also Secure, with HSTS for a year")
    func cookies() async throws {
        try await withTestApp { app in
            let plain = try await app.testing().sendRequest(.GET, "/signin")
            let cookie = try #require(plain.headers.first(name: .setCookie))
            #expect(cookie.hasPrefix("ow_session="))
            #expect(cookie.hasSuffix("; Max-Age=28800; Path=/; HttpOnly; SameSite=Lax"))
        }
        try await withTestApp(configure: { $0.secureCookies = true }) { app in
            let secure = try await app.testing().sendRequest(.GET, "/signin")
            let cookie = try #require(secure.headers.first(name: .setCookie))
            #expect(cookie.hasSuffix("; Max-Age=28800; Path=/; Secure; HttpOnly; SameSite=Lax"))
            #expect(secure.headers.first(name: "Strict-Transport-Security") == "max-age=31536000")
        }
    }
}
