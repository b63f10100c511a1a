import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Admin pages for halls, departments and windows of the site's region. Every change is one transaction with
/// its audit event; a form with bad input comes back with a message beside each field (400).
struct DirectoryAdminController {
    func register(_ admin: any RoutesBuilder) {
        admin.get("halls", use: halls)
        admin.get("halls", "new", use: newHall)
        admin.post("halls", use: saveHall)
        admin.get("halls", ":id", "edit", use: editHall)
        admin.post("halls", ":id", use: saveHall)

        admin.get("departments", use: departments)
        admin.get("departments", "new", use: newDepartment)
        admin.post("departments", use: saveDepartment)
        admin.get("departments", ":id", "edit", use: editDepartment)
        admin.post("departments", ":id", use: saveDepartment)

        admin.get("windows", use: windows)
        admin.get("windows", "new", use: newWindow)
        admin.post("windows", use: saveWindow)
        admin.get("windows", ":id", "edit", use: editWindow)
        admin.post("windows", ":id", use: saveWindow)
    }

    typealias Option = SelectOption

    // MARK: Halls

    struct HallForm: Content {
        var code: String?
        var name: String?
        var level: String?
        var divisionCode: String?
        var address: String?
        var phone: String?
        var hours: String?
        var active: String?
    }

    struct HallFormContext: Encodable {
        let page: PageChrome
        let action: String
        let isNew: Bool
        let form: HallForm
        let levels: [Option]
        let errors: [String: String]
    }

    func halls(req: Request) async throws -> View {
        struct Row: Encodable {
            let id: String, code: String, name: String, level: String, divisionCode: String, address: String, active: Bool
            let windowCount: Int
        }
        let region = req.settings.region.value
        let halls = try await Hall.query(on: req.db).filter(\.$regionCode == region).sort(\.$code).all()
        let windows = try await Window.query(on: req.db).filter(\.$regionCode == region).all()
        let rows = halls.map { hall in
            Row(id: hall.id!.uuidString, code: hall.code, name: hall.name, level: hall.level.label, divisionCode: hall.divisionCode,
                address: hall.address, active: hall.active, windowCount: windows.filter { $0.$hall.id == hall.id }.count)
        }
        struct Context: Encodable { let page: PageChrome; let halls: [Row] }
        return try await req.view.render("admin/halls", Context(page: PageChrome(request: req, title: "大厅管理"), halls: rows))
    }

    func newHall(req: Request) async throws -> View {
        try await renderHall(req, form: HallForm(level: HallLevel.township.rawValue, active: "on"), action: Paths.adminHalls, errors: [:])
    }

    func editHall(req: Request) async throws -> View {
        let hall = try await find(Hall.self, req)
        let form = HallForm(code: hall.code, name: hall.name, level: hall.level.rawValue, divisionCode: hall.divisionCode,
                            address: hall.address, phone: hall.phone, hours: hall.hours, active: hall.active ? "on" : nil)
        return try await renderHall(req, form: form, action: Paths.adminHalls + "/\(hall.id!.uuidString)", errors: [:])
    }

    private func renderHall(_ req: Request, form: HallForm, action: String, errors: [String: String]) async throws -> View {
        let levels = HallLevel.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.level) }
        return try await req.view.render("admin/hall-form", HallFormContext(
            page: PageChrome(request: req, title: action == Paths.adminHalls ? "新增大厅" : "编辑大厅"),
            action: action, isNew: action == Paths.adminHalls, form: form, levels: levels, errors: errors))
    }

    func saveHall(req: Request) async throws -> Response {
        let form = try req.content.decode(HallForm.self)
        let region = req.settings.region.value
        let existing = try await findOptional(Hall.self, req)
        var check = FormCheck()
        let code = check.code(form.code, field: "code", label: "大厅编码")
        let name = check.required(form.name, field: "name", label: "大厅名称", max: 60)
        let level = check.choice(form.level, field: "level", label: "层级", as: HallLevel.self)
        let division = check.check { () throws(FieldError) in try RegionCode(form.divisionCode ?? "", field: "divisionCode") }
        let address = check.optional(form.address, field: "address", label: "地址", max: 120) ?? ""
        let phone = check.optional(form.phone, field: "phone", label: "电话", max: 40) ?? ""
        let hours = check.optional(form.hours, field: "hours", label: "办公时间", max: 200) ?? ""
        if let division, !division.value.hasPrefix(String(region.prefix(6))) {
            check.fail("divisionCode", "服务区域应在本县（\(region.prefix(6))）范围内")
        } else if let division, try await Region.find(division.value, on: req.db) == nil {
            check.fail("divisionCode", "行政区划代码 \(division.value) 不存在")
        }
        if !code.isEmpty, let other = try await Hall.query(on: req.db).filter(\.$regionCode == region).filter(\.$code == code).first(),
            other.id != existing?.id
        {
            check.fail("code", "大厅编码 \(code) 已被“\(other.name)”使用")
        }
        guard check.isValid, let level, let division else {
            return try await renderHall(req, form: form, action: req.url.path, errors: check.errors).encodeResponse(status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            if let other = try await Hall.query(on: tx).filter(\.$regionCode == region).filter(\.$code == code).first(), other.id != existing?.id {
                throw FieldError(field: "code", message: "大厅编码 \(code) 已被“\(other.name)”使用")
            }
            let hall = existing ?? Hall()
            hall.regionCode = region
            hall.code = code
            hall.name = name
            hall.level = level
            hall.divisionCode = division.value
            hall.address = address
            hall.phone = phone
            hall.hours = hours
            hall.active = form.active != nil
            try await hall.save(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: existing == nil ? "hall.create" : "hall.update", entityType: "hall",
                entityID: hall.id?.uuidString, summary: "\(existing == nil ? "新增" : "修改")大厅 \(code) \(name)")
        }
        return req.redirect(to: Paths.adminHalls)
    }

    // MARK: Departments

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
        let rows = try await Department.query(on: req.db).filter(\.$regionCode == region).sort(\.$code).all().map {
            Row(id: $0.id!.uuidString, code: $0.code, name: $0.name, shortName: $0.shortName, active: $0.active)
        }
        struct Context: Encodable { let page: PageChrome; let departments: [Row] }
        return try await req.view.render("admin/departments", Context(page: PageChrome(request: req, title: "部门管理"), departments: rows))
    }

    func newDepartment(req: Request) async throws -> View {
        try await renderDepartment(req, form: DepartmentForm(active: "on"), action: Paths.adminDepartments, errors: [:])
    }

    func editDepartment(req: Request) async throws -> View {
        let department = try await find(Department.self, req)
        let form = DepartmentForm(code: department.code, name: department.name, shortName: department.shortName, active: department.active ? "on" : nil)
        return try await renderDepartment(req, form: form, action: Paths.adminDepartments + "/\(department.id!.uuidString)", errors: [:])
    }

    private func renderDepartment(_ req: Request, form: DepartmentForm, action: String, errors: [String: String]) async throws -> View {
        try await req.view.render("admin/department-form", DepartmentFormContext(
            page: PageChrome(request: req, title: action == Paths.adminDepartments ? "新增部门" : "编辑部门"),
            action: action, isNew: action == Paths.adminDepartments, form: form, errors: errors))
    }

    func saveDepartment(req: Request) async throws -> Response {
        let form = try req.content.decode(DepartmentForm.self)
        let region = req.settings.region.value
        let existing = try await findOptional(Department.self, req)
        var check = FormCheck()
        let code = check.code(form.code, field: "code", label: "部门编码")
        let name = check.required(form.name, field: "name", label: "部门全称", max: 80)
        let shortName = check.optional(form.shortName, field: "shortName", label: "简称", max: 30) ?? name
        if !code.isEmpty, let other = try await Department.query(on: req.db).filter(\.$regionCode == region).filter(\.$code == code).first(),
            other.id != existing?.id
        {
            check.fail("code", "部门编码 \(code) 已被“\(other.name)”使用")
        }
        if !name.isEmpty, let other = try await Department.query(on: req.db).filter(\.$regionCode == region).filter(\.$name == name).first(),
            other.id != existing?.id
        {
            check.fail("name", "已有同名部门（编码 \(other.code)）")
        }
        guard check.isValid else {
            return try await renderDepartment(req, form: form, action: req.url.path, errors: check.errors).encodeResponse(status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            if let other = try await Department.query(on: tx).filter(\.$regionCode == region).filter(\.$code == code).first(), other.id != existing?.id {
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
                entityType: "department", entityID: department.id?.uuidString, summary: "\(existing == nil ? "新增" : "修改")部门 \(code) \(name)")
        }
        return req.redirect(to: Paths.adminDepartments)
    }

    // MARK: Windows

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
        let windows = try await Window.query(on: req.db).filter(\.$regionCode == region)
            .with(\.$hall).with(\.$department).all()
            .sorted { ($0.hall.code, Int($0.number) ?? 0) < ($1.hall.code, Int($1.number) ?? 0) }
        let rows = windows.map {
            Row(id: $0.id!.uuidString, hall: $0.hall.name, number: $0.number, name: $0.name, kind: $0.kind.label,
                department: $0.department?.shortName ?? "—", active: $0.active)
        }
        struct Context: Encodable { let page: PageChrome; let windows: [Row] }
        return try await req.view.render("admin/windows", Context(page: PageChrome(request: req, title: "窗口管理"), windows: rows))
    }

    func newWindow(req: Request) async throws -> View {
        try await renderWindow(req, form: WindowForm(kind: WindowKind.comprehensive.rawValue, active: "on"), action: Paths.adminWindows, errors: [:])
    }

    func editWindow(req: Request) async throws -> View {
        let window = try await find(Window.self, req)
        let form = WindowForm(hallID: window.$hall.id.uuidString, number: window.number, name: window.name, kind: window.kind.rawValue,
                              departmentID: window.$department.id?.uuidString, active: window.active ? "on" : nil)
        return try await renderWindow(req, form: form, action: Paths.adminWindows + "/\(window.id!.uuidString)", errors: [:])
    }

    private func renderWindow(_ req: Request, form: WindowForm, action: String, errors: [String: String]) async throws -> View {
        let region = req.settings.region.value
        let halls = try await Hall.query(on: req.db).filter(\.$regionCode == region).sort(\.$code).all()
        let departments = try await Department.query(on: req.db).filter(\.$regionCode == region).sort(\.$code).all()
        return try await req.view.render("admin/window-form", WindowFormContext(
            page: PageChrome(request: req, title: action == Paths.adminWindows ? "新增窗口" : "编辑窗口"),
            action: action, isNew: action == Paths.adminWindows, form: form,
            halls: halls.map { Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.hallID) },
            kinds: WindowKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.kind) },
            departments: departments.map { Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id?.uuidString == form.departmentID) },
            errors: errors))
    }

    func saveWindow(req: Request) async throws -> Response {
        let form = try req.content.decode(WindowForm.self)
        let region = req.settings.region.value
        let existing = try await findOptional(Window.self, req)
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
            let other = try await Window.query(on: req.db).filter(\.$hall.$id == hall.id!).filter(\.$number == number).first(), other.id != existing?.id
        {
            check.fail("number", "\(hall.name) 已有 \(number) 号窗口")
        }
        if let departmentID, try await Department.find(departmentID, on: req.db)?.regionCode != region {
            check.fail("departmentID", "部门不存在")
        }
        guard check.isValid, let hall, let kind else {
            return try await renderWindow(req, form: form, action: req.url.path, errors: check.errors).encodeResponse(status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            if let other = try await Window.query(on: tx).filter(\.$hall.$id == hall.id!).filter(\.$number == number).first(), other.id != existing?.id {
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
        return req.redirect(to: Paths.adminWindows)
    }

    // MARK: Lookup

    /// The record named by `:id` in the site's region, or 404.
    private func find<M: Model>(_ type: M.Type, _ req: Request) async throws -> M where M.IDValue == UUID {
        guard let model = try await findOptional(type, req) else { throw PlatformError.notFound(what: "该记录") }
        return model
    }

    private func findOptional<M: Model>(_ type: M.Type, _ req: Request) async throws -> M? where M.IDValue == UUID {
        guard let raw = req.parameters.get("id") else { return nil }
        guard let id = UUID(uuidString: raw), let model = try await M.find(id, on: req.db) else {
            throw PlatformError.notFound(what: "该记录")
        }
        let region = (model as? Hall)?.regionCode ?? (model as? Department)?.regionCode ?? (model as? Window)?.regionCode
        guard region == req.settings.region.value else { throw PlatformError.notFound(what: "该记录") }
        return model
    }
}

extension Optional {
    func asyncFlatMap<U>(_ transform: (Wrapped) async throws -> U?) async rethrows -> U? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
