import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Staff sign-in, sign-out and password change.
struct SignInController {
    struct SignInForm: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    struct SignInContext: Encodable {
        let page: PageChrome
        let username: String
        let next: String
        let error: String?
    }

    func register(_ web: any RoutesBuilder) {
        web.get("signin", use: show)
        web.post("signin", use: signIn)
        web.post("signout", use: signOut)
        let account = web.grouped(RoleGuard())
        account.get("account", "password", use: showPassword)
        account.post("account", "password", use: changePassword)
    }

    func show(req: Request) async throws -> View {
        let next = (try? req.query.get(String.self, at: "next")) ?? ""
        return try await req.view.render(
            "platform/signin", SignInContext(page: PageChrome(request: req, title: "工作人员登录", forms: true), username: "", next: safeNext(next), error: nil))
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let username = TextNormalization.normalize(form.username ?? "").lowercased()
        let password = form.password ?? ""
        let address = req.remoteAddress?.ipAddress ?? "unknown"
        let next = safeNext(form.next ?? "")
        try await req.application.signInThrottle.check(account: username, address: address)

        func fail(_ message: String, status: HTTPResponseStatus) async throws -> Response {
            let view = try await req.view.render(
                "platform/signin",
                SignInContext(page: PageChrome(request: req, title: "工作人员登录", forms: true), username: username, next: next, error: message))
            return try await view.encodeResponse(status: status, for: req)
        }
        guard !username.isEmpty, !password.isEmpty else {
            return try await fail("请输入登录名和密码", status: .badRequest)
        }
        guard let staff = try await Staff.query(on: req.db).filter(\.$username == username).first(),
            staff.active, await StaffAccounts.verify(password, hash: staff.passwordHash)
        else {
            await req.application.signInThrottle.recordFailure(account: username, address: address)
            return try await fail("登录名或密码不正确", status: .unauthorized)
        }
        await req.application.signInThrottle.recordSuccess(account: username)
        try await StaffSession.signIn(staff, on: req)
        staff.lastSignInAt = Date()
        try await req.db.transaction { tx in
            try await staff.update(on: tx)
            try await Audit.record(
                on: tx, region: staff.regionCode, actor: Actor(id: staff.id, name: staff.username, ip: address),
                action: "staff.sign_in", entityType: "staff", entityID: staff.id?.uuidString, summary: "登录")
        }
        if staff.mustChangePassword { return req.redirect(to: Paths.changePassword) }
        return req.redirect(to: next.isEmpty ? (staff.has(.admin) ? Paths.admin : Paths.home) : next)
    }

    func signOut(req: Request) async throws -> Response {
        if let staff = req.auth.get(Staff.self) {
            try await Audit.record(
                on: req.db, region: staff.regionCode, actor: req.actor, action: "staff.sign_out", entityType: "staff",
                entityID: staff.id?.uuidString, summary: "退出登录")
        }
        StaffSession.signOut(on: req)
        return req.redirect(to: Paths.home)
    }

    struct PasswordForm: Content {
        var current: String?
        var password: String?
        var confirm: String?
    }

    struct PasswordContext: Encodable {
        let page: PageChrome
        let mustChange: Bool
        let errors: [String: String]
        let done: Bool
    }

    func showPassword(req: Request) async throws -> View {
        let staff = try req.auth.require(Staff.self)
        return try await req.view.render(
            "platform/password", PasswordContext(page: PageChrome(request: req, title: "修改密码"), mustChange: staff.mustChangePassword, errors: [:], done: false))
    }

    func changePassword(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let form = try req.content.decode(PasswordForm.self)
        var errors: [String: String] = [:]
        if !(await StaffAccounts.verify(form.current ?? "", hash: staff.passwordHash)) {
            errors["current"] = "当前密码不正确"
        }
        do {
            try PasswordPolicy.check(form.password ?? "")
        } catch {
            errors["password"] = error.message
        }
        if form.password != form.confirm { errors["confirm"] = "两次输入的新密码不一致" }
        if form.password == form.current, errors["password"] == nil { errors["password"] = "新密码不能与当前密码相同" }
        if !errors.isEmpty {
            let view = try await req.view.render(
                "platform/password", PasswordContext(page: PageChrome(request: req, title: "修改密码"), mustChange: staff.mustChangePassword, errors: errors, done: false))
            return try await view.encodeResponse(status: .badRequest, for: req)
        }
        staff.passwordHash = try await StaffAccounts.hashPassword(form.password ?? "", cost: req.settings.bcryptCost)
        staff.mustChangePassword = false
        try await req.db.transaction { tx in
            try await staff.update(on: tx)
            try await Audit.record(
                on: tx, region: staff.regionCode, actor: req.actor, action: "staff.change_password", entityType: "staff",
                entityID: staff.id?.uuidString, summary: "修改密码")
        }
        let view = try await req.view.render(
            "platform/password", PasswordContext(page: PageChrome(request: req, title: "修改密码"), mustChange: false, errors: [:], done: true))
        return try await view.encodeResponse(for: req)
    }

    /// Only a local path is followed after sign-in (no open redirect).
    private func safeNext(_ next: String) -> String {
        next.hasPrefix("/") && !next.hasPrefix("//") && !next.contains("\\") ? next : ""
    }
}
