import Fluent
import Foundation
import OneWindowCore
import Vapor

extension HotlineService {
    // MARK: Helpers

    func step(_ id: UUID, _ body: @escaping @Sendable (WorkOrder, any Database) async throws -> Void) async throws -> WorkOrder {
        try await db.writeTransaction { tx in try await self.step(id, on: tx, body) }
    }

    /// One step inside the caller's transaction `tx`: the order's row lock, its region checked, then `body`.
    func step(_ id: UUID, on tx: any Database, _ body: @escaping @Sendable (WorkOrder, any Database) async throws -> Void)
        async throws -> WorkOrder
    {
        try await RowLock.lock(WorkOrder.schema, id: id, on: tx)
        guard let order = try await WorkOrder.find(id, in: self.region, on: tx) else {
            throw PlatformError.notFound(what: "工单")
        }
        try await body(order, tx)
        return order
    }

    func check(_ order: WorkOrder, _ action: WorkOrderAction, satisfaction: Satisfaction? = nil) throws -> WorkOrderProgress {
        do throws(WorkOrderTransitionError) {
            return try order.progress.after(action, satisfaction: satisfaction)
        } catch {
            throw HotlineError.transition(error)
        }
    }

    func assignment(of order: WorkOrder, department: UUID, on tx: any Database) async throws -> WorkOrderAssignment {
        guard
            let assignment = try await WorkOrderAssignment.query(on: tx).filter(\.$workOrder.$id == order.requireID())
                .filter(\.$department.$id == department).filter(\.$active == true).first()
        else {
            throw HotlineError.notAssigned("该工单未派给本单位")
        }
        return assignment
    }

    func audit(_ order: WorkOrder, _ action: String, _ summary: String, on tx: any Database) async throws {
        try await Audit.record(
            on: tx, region: region, actor: actor, action: action, entityType: "work_order",
            entityID: order.id?.uuidString, summary: "\(order.number) \(summary)", at: now)
    }

    /// The instant a limit of `limit` working days from `start` ends; `nil` (pending) when the count runs into a year
    /// whose holidays are not published: never guessed (`WorkingCalendar.dueInstant`, the one rule), counted by
    /// `countPendingDeadlines()` when the year is loaded.
    func due(from start: LocalDate, _ limit: WorkingDays) -> Date? {
        calendar.dueInstant(from: start, limit, in: zone)
    }

    /// The order's final category becomes training data for the classifier (accepted or overridden alike).
    func learn(_ order: WorkOrder, category: UUID, on tx: any Database) async throws {
        let ref = try order.requireID().uuidString
        if let existing = try await HotlineTrainingExample.scoped(on: tx, to: region)
            .filter(\.$source == "order").filter(\.$sourceRef == ref).first()
        {
            existing.$category.id = category
            try await existing.save(on: tx)
            return
        }
        let example = HotlineTrainingExample()
        example.regionCode = region
        example.text = order.title + " " + order.content
        example.$category.id = category
        example.source = "order"
        example.sourceRef = ref
        example.createdAt = now
        try await example.create(on: tx)
    }

    func departmentNames(_ ids: [UUID], on tx: any Database) async throws -> String {
        guard !ids.isEmpty else { return "" }
        return try await Department.query(on: tx).filter(\.$id ~~ ids).all().map(\.shortName).sorted().joined(separator: "、")
    }

    /// `text` as another person may read it: phone and ID numbers masked (`Masking.redact`), and `name` (the
    /// appellant the text answers) masked wherever it appears.
    static func shared(_ text: String, naming name: String?) -> String {
        var result = Masking.redact(text)
        if let name, name.count >= 2 { result = result.replacingOccurrences(of: name, with: Masking.name(name)) }
        return result
    }

    /// The first `length` characters of `text` and `…` when longer. On a public surface the text is masked first
    /// (`Masking.redact`), so the cut never leaves the unmasked start of a number.
    static func excerpt(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length)) + "…"
    }
}
