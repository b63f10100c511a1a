import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Admin pages for the halls of the site's region (county centre, township centres, village stations).
/// Every change is one transaction with its audit event; bad input comes back beside each field (400).
struct HallAdminController {
    typealias Option = SelectOption

    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminHalls, use: halls)
        admin.get(.adminHallNew, use: newHall)
        admin.post(.adminHalls, use: saveHall)
        admin.get(.adminHallEdit, use: editHall)
        admin.post(.adminHall, use: saveHall)
    }

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
        let halls = try await Hall.scoped(on: req.db, to: region).sort(\.$code).all()
        let windows = try await Window.scoped(on: req.db, to: region).all()
        let rows = halls.map { hall in
            Row(
                id: hall.id!.uuidString, code: hall.code, name: hall.name, level: hall.level.label, divisionCode: hall.divisionCode,
                address: hall.address, active: hall.active, windowCount: windows.filter { $0.$hall.id == hall.id }.count)
        }
        struct Context: Encodable { let page: PageChrome; let halls: [Row] }
        return try await req.view.render("admin/halls", Context(page: PageChrome(request: req, title: "大厅管理"), halls: rows))
    }

    func newHall(req: Request) async throws -> View {
        try await renderHall(
            req, form: HallForm(level: HallLevel.township.rawValue, active: "on"), action: SiteRoute.adminHalls.path(), errors: [:])
    }

    func editHall(req: Request) async throws -> View {
        let hall = try await AdminRecords.find(Hall.self, req)
        let form = HallForm(
            code: hall.code, name: hall.name, level: hall.level.rawValue, divisionCode: hall.divisionCode,
            address: hall.address, phone: hall.phone, hours: hall.hours, active: hall.active ? "on" : nil)
        return try await renderHall(req, form: form, action: SiteRoute.adminHall.path(hall.id!), errors: [:])
    }

    private func renderHall(_ req: Request, form: HallForm, action: String, errors: [String: String]) async throws -> View {
        let levels = HallLevel.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.level) }
        return try await req.view.render(
            "admin/hall-form",
            HallFormContext(
                page: PageChrome(request: req, title: action == SiteRoute.adminHalls.path() ? "新增大厅" : "编辑大厅"),
                action: action, isNew: action == SiteRoute.adminHalls.path(), form: form, levels: levels, errors: errors))
    }

    func saveHall(req: Request) async throws -> Response {
        let form = try req.content.decode(HallForm.self)
        let region = req.settings.region.value
        let existing = try await AdminRecords.findOptional(Hall.self, req)
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
        if !code.isEmpty, let other = try await Hall.scoped(on: req.db, to: region).filter(\.$code == code).first(),
            other.id != existing?.id
        {
            check.fail("code", "大厅编码 \(code) 已被“\(other.name)”使用")
        }
        guard check.isValid, let level, let division else {
            return try await renderHall(req, form: form, action: req.url.path, errors: check.errors).encodeResponse(
                status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            if let other = try await Hall.scoped(on: tx, to: region).filter(\.$code == code).first(),
                other.id != existing?.id
            {
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
            // A new hall can issue tickets at once: its default categories come with it.
            if existing == nil { for setup in req.application.hallSetups.all { try await setup.hallCreated(hall, on: tx) } }
            try await Audit.record(
                on: tx, region: region, actor: actor, action: existing == nil ? "hall.create" : "hall.update", entityType: "hall",
                entityID: hall.id?.uuidString, summary: "\(existing == nil ? "新增" : "修改")大厅 \(code) \(name)")
        }
        return req.redirect(to: SiteRoute.adminHalls.path())
    }
}
