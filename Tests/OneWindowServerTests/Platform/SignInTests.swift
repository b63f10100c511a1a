import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct SignInTests {
    @Test func sign_in_rotates_the_session_and_sets_a_safe_cookie() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "zhangsan", roles: [.admin])
            var browser = Browser(app)
            _ = try await browser.get("/signin")
            let anonymous = try #require(browser.cookies["ow_session"])
            let token = try #require(Browser.csrf(in: try await browser.get("/signin").body.string))
            let response = try await browser.post(
                "/signin", form: [("csrfToken", token), ("username", "ZhangSan"), ("password", "test-pass-2025")])
            #expect(response.status == .seeOther)
            #expect(response.headers.first(name: .location) == "/admin")
            let cookie = try #require(response.headers[.setCookie].first { $0.hasPrefix("ow_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Lax"))
            let signedIn = try #require(browser.cookies["ow_session"])
            #expect(signedIn != anonymous)

            let admin = try await browser.get("/admin")
            #expect(admin.status == .ok)
            #expect(admin.body.string.contains("测试zhangsan"))
            #expect(admin.headers.first(name: .cacheControl) == "no-store")
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "staff.sign_in").count() == 1)

            // The old session id is gone server-side: replaying it does not sign anybody in.
            var replay = Browser(app)
            replay.cookies["ow_session"] = anonymous
            #expect(try await replay.get("/admin").status == .seeOther)

            let signOutToken = try #require(Browser.csrf(in: admin.body.string))
            _ = try await browser.post("/signout", form: [("csrfToken", signOutToken)])
            let after = try await browser.get("/admin")
            #expect(after.status == .seeOther)
            #expect(after.headers.first(name: .location)?.hasPrefix("/signin?next=") == true)
        }
    }

    @Test func wrong_passwords_are_refused_then_throttled() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "lisi", roles: [.clerk])
            var browser = Browser(app)
            for _ in 1...5 {
                let response = try await browser.signIn("lisi", "wrong-password-1")
                #expect(response.status == .unauthorized)
                #expect(response.body.string.contains("登录名或密码不正确"))
            }
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "staff.sign_in_failed").count() == 5)
            let blocked = try await browser.signIn("lisi", "test-pass-2025")
            #expect(blocked.status == .tooManyRequests)
            #expect(
                try await AuditEvent.query(on: app.db).filter(\.$action == "staff.sign_in_throttled").first()?.summary
                    == "登录被暂停（尝试次数过多）：登录名 lisi")
            #expect(blocked.body.string.contains("尝试次数过多"))
            #expect(blocked.headers.first(name: "Retry-After") != nil)
        }
    }

    @Test func noise_from_one_address_never_blocks_a_real_password() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "realone", roles: [.clerk])
            var browser = Browser(app)
            for index in 0..<50 {
                #expect(try await browser.signIn("nobody\(index)", "wrong-password-1").status == .unauthorized)
            }
            #expect(try await browser.signIn("nobody-more", "wrong-password-1").status == .tooManyRequests)
            #expect(try await browser.signIn("realone", "test-pass-2025").status == .seeOther)
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "staff.sign_in_throttled").count() == 0)
        }
    }

    @Test func guessing_the_current_password_on_an_open_desk_is_throttled() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "desk", roles: [.clerk])
            var browser = Browser(app)
            try await browser.signIn("desk", "test-pass-2025")
            let token = try await browser.csrfToken(from: "/account/password")
            for _ in 0..<5 {
                let wrong = try await browser.post(
                    "/account/password",
                    form: [
                        ("csrfToken", token), ("current", "guess-pass-2025"), ("password", "next-pass-2025"), ("confirm", "next-pass-2025"),
                    ])
                #expect(wrong.status == .badRequest)
            }
            let locked = try await browser.post(
                "/account/password",
                form: [
                    ("csrfToken", token), ("current", "test-pass-2025"), ("password", "next-pass-2025"), ("confirm", "next-pass-2025"),
                ])
            #expect(locked.status == .tooManyRequests)
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "staff.password_check_failed").count() == 5)
            let long = String(repeating: "汉", count: 24) + "a1"
            #expect(throws: FieldError(field: "password", message: "密码不能超过 72 字节（约 24 个汉字或 72 个字母数字）")) {
                try PasswordPolicy.check(long)
            }
        }
    }

    @Test func sessions_expire_on_the_server() async throws {
        try await withTestApp(configure: { $0.sessionLifetime = -1 }) { app in
            try await makeStaff(app, username: "wangwu", roles: [.admin])
            var browser = Browser(app)
            #expect(try await browser.signIn("wangwu", "test-pass-2025").status == .seeOther)
            let admin = try await browser.get("/admin")
            #expect(admin.status == .seeOther)
            #expect(admin.headers.first(name: .location)?.hasPrefix("/signin") == true)
        }
    }

    @Test func roles_guard_the_admin_pages() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk01", roles: [.clerk])
            var browser = Browser(app)
            #expect(try await browser.signIn("clerk01", "test-pass-2025").headers.first(name: .location) == "/cases/new")
            let admin = try await browser.get("/admin/staff")
            #expect(admin.status == .forbidden)
            #expect(admin.body.string.contains("您的账号没有执行此操作的权限"))
        }
    }

    @Test func a_generated_first_password_must_be_changed() async throws {
        try await withTestApp { app in
            let generated = try #require(try await StaffAccounts.ensureAdmin(password: nil, region: "421223000000", cost: 4, on: app.db))
            #expect(generated.count == 16)
            #expect(try await StaffAccounts.ensureAdmin(password: nil, region: "421223000000", cost: 4, on: app.db) == nil)
            var browser = Browser(app)
            let signIn = try await browser.signIn("admin", generated)
            #expect(signIn.headers.first(name: .location) == "/account/password")
            #expect(try await browser.get("/admin").headers.first(name: .location) == "/account/password")

            let token = try await browser.csrfToken(from: "/account/password")
            let weak = try await browser.post(
                "/account/password", form: [("csrfToken", token), ("current", generated), ("password", "short"), ("confirm", "short")])
            #expect(weak.status == .badRequest)
            #expect(weak.body.string.contains("密码至少 10 位"))
            var otherDesk = Browser(app)
            #expect(try await otherDesk.signIn("admin", generated).status == .seeOther)
            let ok = try await browser.post(
                "/account/password",
                form: [("csrfToken", token), ("current", generated), ("password", "new-pass-2025"), ("confirm", "new-pass-2025")])
            #expect(ok.status == .seeOther)
            #expect(ok.headers.first(name: .location) == "/admin?passwordChanged=1")
            let home = try await browser.get("/admin?passwordChanged=1")
            #expect(home.status == .ok)
            #expect(home.body.string.contains("密码已修改，请牢记新密码。"))
            // The session opened elsewhere with the old password has ended.
            #expect(try await otherDesk.get("/account/password").status == .seeOther)
        }
    }
}

@Suite struct CSRFTests {
    @Test func unsafe_requests_need_the_session_token_and_a_same_origin() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "admin2", roles: [.admin])
            var browser = Browser(app)
            try await browser.signIn("admin2", "test-pass-2025")
            let form = [("code", "TEST"), ("name", "测试局"), ("shortName", "测试"), ("active", "on")]

            let missing = try await browser.post("/admin/departments", form: form)
            #expect(missing.status == .forbidden)
            #expect(missing.body.string.contains("表单已过期或来源不明"))

            var other = Browser(app)
            let foreign = try await other.csrfToken(from: "/signin")
            #expect(try await browser.post("/admin/departments", form: [("csrfToken", foreign)] + form).status == .forbidden)

            let token = try await browser.csrfToken(from: "/admin/departments/new")
            let crossSite = try await browser.post(
                "/admin/departments", form: [("csrfToken", token)] + form,
                headers: ["Origin": "https://evil.example", "Host": "127.0.0.1:8080"])
            #expect(crossSite.status == .forbidden)
            #expect(try await Department.query(on: app.db).filter(\.$code == "TEST").count() == 0)

            let good = try await browser.post("/admin/departments", form: [("csrfToken", token)] + form)
            #expect(good.status == .seeOther)
            #expect(try await Department.query(on: app.db).filter(\.$code == "TEST").count() == 1)
        }
    }
}

@Suite struct RedirectSafetyTests {
    @Test func only_plain_local_paths_are_followed() {
        #expect(SafeRedirect.localPath("/guide?q=a&page=2") == "/guide?q=a&page=2")
        #expect(SafeRedirect.localPath("/guide?q=异地") == "/guide?q=%E5%BC%82%E5%9C%B0")
        for bad in [
            "//evil.example", "/\\evil.example", "/\t/evil.example", "/\r\nSet-Cookie: x=1", "https://evil.example", "guide",
            "/a b", "/\u{202E}x", "",
        ] {
            #expect(SafeRedirect.localPath(bad) == nil, "\(bad.debugDescription) must be refused")
        }
    }

    @Test func header_injection_through_return_and_next_is_refused() async throws {
        try await withTestApp { app in
            var browser = Browser(app)
            let elder = try await browser.get("/preferences/elder?on=1&return=/%0d%0aSet-Cookie:%20x=1")
            #expect(elder.status == .seeOther)
            #expect(elder.headers.first(name: .location) == "/")
            #expect(!elder.headers[.setCookie].contains { $0.hasPrefix("x=") })
            let tab = try await browser.get("/preferences/elder?on=1&return=/%09/evil.example")
            #expect(tab.headers.first(name: .location) == "/")

            try await makeStaff(app, username: "nexttest", roles: [.admin])
            let token = try await browser.csrfToken(from: "/signin?next=/%0d%0aSet-Cookie:%20y=1")
            let signIn = try await browser.post(
                "/signin",
                form: [
                    ("csrfToken", token), ("username", "nexttest"), ("password", "test-pass-2025"), ("next", "/\r\nSet-Cookie: injected=1"),
                ])
            #expect(signIn.headers.first(name: .location) == "/admin")
            #expect(!signIn.headers[.setCookie].contains { $0.hasPrefix("injected=") })
        }
    }

    @Test func a_very_long_path_is_a_404_not_a_500() async throws {
        try await withTestApp { app in
            let long = String(repeating: "A", count: 5000)
            #expect(try await app.testing().sendRequest(.GET, "/\(long)").status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/css/\(long).css").status == .notFound)
            let css = try await app.testing().sendRequest(.GET, "/css/site.css")
            #expect(css.status == .ok)
        }
    }
}
