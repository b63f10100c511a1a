import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Admin pages for staff accounts: list, create (with roles, hall, department), edit, deactivate, reset password.
struct StaffAdminController {
    typealias Option = SelectOption

    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminStaff, use: list)
        admin.get(.adminStaffNew, use: new)
        admin.post(.adminStaff, use: create)
        admin.get(.adminStaffEdit, use: edit)
        admin.post(.adminStaffMember, use: update)
    }

    struct StaffForm: Content {
        var username: String?
        var displayName: String?
        var password: String?
        var roles: [String]?
        var hallID: String?
        var departmentID: String?
        var active: String?
    }

    struct FormContext: Encodable {
        let page: PageChrome
        let action: String
        let isNew: Bool
        let form: StaffForm
        let roles: [Option]
        let halls: [Option]
        let departments: [Option]
        let errors: [String: String]
    }

    func list(req: Request) async throws -> View {
        struct Row: Encodable {
            let id: String, username: String, displayName: String, roles: String, hall: String, department: String, active: Bool
            let lastSignIn: String
        }
        let region = req.settings.region.value
        let zone = req.settings.timeZone
        let staff = try await Staff.scoped(on: req.db, to: region)
            .with(\.$hall).with(\.$department).sort(\.$username).all()
        let rows = staff.map {
            Row(
                id: $0.id!.uuidString, username: $0.username, displayName: $0.displayName,
                roles: Role.allCases.filter($0.roles.contains).map(\.label).joined(separator: "、"),
                hall: $0.hall?.name ?? "—", department: $0.department?.shortName ?? "—", active: $0.active,
                lastSignIn: $0.lastSignInAt.map { LocalTime.format($0, in: zone) } ?? "从未登录")
        }
        struct Context: Encodable { let page: PageChrome; let staff: [Row] }
        return try await req.view.render("admin/staff", Context(page: PageChrome(request: req, title: "工作人员"), staff: rows))
    }

    func new(req: Request) async throws -> View {
        try await render(req, form: StaffForm(roles: [Role.clerk.rawValue], active: "on"), action: SiteRoute.adminStaff.path(), errors: [:])
    }

    func edit(req: Request) async throws -> View {
        let staff = try await find(req)
        let form = StaffForm(
            username: staff.username, displayName: staff.displayName, password: nil,
            roles: staff.roles.map(\.rawValue), hallID: staff.$hall.id?.uuidString,
            departmentID: staff.$department.id?.uuidString, active: staff.active ? "on" : nil)
        return try await render(req, form: form, action: SiteRoute.adminStaffMember.path(staff.id!), errors: [:])
    }

    private func render(_ req: Request, form: StaffForm, action: String, errors: [String: String]) async throws -> View {
        let region = req.settings.region.value
        let halls = try await Hall.scoped(on: req.db, to: region).sort(\.$code).all()
        let departments = try await Department.scoped(on: req.db, to: region).sort(\.$code).all()
        let chosen = Set(form.roles ?? [])
        return try await req.view.render(
            "admin/staff-form",
            FormContext(
                page: PageChrome(request: req, title: action == SiteRoute.adminStaff.path() ? "新增工作人员" : "编辑工作人员"),
                action: action, isNew: action == SiteRoute.adminStaff.path(),
                form: StaffForm(
                    username: form.username, displayName: form.displayName, password: nil, roles: form.roles, hallID: form.hallID,
                    departmentID: form.departmentID, active: form.active),
                roles: Role.allCases.filter { $0 != .citizen }.map {
                    Option(value: $0.rawValue, label: $0.label, selected: chosen.contains($0.rawValue))
                },
                halls: halls.map { Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.hallID) },
                departments: departments.map {
                    Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.departmentID)
                },
                errors: errors))
    }

    /// Checks roles, hall and department; returns them when valid.
    private func checkCommon(_ form: StaffForm, _ check: inout FormCheck, req: Request) async throws -> (Set<Role>, UUID?, UUID?) {
        var roles = Set<Role>()
        for raw in form.roles ?? [] {
            guard let role = Role(rawValue: raw), role != .citizen else {
                check.fail("roles", "角色“\(raw)”不存在")
                continue
            }
            roles.insert(role)
        }
        if roles.isEmpty { check.fail("roles", "请至少选择一个角色") }
        let region = req.settings.region.value
        let hallID = check.uuid(form.hallID, field: "hallID", label: "所在大厅", required: false)
        if let hallID, try await Hall.find(hallID, on: req.db)?.regionCode != region { check.fail("hallID", "所在大厅不存在") }
        // Department staff act for their department: approvers and handlers need one.
        let needsDepartment = roles.contains(.approver) || roles.contains(.handler)
        let departmentID = check.uuid(form.departmentID, field: "departmentID", label: "所属部门（部门审批、承办单位角色必选）", required: needsDepartment)
        if let departmentID, try await Department.find(departmentID, on: req.db)?.regionCode != region {
            check.fail("departmentID", "所属部门不存在")
        }
        return (roles, hallID, departmentID)
    }

    func create(req: Request) async throws -> Response {
        let form = try req.content.decode(StaffForm.self)
        var check = FormCheck()
        let username = check.check { () throws(FieldError) in try StaffAccounts.normalizeUsername(form.username ?? "") }
        let displayName = check.required(form.displayName, field: "displayName", label: "姓名", max: 40)
        let password = form.password ?? ""
        _ = check.check { () throws(FieldError) in try PasswordPolicy.check(password) }
        let (roles, hallID, departmentID) = try await checkCommon(form, &check, req: req)
        if let username, try await Staff.query(on: req.db).filter(\.$username == username).first() != nil {
            check.fail("username", "登录名“\(username)”已被使用")
        }
        guard check.isValid, let username else {
            return try await render(req, form: form, action: SiteRoute.adminStaff.path(), errors: check.errors).encodeResponse(
                status: .badRequest, for: req)
        }
        try await StaffAccounts.create(
            .init(
                username: username, displayName: displayName, password: password, roles: roles, hallID: hallID,
                departmentID: departmentID, mustChangePassword: true),
            region: req.settings.region.value, actor: req.actor, cost: req.settings.bcryptCost, on: req.db)
        return req.redirect(to: SiteRoute.adminStaff.path())
    }

    func update(req: Request) async throws -> Response {
        let staff = try await find(req)
        let form = try req.content.decode(StaffForm.self)
        var check = FormCheck()
        let displayName = check.required(form.displayName, field: "displayName", label: "姓名", max: 40)
        // A password is kept exactly as typed (no NFKC, no trimming): sign-in compares it byte for byte.
        let newPassword = form.password.flatMap { $0.isEmpty ? nil : $0 }
        if let newPassword { _ = check.check { () throws(FieldError) in try PasswordPolicy.check(newPassword) } }
        let (roles, hallID, departmentID) = try await checkCommon(form, &check, req: req)
        let me = req.auth.get(Staff.self)
        if staff.id == me?.id, !roles.contains(.admin) || form.active == nil {
            check.fail("roles", "不能取消自己的管理员角色或停用自己的账号")
        }
        guard check.isValid else {
            var shown = form
            shown.username = staff.username
            return try await render(req, form: shown, action: req.url.path, errors: check.errors).encodeResponse(
                status: .badRequest, for: req)
        }
        if let newPassword {
            staff.passwordHash = try await StaffAccounts.hashPassword(newPassword, cost: req.settings.bcryptCost)
            staff.mustChangePassword = true
        }
        if newPassword != nil || (staff.active && form.active == nil) {
            // A reset or a deactivation ends the account's open sessions.
            staff.credentialsChangedAt = Date()
        }
        let before = Role.allCases.filter(staff.roles.contains).map(\.label).joined(separator: "、")
        staff.displayName = displayName
        staff.roles = roles
        staff.$hall.id = hallID
        staff.$department.id = departmentID
        staff.active = form.active != nil
        let after = Role.allCases.filter(roles.contains).map(\.label).joined(separator: "、")
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            try await staff.update(on: tx)
            var summary = "修改账号 \(staff.username)"
            if before != after { summary += "；角色 \(before) → \(after)" }
            if !staff.active { summary += "；已停用" }
            if newPassword != nil { summary += "；重置密码" }
            try await Audit.record(
                on: tx, region: staff.regionCode, actor: actor, action: "staff.update", entityType: "staff",
                entityID: staff.id?.uuidString, summary: summary)
        }
        return req.redirect(to: SiteRoute.adminStaff.path())
    }

    private func find(_ req: Request) async throws -> Staff {
        try await AdminRecords.find(Staff.self, req)
    }
}
