import Fluent
import Foundation
import OneWindowCore
import Vapor

extension HotlineService {
    func requestExtension(_ id: UUID, department: UUID, days: Int, reason: String) async throws -> WorkOrder {
        try await step(id) { order, tx in
            let assignment = try await self.assignment(of: order, department: department, on: tx)
            guard assignment.role == .lead else { throw HotlineError.notAssigned("延期由主办单位申请") }
            guard order.state == .handling || order.state == .dispatched else {
                throw HotlineError.refused("工单“\(order.state.label)”，不能申请延期")
            }
            guard order.extensionRequestedDays == nil else { throw HotlineError.refused("已有一个待审批的延期申请") }
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { throw PlatformError.invalidField(.init(field: "reason", message: "请填写延期理由")) }
            guard reason.count <= 500 else { throw PlatformError.invalidField(.init(field: "reason", message: "延期理由不能超过 500 字")) }
            do throws(FieldError) {
                try self.limits.checkExtension(
                    days: days, alreadyExtended: order.extendedDays != nil,
                    due: order.replyDueAt ?? .distantFuture, now: self.now)
            } catch {
                throw PlatformError.invalidField(error)
            }
            order.extensionRequestedDays = days
            order.extensionReason = reason
            order.updatedAt = self.now
            try await order.save(on: tx)
            try await self.audit(order, "work_order.extension_request", "申请延期 \(days) 个工作日：\(reason)", on: tx)
        }
    }

    /// The hotline approves or refuses a pending extension; an approval moves the reply deadline.
    func decideExtension(_ id: UUID, approve: Bool) async throws -> WorkOrder {
        try await step(id) { order, tx in
            guard let days = order.extensionRequestedDays else { throw HotlineError.refused("没有待审批的延期申请") }
            guard order.state == .handling || order.state == .dispatched else {
                throw HotlineError.refused("工单“\(order.state.label)”，延期申请已无需审批")
            }
            order.extensionRequestedDays = nil
            // One extension per order: a refusal decides it too (extended_days 0).
            order.extendedDays = 0
            if approve, let start = order.replyStartedAt ?? order.dispatchedAt, let limit = order.replyLimitDays {
                order.extendedDays = days
                order.replyDueAt = self.due(from: LocalDate(start, in: self.zone), WorkingDays(limit + days))
            }
            order.updatedAt = self.now
            try await order.save(on: tx)
            try await self.audit(
                order, approve ? "work_order.extension_approve" : "work_order.extension_refuse",
                approve ? "批准延期 \(days) 个工作日" : "不批准延期", on: tx)
        }
    }

    /// 催办 (a reminder) or 督办 (formal supervision) of an open order, with a note.
    func urge(_ id: UUID, supervise: Bool, note: String) async throws -> WorkOrder {
        try await step(id) { order, tx in
            guard order.state.isOpen, order.state != .replied, order.state != .calledBack else {
                throw HotlineError.refused("工单“\(order.state.label)”，无需\(supervise ? "督办" : "催办")")
            }
            if supervise { order.supervised = true } else { order.urgeCount += 1 }
            order.updatedAt = self.now
            try await order.save(on: tx)
            let note = String(note.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
            try await self.audit(
                order, supervise ? "work_order.supervise" : "work_order.urge",
                (supervise ? "督办" : "催办") + (note.isEmpty ? "" : "：\(note)"), on: tx)
        }
    }

    /// 回访 with the appellant's satisfaction. The first 不满意 reopens the order (重办) with a new reply deadline.
    func callback(_ id: UUID, satisfaction: Satisfaction, note: String) async throws -> WorkOrder {
        try await step(id) { order, tx in
            let next = try self.check(order, .callback, satisfaction: satisfaction)
            let note = String(note.trimmingCharacters(in: .whitespacesAndNewlines).prefix(500))
            order.satisfaction = satisfaction
            if order.firstSatisfaction == nil { order.firstSatisfaction = satisfaction }
            order.calledBackAt = self.now
            order.callbackNote = note
            let reopened = next.state == .handling
            order.state = next.state
            order.reopenCount = next.reopenCount
            if reopened, let limit = order.replyLimitDays {
                // 重办: a new reply period from today, with its own extension.
                order.replyStartedAt = self.now
                order.replyDueAt = self.due(from: self.today, WorkingDays(limit))
                order.extendedDays = nil
                order.extensionRequestedDays = nil
                order.callbackDueAt = nil
            }
            order.updatedAt = self.now
            try await order.save(on: tx)
            // The callback is the appellant's 好差评 of the work order (channel 12345 回访); a 不满意 opens a rectification.
            try await self.context.hooks.require((any CallbackRatings).self)
                .recordCallback(workOrder: order.requireID(), satisfaction: satisfaction, note: note, context: self.context.on(tx))
            try await self.audit(
                order, "work_order.callback",
                "回访：\(satisfaction.label)" + (note.isEmpty ? "" : "（\(note)）") + (reopened ? "，退回主办单位重办" : ""), on: tx)
        }
    }

    /// 办结 after the callback (or after the reply when there is no phone to call). Merged orders close with it.
    func close(_ id: UUID) async throws -> WorkOrder {
        try await step(id) { order, tx in
            order.state = try self.check(order, .close).state
            order.closedAt = self.now
            order.updatedAt = self.now
            try await order.save(on: tx)
            for merged in try await WorkOrder.query(on: tx).filter(\.$mergedInto.$id == order.requireID()).all() {
                merged.closedAt = self.now
                merged.updatedAt = self.now
                try await merged.save(on: tx)
            }
            try await self.audit(order, "work_order.close", "办结", on: tx)
        }
    }

    /// 并单: `id` joins `masterID` (an open order), which handles both; the merged order's appellant gets its reply.
    func merge(_ id: UUID, into masterID: UUID) async throws -> WorkOrder {
        try await step(id, mergeBody(into: masterID))
    }

    func mergeBody(into masterID: UUID) -> @Sendable (WorkOrder, any Database) async throws -> Void {
        { order, tx in
            guard try order.requireID() != masterID else { throw PlatformError.invalidField(.init(field: "into", message: "不能与自身并单")) }
            try await RowLock.lock(WorkOrder.schema, id: masterID, on: tx)
            guard let master = try await WorkOrder.find(masterID, in: self.region, on: tx) else {
                throw PlatformError.invalidField(.init(field: "into", message: "要并入的工单不存在"))
            }
            guard [.registered, .dispatched, .handling, .returned].contains(master.state), master.$mergedInto.id == nil else {
                throw HotlineError.refused("工单 \(master.number)“\(master.state.label)”，不能并入")
            }
            order.state = try self.check(order, .merge).state
            order.$mergedInto.id = masterID
            order.updatedAt = self.now
            try await order.save(on: tx)
            // Orders merged into this one follow it to the master.
            for child in try await WorkOrder.query(on: tx).filter(\.$mergedInto.$id == order.requireID()).all() {
                child.$mergedInto.id = masterID
                try await child.save(on: tx)
            }
            for assignment in try await WorkOrderAssignment.query(on: tx).filter(\.$workOrder.$id == order.requireID())
                .filter(\.$active == true).all()
            {
                assignment.active = false
                try await assignment.save(on: tx)
            }
            try await self.audit(order, "work_order.merge", "并入工单 \(master.number)", on: tx)
        }
    }
}
