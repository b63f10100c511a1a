import Fluent
import FluentSQL
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Guide search filters, validated. Shared by the public pages and `GET /api/v1/items`.
struct GuideFilter: Sendable, Equatable {
    var text: String?
    var departmentID: UUID?
    /// A department given by code or name (`RSJ`, `崇阳县人力资源和社会保障局`), resolved to `departmentID` by the query.
    var departmentKey: String?
    var category: ItemCategory?
    var caseType: CaseType?
    var fullyOnline: Bool?
    var page: Int = 1
    var per: Int = 20

    static let maxPer = 100

    /// Reads `q`, `department`, `category`, `caseType`, `online`, `page`, `per` from a query string.
    /// - Throws: `FieldError` naming the parameter for a value that is not valid (`page=0`, `category=foo` …).
    static func from(_ query: URLQueryContainer) throws(FieldError) -> GuideFilter {
        func text(_ key: String) -> String? { TextNormalization.normalizedOrNil(try? query.get(String.self, at: key)) }
        var filter = GuideFilter()
        filter.text = text("q")
        if let q = filter.text, TextNormalization.length(q) > 100 { throw FieldError(field: "q", message: "关键词不能超过 100 字") }
        if let raw = text("department") {
            if let id = UUID(uuidString: raw) {
                filter.departmentID = id
            } else if raw.count <= 80 {
                filter.departmentKey = raw
            } else {
                throw FieldError(field: "department", message: "部门参数应为部门 ID、编码或全称")
            }
        }
        if let raw = text("category") {
            guard let value = ItemCategory(rawValue: raw) ?? ItemCategory(label: raw) else {
                throw FieldError(
                    field: "category",
                    message: "事项类型“\(raw)”不存在，可选：\(ItemCategory.allCases.map { "\($0.label)（\($0.rawValue)）" }.joined(separator: "、"))")
            }
            filter.category = value
        }
        if let raw = text("caseType") {
            guard let value = CaseType(rawValue: raw) ?? CaseType(label: raw) else {
                throw FieldError(
                    field: "caseType",
                    message: "办件类型“\(raw)”不存在，可选：\(CaseType.allCases.map { "\($0.label)（\($0.rawValue)）" }.joined(separator: "、"))")
            }
            filter.caseType = value
        }
        if let raw = text("online") {
            switch raw.lowercased() {
            case "1", "true", "yes": filter.fullyOnline = true
            case "0", "false", "no": filter.fullyOnline = false
            default: throw FieldError(field: "online", message: "“只看全程网办”（online）只能是 true 或 false")
            }
        }
        // Numbers: a parameter given empty (`page=`) is not an integer either (the OpenAPI document says integer).
        func number(_ key: String) -> String? {
            (try? query.get(String.self, at: key)).map { TextNormalization.normalizedOrNil($0) ?? "" }
        }
        if let raw = number("page") {
            guard let page = Int(raw), page >= 1, page <= 100_000 else { throw FieldError(field: "page", message: "页码（page）应为不小于 1 的整数") }
            filter.page = page
        }
        if let raw = number("per") {
            guard let per = Int(raw), (1...maxPer).contains(per) else {
                throw FieldError(field: "per", message: "每页条数（per）应为 1–\(maxPer) 的整数")
            }
            filter.per = per
        }
        return filter
    }
}

/// Catalogue queries; they take a `Database`, never a `Request`.
enum CatalogQueries {
    /// Published items matching `filter` in `regions`: the most local region first (the county's own items
    /// before the province's), then by name and item code, so pages are stable.
    /// - Returns: the page of items (departments loaded) and the total count.
    static func search(_ filter: GuideFilter, regions: [String], on db: any Database) async throws -> (items: [ServiceItem], total: Int) {
        let query = ServiceItem.scoped(on: db, to: regions)
            .filter(\.$status == .published)
        if let text = filter.text {
            // Substring match on the pre-built search text finds words inside Chinese text (no word spaces);
            // instr/strpos take the text literally, so `%` and `_` need no escaping. Every term must match;
            // a term matches through any of its alternatives (GuideSearch.synonyms).
            let function = (db as? any SQLDatabase)?.dialect.name == "postgresql" ? "strpos" : "instr"
            for alternatives in GuideSearch.terms(text) {
                let clauses = alternatives.map { "\(unsafeRaw: function)(search_text, \(bind: $0)) > 0" as SQLQueryString }
                query.filter(.sql(embed: "(" + clauses.joined(separator: " OR ") + ")"))
            }
        }
        if let id = filter.departmentID { query.filter(\.$department.$id == id) }
        if let key = filter.departmentKey {
            let matches = try await Department.scoped(on: db, to: regions)
                .group(.or) { $0.filter(\.$code == key.uppercased()).filter(\.$name == key).filter(\.$shortName == key) }
                .all().compactMap(\.id)
            guard !matches.isEmpty else { throw FieldError(field: "department", message: "没有名为或编码为“\(key)”的部门") }
            query.filter(\.$department.$id ~~ matches)
        }
        if let category = filter.category { query.filter(\.$category == category) }
        if let caseType = filter.caseType { query.filter(\.$caseType == caseType) }
        if let online = filter.fullyOnline { query.filter(\.$fullyOnline == online) }
        let total = try await query.count()
        let items = try await query.copy()
            .sort(\.$regionCode, .descending).sort(\.$name).sort(\.$itemCode)
            .range(((filter.page - 1) * filter.per)..<(filter.page * filter.per))
            .with(\.$department)
            .all()
        return (items, total)
    }

    /// A published item by its code, from the nearest region that has it, with its materials in order.
    static func item(code: String, regions: [String], on db: any Database) async throws -> ServiceItem? {
        let candidates = try await ServiceItem.scoped(on: db, to: regions)
            .filter(\.$itemCode == TextNormalization.normalize(code).uppercased())
            .filter(\.$status == .published)
            .with(\.$department)
            .with(\.$materials)
            .all()
        return candidates.min { regions.firstIndex(of: $0.regionCode)! < regions.firstIndex(of: $1.regionCode)! }
    }

    /// Departments that have published items in `regions`, for the filter list.
    static func departmentsWithItems(regions: [String], on db: any Database) async throws -> [Department] {
        let ids = Set(
            try await ServiceItem.scoped(on: db, to: regions).filter(\.$status == .published)
                .field(\.$department.$id).all().compactMap { $0.$department.id })
        guard !ids.isEmpty else { return [] }
        return try await Department.query(on: db).filter(\.$id ~~ ids).sort(\.$regionCode, .descending).sort(\.$name).all()
    }
}
