import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The public guide (办事指南): home page, search with filters, and an item's page.
struct GuideWebController {
    func register(_ web: any RoutesBuilder) {
        web.get(.home, use: home)
        web.get(.guide, use: search)
        web.get(.item, use: show)
    }

    typealias Option = SelectOption

    struct ResultRow: Encodable {
        let code: String
        let name: String
        let subItem: String?
        let department: String
        let category: String
        let caseType: String
        let statutory: String
        let promised: String
        let cut: String
        let online: Bool
        /// Whether the catalogue says if the item is fully online (imported rows may not).
        let onlineKnown: Bool
        let link: String
    }

    struct SearchContext: Encodable {
        let page: PageChrome
        let q: String
        let departments: [Option]
        let categories: [Option]
        let caseTypes: [Option]
        let online: Bool
        let results: [ResultRow]
        let total: Int
        let pageNumber: Int
        let pageCount: Int
        let pager: Pager
        let searched: Bool
    }

    func home(req: Request) async throws -> View {
        struct Context: Encodable {
            let page: PageChrome
            let popular: [ResultRow]
        }
        // The county's own items: what people come to this centre for.
        var filter = GuideFilter()
        filter.per = 12
        let (items, _) = try await CatalogQueries.search(filter, regions: [req.settings.region.value], on: req.db)
        return try await req.view.render("guide/home", Context(page: PageChrome(request: req, title: "首页"), popular: items.map(row)))
    }

    func search(req: Request) async throws -> View {
        let filter = try GuideFilter.from(req.query)
        let regions = RegionScope.visible(for: req.settings.region)
        let (items, total) = try await CatalogQueries.search(filter, regions: regions, on: req.db)
        let departments = try await CatalogQueries.departmentsWithItems(regions: regions, on: req.db)
        let pageCount = max(1, (total + filter.per - 1) / filter.per)
        func link(page: Int) -> String {
            var components = URLComponents()
            components.path = SiteRoute.guide.path()
            var items: [URLQueryItem] = []
            if let q = filter.text { items.append(.init(name: "q", value: q)) }
            if let id = filter.departmentID { items.append(.init(name: "department", value: id.uuidString)) }
            if let key = filter.departmentKey { items.append(.init(name: "department", value: key)) }
            if let category = filter.category { items.append(.init(name: "category", value: category.rawValue)) }
            if let caseType = filter.caseType { items.append(.init(name: "caseType", value: caseType.rawValue)) }
            if let online = filter.fullyOnline { items.append(.init(name: "online", value: online ? "1" : "0")) }
            if filter.per != GuideFilter().per { items.append(.init(name: "per", value: String(filter.per))) }
            items.append(.init(name: "page", value: String(page)))
            components.queryItems = items
            return components.string ?? SiteRoute.guide.path()
        }
        let context = SearchContext(
            page: PageChrome(request: req, title: filter.text.map { "搜索“\($0)”" } ?? "办事指南"),
            q: filter.text ?? "",
            departments: departments.map { department in
                let byKey =
                    filter.departmentKey.map {
                        [department.code, department.name, department.shortName].contains($0) || department.code == $0.uppercased()
                    } ?? false
                return Option(
                    value: department.id?.uuidString ?? "", label: department.name, selected: department.id == filter.departmentID || byKey)
            },
            categories: ItemCategory.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == filter.category) },
            caseTypes: CaseType.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == filter.caseType) },
            online: filter.fullyOnline == true,
            results: items.map(row),
            total: total,
            pageNumber: filter.page,
            pageCount: pageCount,
            pager: Pager(page: filter.page, per: filter.per, total: total, link: link(page:)),
            searched: filter != GuideFilter())
        return try await req.view.render("guide/search", context)
    }

    func show(req: Request) async throws -> View {
        struct MaterialRow: Encodable {
            let position: Int
            let name: String
            let form: String
            let copies: Int
            let required: Bool
            let isKey: Bool
            let licenceType: String?
            let note: String?
        }
        struct Context: Encodable {
            let page: PageChrome
            let item: ResultRow
            let detail: ItemDetailDTO
            let materials: [MaterialRow]
            let cutDays: String?
            let cutPercent: String?
            let visits: String
            /// The item has a materials list (imported provincial rows do not carry one).
            let materialsKnown: Bool
            let phones: [Phone]
            /// Back to the search the visitor came from, when they came from one.
            let back: String
        }
        struct Phone: Encodable {
            let text: String
            /// `tel:` link when the text starts with a dialable number.
            let dial: String?
        }
        let code = req.parameters.get("code") ?? ""
        let regions = RegionScope.visible(for: req.settings.region)
        guard let item = try await CatalogQueries.item(code: code, regions: regions, on: req.db) else {
            throw PlatformError.notFound(what: "该事项（实施编码 \(code)）")
        }
        let detail = ItemDetailDTO(item)
        let materials = item.materials.sorted { $0.position < $1.position }.map {
            MaterialRow(
                position: $0.position, name: $0.name, form: $0.form.label, copies: $0.copies, required: $0.required,
                isKey: $0.isKey, licenceType: $0.licenceType, note: $0.note)
        }
        let cut = LimitCut(statutory: item.statutory, promised: item.promised)
        return try await req.view.render(
            "guide/item",
            Context(
                page: PageChrome(request: req, title: item.name), item: row(item), detail: detail, materials: materials,
                cutDays: cut.flatMap { $0.days > 0 ? Self.days($0.days) : nil },
                cutPercent: cut.map { String(format: "%.2f%%", $0.percent) },
                visits: item.visits.map { $0 == 0 ? "0 次（全程网办或邮寄送达）" : "\($0) 次" } ?? "未注明",
                materialsKnown: !materials.isEmpty || item.source != "import",
                phones: (item.phones ?? "").split(whereSeparator: { $0 == ";" || $0 == "；" }).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
                .filter { !$0.isEmpty }.map { Phone(text: $0, dial: Self.dialable($0)) },
                back: Self.backToSearch(req)))
    }

    func row(_ item: ServiceItem) -> ResultRow {
        let cut = LimitCut(statutory: item.statutory, promised: item.promised)
        return ResultRow(
            code: item.itemCode, name: item.name, subItem: item.subItem == item.name ? nil : item.subItem,
            department: item.department?.name ?? item.departmentName ?? "未注明",
            category: item.category?.label ?? "未注明", caseType: item.caseType?.label ?? "未注明",
            statutory: item.statutory.map { "\($0) 个工作日" } ?? "未注明",
            promised: Self.promisedText(item),
            cut: cut.map { $0.percent > 0 ? String(format: "压缩 %.2f%%", $0.percent) : "" } ?? "",
            online: item.fullyOnline == true, onlineKnown: item.fullyOnline != nil, link: SiteRoute.item.path(item.itemCode))
    }

    /// The leading number of a phone text (`027-87576380（妇幼处）` → `tel:027-87576380`), or `nil`.
    static func dialable(_ text: String) -> String? {
        let number = String(text.prefix { $0.isASCII && ($0.isNumber || $0 == "-") })
        return number.filter(\.isNumber).count >= 5 ? "tel:" + number : nil
    }

    /// The guide search the visitor came from (Referer on this site), or the plain guide.
    static func backToSearch(_ req: Request) -> String {
        guard let referer = req.headers.first(name: .referer), let url = URLComponents(string: referer),
            url.path == SiteRoute.guide.path(),
            let local = SafeRedirect.localPath(url.path + (url.percentEncodedQuery.map { "?" + $0 } ?? ""))
        else { return SiteRoute.guide.path() }
        return local
    }

    /// A 即办件 is done on the spot whether or not its row states a promised limit.
    static func promisedText(_ item: ServiceItem) -> String {
        if let promised = item.promised { return promised.halfDays == 0 ? "即办（当场办结）" : "\(promised) 个工作日" }
        return item.caseType == .instant ? "即办（当场办结）" : "未注明"
    }

    static func days(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) 个工作日" : String(format: "%.1f 个工作日", value)
    }
}
