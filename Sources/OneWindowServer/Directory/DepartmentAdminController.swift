import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Admin pages for the departments of the site's region. Every change is audited.
struct DepartmentAdminController {
    typealias Option = SelectOption

    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminDepartments, use: departments)
        admin.get(.adminDepartmentNew, use: newDepartment)
        admin.post(.adminDepartments, use: saveDepartment)
        admin.get(.adminDepartmentEdit, use: editDepartment)
        admin.post(.adminDepartment, use: saveDepartment)
    }

    struct DepartmentForm: Content {
        var code: String?
        var name: String?
        var shortName: String?
        var active: String?
    }

    struct DepartmentFormContext: Encodable {
        let page: PageChrome
        let action: String
        let isNew: Bool
        let form: DepartmentForm
        let errors: [String: String]
    }

    func departments(req: Request) async throws -> View {
        struct Row: Encodable { let id: String, code: String, name: String, shortName: String, active: Bool }
        let region = req.settings.region.value
        let rows = try await Department.scoped(on: req.db, to: region).sort(\.$code).all().map {
            Row(id: $0.id!.uuidString, code: $0.code, name: $0.name, shortName: $0.shortName, active: $0.active)
        }
        struct Context: Encodable { let page: PageChrome; let departments: [Row] }
        return try await req.view.render("admin/departments", Context(page: PageChrome(request: req, title: "部门管理"), departments: rows))
    }

    func newDepartment(req: Request) async throws -> View {
        try await renderDepartment(req, form: DepartmentForm(active: "on"), action: SiteRoute.adminDepartments.path(), errors: [:])
    }

    func editDepartment(req: Request) async throws -> View {
        let department = try await AdminRecords.find(Department.self, req)
        let form = DepartmentForm(
            code: department.code, name: department.name, shortName: department.shortName, active: department.active ? "on" : nil)
        return try await renderDepartment(req, form: form, action: SiteRoute.adminDepartment.path(department.id!), errors: [:])
    }

    private func renderDepartment(_ req: Request, form: DepartmentForm, action: String, errors: [String: String]) async throws -> View {
        try await req.view.render(
            "admin/department-form",
            DepartmentFormContext(
                page: PageChrome(request: req, title: action == SiteRoute.adminDepartments.path() ? "新增部门" : "编辑部门"),
                action: action, isNew: action == SiteRoute.adminDepartments.path(), form: form, errors: errors))
    }

    func saveDepartment(req: Request) async throws -> Response {
        let form = try req.content.decode(DepartmentForm.self)
        let region = req.settings.region.value
        let existing = try await AdminRecords.findOptional(Department.self, req)
        var check = FormCheck()
        let code = check.code(form.code, field: "code", label: "部门编码")
        let name = check.required(form.name, field: "name", label: "部门全称", max: 80)
        let shortName = check.optional(form.shortName, field: "shortName", label: "简称", max: 30) ?? name
        if !code.isEmpty,
            let other = try await Department.scoped(on: req.db, to: region).filter(\.$code == code).first(),
            other.id != existing?.id
        {
            check.fail("code", "部门编码 \(code) 已被“\(other.name)”使用")
        }
        if !name.isEmpty,
            let other = try await Department.scoped(on: req.db, to: region).filter(\.$name == name).first(),
            other.id != existing?.id
        {
            check.fail("name", "已有同名部门（编码 \(other.code)）")
        }
        guard check.isValid else {
            return try await renderDepartment(req, form: form, action: req.url.path, errors: check.errors).encodeResponse(
                status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            if let other = try await Department.scoped(on: tx, to: region).filter(\.$code == code).first(),
                other.id != existing?.id
            {
                throw FieldError(field: "code", message: "部门编码 \(code) 已被“\(other.name)”使用")
            }
            let department = existing ?? Department()
            department.regionCode = region
            department.code = code
            department.name = name
            department.shortName = shortName
            department.active = form.active != nil
            try await department.save(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: existing == nil ? "department.create" : "department.update",
                entityType: "department", entityID: department.id?.uuidString, summary: "\(existing == nil ? "新增" : "修改")部门 \(code) \(name)"
            )
        }
        return req.redirect(to: SiteRoute.adminDepartments.path())
    }
}
