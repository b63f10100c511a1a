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
        web.get(.signIn, use: show)
        web.post(.signIn, use: signIn)
        web.post(.signOut, use: signOut)
        let account = web.grouped(RoleGuard())
        account.get(.changePassword, use: showPassword)
        account.post(.changePassword, use: changePassword)
    }

    func show(req: Request) async throws -> View {
        let next = (try? req.query.get(String.self, at: "next")) ?? ""
        return try await req.view.render(
            "platform/signin",
            SignInContext(page: PageChrome(request: req, title: "工作人员登录", forms: true), username: "", next: safeNext(next), error: nil))
    }

    func signIn(req: Request) async throws -> Response {
        let form = try req.content.decode(SignInForm.self)
        let username = TextNormalization.normalize(form.username ?? "").lowercased()
        let password = form.password ?? ""
        let address = req.remoteAddress?.ipAddress ?? "unknown"
        let next = safeNext(form.next ?? "")
        let staff = username.isEmpty ? nil : try await Staff.query(on: req.db).filter(\.$username == username).first()
        let throttle = req.application.signInThrottle
        do {
            try await throttle.check(account: username, address: address, accountExists: staff != nil)
        } catch {
            if staff != nil, await throttle.shouldAuditRefusal(account: username) {
                try await Audit.record(
                    on: req.db, region: staff?.regionCode ?? req.settings.region.value,
                    actor: Actor(id: nil, name: "anonymous", ip: address),
                    action: "staff.sign_in_throttled", entityType: "staff", entityID: staff?.id?.uuidString,
                    summary: "登录被暂停（尝试次数过多）：登录名 \(username.prefix(32))")
            }
            throw error
        }

        func fail(_ message: String, status: HTTPResponseStatus) async throws -> Response {
            let view = try await req.view.render(
                "platform/signin",
                SignInContext(page: PageChrome(request: req, title: "工作人员登录", forms: true), username: username, next: next, error: message))
            return try await view.encodeResponse(status: status, for: req)
        }
        guard !username.isEmpty, !password.isEmpty else {
            return try await fail("请输入登录名和密码", status: .badRequest)
        }
        // Unknown names cost a Bcrypt check too, so timing does not tell which names exist.
        let verified = await StaffAccounts.verify(
            password, hash: staff?.passwordHash ?? StaffAccounts.timingDummyHash(cost: req.settings.bcryptCost))
        guard let staff, staff.active, verified else {
            await throttle.recordFailure(account: username, address: address, accountExists: staff != nil)
            try await Audit.record(
                on: req.db, region: req.settings.region.value, actor: Actor(id: nil, name: "anonymous", ip: address),
                action: "staff.sign_in_failed", entityType: "staff", entityID: nil, summary: "登录失败：登录名 \(username.prefix(32))")
            return try await fail("登录名或密码不正确", status: .unauthorized)
        }
        await throttle.recordSuccess(account: username)
        try await StaffSession.signIn(staff.principal, on: req)
        req.auth.login(staff)
        staff.lastSignInAt = Date()
        try await req.db.writeTransaction { tx in
            try await staff.update(on: tx)
            try await Audit.record(
                on: tx, region: staff.regionCode, actor: Actor(id: staff.id, name: staff.username, ip: address),
                action: "staff.sign_in", entityType: "staff", entityID: staff.id?.uuidString, summary: "登录")
        }
        if staff.mustChangePassword { return req.redirect(to: SiteRoute.changePassword.path()) }
        return req.redirect(to: next.isEmpty ? SiteRoute.landing(for: staff.roles) : next)
    }

    func signOut(req: Request) async throws -> Response {
        if let staff = req.auth.get(Staff.self) {
            try await Audit.record(
                on: req.db, region: staff.regionCode, actor: req.actor, action: "staff.sign_out", entityType: "staff",
                entityID: staff.id?.uuidString, summary: "退出登录")
        }
        req.auth.logout(Staff.self)
        StaffSession.signOut(on: req)
        return req.redirect(to: SiteRoute.home.path())
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
            "platform/password",
            PasswordContext(page: PageChrome(request: req, title: "修改密码"), mustChange: staff.mustChangePassword, errors: [:], done: false))
    }

    func changePassword(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let form = try req.content.decode(PasswordForm.self)
        var errors: [String: String] = [:]
        let throttle = req.application.signInThrottle
        let address = req.remoteAddress?.ipAddress ?? "unknown"
        try await throttle.check(account: staff.username, address: address, accountExists: true)
        if !(await StaffAccounts.verify(form.current ?? "", hash: staff.passwordHash)) {
            // A session left open on a counter PC must not become a way to guess the password.
            await throttle.recordFailure(account: staff.username, address: address, accountExists: true)
            try await Audit.record(
                on: req.db, region: staff.regionCode, actor: req.actor, action: "staff.password_check_failed", entityType: "staff",
                entityID: staff.id?.uuidString, summary: "修改密码时当前密码输入错误")
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
                "platform/password",
                PasswordContext(
                    page: PageChrome(request: req, title: "修改密码"), mustChange: staff.mustChangePassword, errors: errors, done: false))
            return try await view.encodeResponse(status: .badRequest, for: req)
        }
        staff.passwordHash = try await StaffAccounts.hashPassword(form.password ?? "", cost: req.settings.bcryptCost)
        staff.mustChangePassword = false
        // Other sessions of this account end; this one is re-issued below.
        staff.credentialsChangedAt = Date()
        try await req.db.writeTransaction { tx in
            try await staff.update(on: tx)
            try await Audit.record(
                on: tx, region: staff.regionCode, actor: req.actor, action: "staff.change_password", entityType: "staff",
                entityID: staff.id?.uuidString, summary: "修改密码")
        }
        try await StaffSession.signIn(staff.principal, on: req)
        req.auth.login(staff)
        return req.redirect(
            to: SiteRoute.landing(for: staff.roles) + (SiteRoute.landing(for: staff.roles).contains("?") ? "&" : "?") + "passwordChanged=1")
    }

    /// Only a safe local path is followed after sign-in (no open redirect, no header injection).
    private func safeNext(_ next: String) -> String {
        SafeRedirect.localPath(next) ?? ""
    }
}
