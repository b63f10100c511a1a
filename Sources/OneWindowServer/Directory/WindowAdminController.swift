import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Admin pages for the windows (counters) of the halls: 综合窗口, 专业窗口, 局长帮办专区. Every change is audited.
struct WindowAdminController {
    typealias Option = SelectOption

    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminWindows, use: windows)
        admin.get(.adminWindowNew, use: newWindow)
        admin.post(.adminWindows, use: saveWindow)
        admin.get(.adminWindowEdit, use: editWindow)
        admin.post(.adminWindow, use: saveWindow)
    }

    struct WindowForm: Content {
        var hallID: String?
        var number: String?
        var name: String?
        var kind: String?
        var departmentID: String?
        var active: String?
    }

    struct WindowFormContext: Encodable {
        let page: PageChrome
        let action: String
        let isNew: Bool
        let form: WindowForm
        let halls: [Option]
        let kinds: [Option]
        let departments: [Option]
        let errors: [String: String]
    }

    func windows(req: Request) async throws -> View {
        struct Row: Encodable { let id: String, hall: String, number: String, name: String, kind: String, department: String, active: Bool }
        let region = req.settings.region.value
        let windows = try await Window.scoped(on: req.db, to: region)
            .with(\.$hall).with(\.$department).all()
            .sorted { ($0.hall.code, Int($0.number) ?? 0) < ($1.hall.code, Int($1.number) ?? 0) }
        let rows = windows.map {
            Row(
                id: $0.id!.uuidString, hall: $0.hall.name, number: $0.number, name: $0.name, kind: $0.kind.label,
                department: $0.department?.shortName ?? "—", active: $0.active)
        }
        struct Context: Encodable { let page: PageChrome; let windows: [Row] }
        return try await req.view.render("admin/windows", Context(page: PageChrome(request: req, title: "窗口管理"), windows: rows))
    }

    func newWindow(req: Request) async throws -> View {
        try await renderWindow(
            req, form: WindowForm(kind: WindowKind.comprehensive.rawValue, active: "on"), action: SiteRoute.adminWindows.path(), errors: [:]
        )
    }

    func editWindow(req: Request) async throws -> View {
        let window = try await AdminRecords.find(Window.self, req)
        let form = WindowForm(
            hallID: window.$hall.id.uuidString, number: window.number, name: window.name, kind: window.kind.rawValue,
            departmentID: window.$department.id?.uuidString, active: window.active ? "on" : nil)
        return try await renderWindow(req, form: form, action: SiteRoute.adminWindow.path(window.id!), errors: [:])
    }

    private func renderWindow(_ req: Request, form: WindowForm, action: String, errors: [String: String]) async throws -> View {
        let region = req.settings.region.value
        let halls = try await Hall.scoped(on: req.db, to: region).sort(\.$code).all()
        let departments = try await Department.scoped(on: req.db, to: region).sort(\.$code).all()
        return try await req.view.render(
            "admin/window-form",
            WindowFormContext(
                page: PageChrome(request: req, title: action == SiteRoute.adminWindows.path() ? "新增窗口" : "编辑窗口"),
                action: action, isNew: action == SiteRoute.adminWindows.path(), form: form,
                halls: halls.map { Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.hallID) },
                kinds: WindowKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.kind) },
                departments: departments.map {
                    Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.departmentID)
                },
                errors: errors))
    }

    func saveWindow(req: Request) async throws -> Response {
        let form = try req.content.decode(WindowForm.self)
        let region = req.settings.region.value
        let existing = try await AdminRecords.findOptional(Window.self, req)
        var check = FormCheck()
        let hallID = check.uuid(form.hallID, field: "hallID", label: "所属大厅", required: true)
        let number = check.windowNumber(form.number, field: "number", label: "窗口号")
        let name = check.required(form.name, field: "name", label: "窗口名称", max: 40)
        let kind = check.choice(form.kind, field: "kind", label: "窗口类型", as: WindowKind.self)
        let departmentID = check.uuid(form.departmentID, field: "departmentID", label: "部门", required: kind == .specialist)
        if kind == .comprehensive, departmentID != nil {
            check.fail("departmentID", "综合窗口受理所有部门的事项，不属于某一个部门")
        }
        let hall = try await hallID.asyncFlatMap { try await Hall.find($0, on: req.db) }
        if hallID != nil, hall?.regionCode != region { check.fail("hallID", "所属大厅不存在") }
        if let hall, !number.isEmpty,
            let other = try await Window.query(on: req.db).filter(\.$hall.$id == hall.id!).filter(\.$number == number).first(),
            other.id != existing?.id
        {
            check.fail("number", "\(hall.name) 已有 \(number) 号窗口")
        }
        if let departmentID, try await Department.find(departmentID, on: req.db)?.regionCode != region {
            check.fail("departmentID", "部门不存在")
        }
        guard check.isValid, let hall, let kind else {
            return try await renderWindow(req, form: form, action: req.url.path, errors: check.errors).encodeResponse(
                status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            if let other = try await Window.query(on: tx).filter(\.$hall.$id == hall.id!).filter(\.$number == number).first(),
                other.id != existing?.id
            {
                throw FieldError(field: "number", message: "\(hall.name) 已有 \(number) 号窗口")
            }
            let window = existing ?? Window()
            window.regionCode = region
            window.$hall.id = hall.id!
            window.number = number
            window.name = name
            window.kind = kind
            window.$department.id = departmentID
            window.active = form.active != nil
            try await window.save(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: existing == nil ? "window.create" : "window.update", entityType: "window",
                entityID: window.id?.uuidString, summary: "\(existing == nil ? "新增" : "修改")窗口 \(hall.name) \(number) 号（\(kind.label)）")
        }
        return req.redirect(to: SiteRoute.adminWindows.path())
    }
}
