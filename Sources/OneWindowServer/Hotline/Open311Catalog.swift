import Foundation
import OneWindowCore

/// The Open311 GeoReport v2 service list of a region, read from its 12345 category tree (DESIGN.md, Interfaces).
///
/// One service per **second-level** category: `service_code` is the category's code (`0102`), `service_name` its
/// name, `group` the first-level name, `keywords` its third-level names joined by `,`; `metadata` is always true
/// (every service has the `subcategory` and `appeal_type` attributes), `type` `realtime` (a request becomes a
/// work order at once).
struct Open311Catalog: Sendable {
    let tree: HotlineCategoryTree

    /// The second-level categories in the tree's order.
    var services: [HotlineCategoryTree.Node] { tree.ordered.filter { $0.level == 2 } }

    /// The service of `code`, if it is a second-level category.
    func service(_ code: String) -> HotlineCategoryTree.Node? {
        guard let id = tree.byCode[code], let node = tree.nodes[id], node.level == 2 else { return nil }
        return node
    }

    /// The third-level categories under `service`, in order.
    func subcategories(of service: HotlineCategoryTree.Node) -> [HotlineCategoryTree.Node] {
        tree.ordered.filter { $0.parentID == service.id }
    }

    /// The service an order's category belongs to: the category itself (level 2) or its parent (level 3).
    func service(ofCategory id: UUID?) -> HotlineCategoryTree.Node? {
        guard let id, let node = tree.nodes[id] else { return nil }
        switch node.level {
        case 2: return node
        case 3: return node.parentID.flatMap { tree.nodes[$0] }
        default: return nil
        }
    }

    /// The ids of `service` and its subcategories (to find the orders filed under it).
    func categoryIDs(of service: HotlineCategoryTree.Node) -> [UUID] {
        [service.id] + subcategories(of: service).map(\.id)
    }

    /// `GET services`: the `<services>` list.
    func servicesDocument() -> Open311Document {
        Open311Document(
            root: "services",
            value: .list(
                item: "service",
                services.map { service in
                    let group = service.parentID.flatMap { tree.nodes[$0]?.name }
                    let keywords = subcategories(of: service).map(\.name).joined(separator: ",")
                    return .record([
                        ("service_code", .text(service.code)),
                        ("service_name", .text(service.name)),
                        ("description", .text(tree.label(service.id))),
                        ("metadata", .bool(true)),
                        ("type", .text("realtime")),
                        ("keywords", .text(keywords)),
                        ("group", .text(group)),
                    ])
                }))
    }

    /// `GET services/{code}`: the `<service_definition>` with two single-value lists, `subcategory` (the
    /// third-level categories, key = code) and `appeal_type` (咨询 … 表扬, key = `inquiry` …), both optional.
    func definitionDocument(of service: HotlineCategoryTree.Node) -> Open311Document {
        func value(_ key: String, _ name: String) -> Open311Node { .record([("key", .text(key)), ("name", .text(name))]) }
        let subcategory: Open311Node = .record([
            ("variable", .bool(true)),
            ("code", .text("subcategory")),
            ("datatype", .text("singlevaluelist")),
            ("required", .bool(false)),
            ("datatype_description", .text("三级分类编码，取自 values 的 key")),
            ("order", .integer(1)),
            ("description", .text("具体问题类别（不选则按“\(service.name)”受理）")),
            ("values", .list(item: "value", subcategories(of: service).map { value($0.code, $0.name) })),
        ])
        let appealType: Open311Node = .record([
            ("variable", .bool(true)),
            ("code", .text("appeal_type")),
            ("datatype", .text("singlevaluelist")),
            ("required", .bool(false)),
            ("datatype_description", .text("诉求类型，取自 values 的 key；不填为求助（help）")),
            ("order", .integer(2)),
            ("description", .text("诉求类型：咨询、求助、投诉、举报、建议或表扬")),
            ("values", .list(item: "value", AppealType.allCases.map { value($0.rawValue, $0.label) })),
        ])
        return Open311Document(
            root: "service_definition",
            value: .record([
                ("service_code", .text(service.code)),
                ("attributes", .list(item: "attribute", [subcategory, appealType])),
            ]))
    }
}
