import Fluent
import Foundation
import OneWindowCore
import Vapor

/// 事项管理 pages: drafts to complete (filter by reason), published items, completing and withdrawing an item.
struct CatalogItemAdminController {
    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminDrafts, use: drafts)
        admin.get(.adminItemEdit, use: editItem)
        admin.post(.adminItem, use: saveItem)
        admin.post(.adminItemWithdraw, use: withdrawItem)
    }

    /// Drafts, 100 a page, filterable by reason (`flag=no_limits`) and text (`q=`).
    func drafts(req: Request) async throws -> View {
        struct Row: Encodable {
            let id: String; let code: String; let name: String; let subItem: String?; let department: String; let regionCode: String
            let reasons: String; let link: String
        }
        struct Context: Encodable {
            let page: PageChrome; let rows: [Row]; let total: Int; let flags: [SelectOption]; let q: String; let pager: Pager;
            let published: String?
            let showingPublished: Bool; let withdrawn: String?
        }
        let showingPublished = (try? req.query.get(String.self, at: "status")) == "published"
        let flag = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "flag"))
        let text = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "q"))
        let page = req.pageParameter
        let per = 100
        let regions = RegionScope.visible(for: req.settings.region)
        let query = ServiceItem.query(on: req.db).filter(\.$status == (showingPublished ? .published : .draft)).filter(
            \.$regionCode ~~ regions)
        if let flag { query.filter(\.$flagsJSON ~~ "\"code\":\"\(flag)\"") }
        if let text { query.filter(\.$searchText ~~ text.uppercased()) }
        let total = try await query.count()
        let items = try await query.copy().sort(\.$name).sort(\.$itemCode).range(((page - 1) * per)..<(page * per)).all()
        let rows = items.map {
            Row(
                id: $0.id!.uuidString, code: $0.itemCode, name: $0.name, subItem: $0.subItem == $0.name ? nil : $0.subItem,
                department: $0.departmentName ?? "—", regionCode: $0.regionCode,
                reasons: $0.flags.map(\.message).joined(separator: "；"), link: SiteRoute.adminItemEdit.path($0.id!.uuidString))
        }
        let flagOptions: [(String, String)] = [
            ("missing_department", "缺少实施机关"), ("malformed_department", "实施机关格式异常"), ("missing_category", "缺少事项类型"),
            ("missing_case_type", "缺少办件类型"), ("no_limits", "无时限"), ("missing_promised_limit", "缺少承诺时限"),
            ("promised_exceeds_statutory", "承诺超过法定"), ("invalid_number", "数字无效"), ("invalid_guide_url", "链接无效"),
            ("unknown_category", "事项类型无法识别"), ("unknown_case_type", "办件类型无法识别"), ("unknown_online_flag", "网办标记无法识别"),
            ("invisible_characters", "含不可见字符"), ("withdrawn", "管理员撤回"),
        ]
        func link(_ number: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(number))]
            if let flag { items.append(.init(name: "flag", value: flag)) }
            if let text { items.append(.init(name: "q", value: text)) }
            if showingPublished { items.append(.init(name: "status", value: "published")) }
            var components = URLComponents()
            components.path = SiteRoute.adminDrafts.path()
            components.queryItems = items
            return components.string ?? SiteRoute.adminDrafts.path()
        }
        // Only an item code comes from the link, and only a real one is confirmed.
        func confirmed(_ key: String) async throws -> String? {
            guard let code = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: key)), code.count <= 40 else {
                return nil
            }
            return try await ServiceItem.scoped(on: req.db, to: regions).filter(\.$itemCode == code).first()?.itemCode
        }
        let published = try await confirmed("published")
        let withdrawnCode = try await confirmed("withdrawn")
        return try await req.view.render(
            "admin/drafts",
            Context(
                page: PageChrome(request: req, title: showingPublished ? "已发布事项" : "待补全事项（草稿）"), rows: rows, total: total,
                flags: flagOptions.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == flag) }, q: text ?? "",
                pager: Pager(page: page, per: per, total: total, link: link), published: published, showingPublished: showingPublished,
                withdrawn: withdrawnCode))
    }

    struct ItemForm: Content {
        var departmentName: String?
        var category: String?
        var caseType: String?
        var statutoryDays: String?
        var promisedDays: String?
        var fullyOnline: String?
    }

    struct ItemFormContext: Encodable {
        let page: PageChrome
        let itemCode: String
        let name: String
        let published: Bool
        let subItem: String?
        let guideURL: String?
        let status: String
        let flags: [String]
        let action: String
        let form: ItemForm
        let categories: [SelectOption]
        let caseTypes: [SelectOption]
        let errors: [String: String]
    }

    func editItem(req: Request) async throws -> View {
        let item = try await findItem(req)
        let form = ItemForm(
            departmentName: item.departmentName, category: item.category?.rawValue, caseType: item.caseType?.rawValue,
            statutoryDays: item.statutory?.description, promisedDays: item.promised?.description,
            fullyOnline: item.fullyOnline.map { $0 ? "yes" : "no" })
        return try await renderItem(req, item: item, form: form, errors: [:])
    }

    private func renderItem(_ req: Request, item: ServiceItem, form: ItemForm, errors: [String: String]) async throws -> View {
        try await req.view.render(
            "admin/item-form",
            ItemFormContext(
                page: PageChrome(request: req, title: "补全事项：\(item.name)"), itemCode: item.itemCode, name: item.name,
                published: item.status == .published,
                subItem: item.subItem == item.name ? nil : item.subItem, guideURL: item.guideURL,
                status: item.status == .draft ? "草稿（未公开）" : "已发布", flags: item.flags.map(\.message),
                action: SiteRoute.adminItem.path(item.id!.uuidString), form: form,
                categories: ItemCategory.allCases.map {
                    .init(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.category)
                },
                caseTypes: CaseType.allCases.map { .init(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.caseType) },
                errors: errors))
    }

    /// Saves an admin's completion of an item; it is published when no reason to hold it remains.
    func saveItem(req: Request) async throws -> Response {
        let item = try await findItem(req)
        let form = try req.content.decode(ItemForm.self)
        var check = FormCheck()
        let department = check.required(form.departmentName, field: "departmentName", label: "实施机关", max: 80)
        let category = check.choice(form.category, field: "category", label: "事项类型", as: ItemCategory.self)
        let caseType = check.choice(form.caseType, field: "caseType", label: "办件类型", as: CaseType.self)
        func days(_ raw: String?, field: String, label: String) -> WorkingDays? {
            guard let text = TextNormalization.normalizedOrNil(raw) else { return nil }
            guard let value = WorkingDays(parsing: text) else {
                check.fail(field, "\(label)应为不小于 0 的数，且为 0.5 的整数倍")
                return nil
            }
            return value
        }
        let statutory = days(form.statutoryDays, field: "statutoryDays", label: "法定办结时限")
        let promised = days(form.promisedDays, field: "promisedDays", label: "承诺办结时限")
        let online: Bool?
        switch form.fullyOnline ?? "" {
        case "yes": online = true
        case "no": online = false
        case "": online = nil
        default:
            online = nil
            check.fail("fullyOnline", "全程网办只能选“是”“否”或“未确定”")
        }
        let flags = CatalogRow.flags(
            department: department.isEmpty ? nil : department, category: category, caseType: caseType,
            statutory: statutory, promised: promised, fullyOnline: online)
        for flag in flags {
            switch flag {
            case .noLimits, .missingPromisedLimit: check.fail("promisedDays", flag.message)
            case .promisedExceedsStatutory: check.fail("promisedDays", flag.message)
            default: break
            }
        }
        guard check.isValid else {
            return try await renderItem(req, item: item, form: form, errors: check.errors).encodeResponse(status: .badRequest, for: req)
        }
        let actor = req.actor
        try await req.db.writeTransaction { tx in
            try await RowLock.lock(ServiceItem.schema, id: item.requireID(), on: tx)
            let match = try await Department.scoped(on: tx, to: item.regionCode).filter(\.$name == department).first()
            item.$department.id = match?.id
            item.departmentName = department
            item.category = category
            item.caseType = caseType
            item.statutoryDays = statutory?.days
            item.promisedDays = promised?.days
            item.fullyOnline = online
            item.flags = []
            item.status = .published
            item.refreshSearchText()
            try await item.update(on: tx)
            try await Audit.record(
                on: tx, region: item.regionCode, actor: actor, action: "item.publish", entityType: "service_item",
                entityID: item.id?.uuidString, summary: "补全并发布事项 \(item.itemCode) \(item.name)")
        }
        return req.redirect(
            to: SiteRoute.adminDrafts.path(query: ["published": item.itemCode]))
    }

    /// Takes a published item out of the public guide (back to draft, with the reason shown on the drafts page).
    func withdrawItem(req: Request) async throws -> Response {
        let found = try await findItem(req)
        let actor = req.actor
        let item = try await req.db.writeTransaction { tx in
            // Re-read under the row lock: of two admins withdrawing at once, one withdraws, the other is told.
            try await RowLock.lock(ServiceItem.schema, id: found.requireID(), on: tx)
            guard let item = try await ServiceItem.find(found.id, on: tx), item.status == .published else {
                throw PlatformError.conflict("该事项已不是已发布状态（可能刚被他人撤回）")
            }
            item.status = .draft
            item.flags = [ServiceItem.withdrawnFlag]
            try await item.update(on: tx)
            try await Audit.record(
                on: tx, region: item.regionCode, actor: actor, action: "item.withdraw", entityType: "service_item",
                entityID: item.id?.uuidString, summary: "撤回事项 \(item.itemCode) \(item.name)")
            return item
        }
        return req.redirect(
            to: SiteRoute.adminDrafts.path(query: ["withdrawn": item.itemCode]))
    }

    private func findItem(_ req: Request) async throws -> ServiceItem {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let item = try await ServiceItem.find(id, on: req.db),
            RegionScope.visible(for: req.settings.region).contains(item.regionCode)
        else {
            throw PlatformError.notFound(what: "该事项")
        }
        return item
    }
}
