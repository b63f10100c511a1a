import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `/admin/hotline-categories`: the admin maps each first- and second-level 12345 category to its responsible
/// department and may set its own reply limit (RULES.md, 12345: limits configurable per category). Audited.
struct HotlineCategoryAdminController {
    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminHotlineCategories, use: list)
        admin.post(.adminHotlineCategory, use: update)
    }

    struct Context: Encodable {
        struct Row: Encodable {
            let id: String
            let code: String
            let name: String
            let level: Int
            let department: String
            let inherited: Bool
            let replyLimit: String
            let options: [SelectOption]
            let leaves: String
        }
        let page: PageChrome
        let rows: [Row]
        let error: String?
        let notice: String?
    }

    func list(req: Request) async throws -> View {
        try await render(req, error: nil)
    }

    private func render(_ req: Request, error: String?) async throws -> View {
        let region = req.settings.region.value
        let tree = try await HotlineCategoryTree.load(region: region, on: req.db)
        let departments = try await Department.scoped(on: req.db, to: region).filter(\.$active == true).sort(\.$code)
            .all()
        let names = Dictionary(departments.compactMap { d in d.id.map { ($0, d.shortName) } }, uniquingKeysWith: { a, _ in a })
        var leaves: [UUID: [String]] = [:]
        for node in tree.ordered where node.level == 3 { if let parent = node.parentID { leaves[parent, default: []].append(node.name) } }
        let rows = tree.ordered.filter { $0.level <= 2 }.map { node -> Context.Row in
            let effective = tree.department(of: node.id)
            return .init(
                id: node.id.uuidString, code: node.code, name: node.name, level: node.level,
                department: effective.flatMap { names[$0] } ?? "未设置", inherited: node.departmentID == nil && effective != nil,
                replyLimit: node.replyLimitDays.map(String.init) ?? "",
                options: departments.map {
                    SelectOption(value: $0.id?.uuidString ?? "", label: $0.shortName, selected: $0.id == node.departmentID)
                },
                leaves: (leaves[node.id] ?? []).joined(separator: "、"))
        }
        let notice = (try? req.query.get(String.self, at: "saved")).map { _ in "已保存" }
        return try await req.view.render(
            "hotline/categories",
            Context(
                page: PageChrome(request: req, title: "12345 诉求分类与承办单位"),
                rows: rows, error: error, notice: notice))
    }

    func update(req: Request) async throws -> Response {
        let region = req.settings.region.value
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let category = try await HotlineCategory.find(id, in: region, on: req.db)
        else { throw PlatformError.notFound(what: "分类") }
        let form = try req.formFields()
        var check = FormCheck()
        let department = check.uuid(form["department"], field: "department", label: "承办单位", required: false)
        if let department {
            guard try await Department.find(department, in: region, on: req.db) != nil else {
                return try await render(req, error: "承办单位不存在").encodeResponse(status: .badRequest, for: req)
            }
        }
        var limit: Int?
        if let raw = TextNormalization.normalizedOrNil(form["replyLimit"]) {
            guard let days = Int(raw), (0...60).contains(days) else {
                return try await render(req, error: "答复时限须为 0 至 60 个工作日（留空用诉求类型的默认时限）").encodeResponse(status: .badRequest, for: req)
            }
            limit = days
        }
        guard check.isValid else {
            return try await render(req, error: check.errors.values.sorted().joined(separator: "；")).encodeResponse(
                status: .badRequest, for: req)
        }
        let replyLimit = limit
        try await req.db.writeTransaction { tx in
            category.$department.id = department
            category.replyLimitDays = replyLimit
            try await category.save(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: req.actor, action: "hotline.category", entityType: "hotline_category",
                entityID: id.uuidString, summary: "设置分类“\(category.path)”的承办单位和答复时限（\(replyLimit.map { "\($0) 个工作日" } ?? "默认")）",
                at: req.now)
        }
        return req.redirect(to: SiteRoute.adminHotlineCategories.path(query: ["saved": "1"], fragment: "c-\(category.code)"))
    }
}
