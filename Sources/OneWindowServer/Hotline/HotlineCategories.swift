import Fluent
import Foundation
import OneWindowCore

/// The category tree of one region, read once per request: look-ups by id and path, and the responsible department
/// of a category (its own, else the nearest ancestor's).
struct HotlineCategoryTree: Sendable {
    struct Node: Sendable {
        let id: UUID
        let path: String
        let code: String
        let name: String
        let level: Int
        let parentID: UUID?
        let departmentID: UUID?
        let replyLimitDays: Int?
    }

    let nodes: [UUID: Node]
    let byPath: [String: UUID]
    let byCode: [String: UUID]
    /// In the file's order (level 1, its level 2s, their level 3s …).
    let ordered: [Node]

    init(_ categories: [HotlineCategory]) {
        let nodes = categories.sorted { $0.position < $1.position }.compactMap { category -> Node? in
            guard let id = category.id else { return nil }
            return Node(
                id: id, path: category.path, code: category.code, name: category.name, level: category.level, parentID: category.parentID,
                departmentID: category.$department.id, replyLimitDays: category.replyLimitDays)
        }
        self.ordered = nodes
        self.nodes = Dictionary(uniqueKeysWithValues: nodes.map { ($0.id, $0) })
        self.byPath = Dictionary(nodes.map { ($0.path, $0.id) }, uniquingKeysWith: { first, _ in first })
        self.byCode = Dictionary(nodes.map { ($0.code, $0.id) }, uniquingKeysWith: { first, _ in first })
    }

    static func load(region: String, on db: any Database) async throws -> HotlineCategoryTree {
        HotlineCategoryTree(try await HotlineCategory.scoped(on: db, to: region).all())
    }

    /// The responsible department: the category's own, else the nearest ancestor's; `nil` when none is mapped.
    func department(of id: UUID) -> UUID? {
        var current = nodes[id]
        while let node = current {
            if let department = node.departmentID { return department }
            current = node.parentID.flatMap { nodes[$0] }
        }
        return nil
    }

    /// The reply-limit override of the category or its nearest ancestor that has one.
    func replyLimit(of id: UUID) -> WorkingDays? {
        var current = nodes[id]
        while let node = current {
            if let days = node.replyLimitDays { return WorkingDays(days) }
            current = node.parentID.flatMap { nodes[$0] }
        }
        return nil
    }

    /// `城乡建设 › 城市建设和市政管理 › 城市公共设施`.
    func label(_ id: UUID?) -> String {
        guard let id, let node = nodes[id] else { return "未分类" }
        return node.path.replacingOccurrences(of: "/", with: " › ")
    }

    /// The first-level ancestor (for counts by category).
    func root(of id: UUID) -> Node? {
        var current = nodes[id]
        while let node = current, let parent = node.parentID { current = nodes[parent] }
        return current
    }
}
