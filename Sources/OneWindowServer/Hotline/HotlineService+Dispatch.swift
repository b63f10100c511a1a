import Fluent
import Foundation
import OneWindowCore
import Vapor

extension HotlineService {
    // MARK: Flow

    /// 派单 (or 改派 after a 退单): the lead and helper departments, the category; sets the 签收 and reply deadlines.
    func dispatch(_ id: UUID, _ dispatch: Dispatch) async throws -> WorkOrder {
        try await step(id) { order, tx in try await self.applyDispatch(order, dispatch, on: tx) }
    }

    func applyDispatch(_ order: WorkOrder, _ dispatch: Dispatch, on tx: any Database) async throws {
        let next = try check(order, .dispatch)
        guard let lead = try await Department.find(dispatch.lead, in: region, on: tx), lead.active else {
            throw PlatformError.invalidField(.init(field: "lead", message: "请选择主办单位"))
        }
        let helpers = Array(Set(dispatch.helpers).subtracting([dispatch.lead]))
        for helper in helpers {
            guard try await Department.find(helper, in: region, on: tx) != nil else {
                throw PlatformError.invalidField(.init(field: "helpers", message: "协办单位不存在"))
            }
        }
        let tree = try await HotlineCategoryTree.load(region: region, on: tx)
        if let category = dispatch.categoryID ?? order.$category.id {
            guard tree.nodes[category] != nil else { throw PlatformError.invalidField(.init(field: "category", message: "分类不存在")) }
            order.$category.id = category
        }
        // A re-dispatch ends the earlier assignments.
        for assignment in try await WorkOrderAssignment.query(on: tx).filter(\.$workOrder.$id == order.requireID())
            .filter(\.$active == true).all()
        {
            assignment.active = false
            try await assignment.save(on: tx)
        }
        for (department, role) in [(dispatch.lead, WorkOrderAssignment.Role.lead)] + helpers.map({ ($0, .helper) }) {
            let assignment = WorkOrderAssignment()
            assignment.regionCode = region
            assignment.$workOrder.id = try order.requireID()
            assignment.$department.id = department
            assignment.role = role
            assignment.assignedAt = now
            assignment.active = true
            try await assignment.create(on: tx)
        }
        var limits = self.limits
        limits.replyOverride = order.$category.id.flatMap(tree.replyLimit(of:))
        let replyLimit = limits.reply(type: order.appealType, urgency: order.urgency)
        order.state = next.state
        order.$leadDepartment.id = dispatch.lead
        order.dispatchedAt = now
        order.replyStartedAt = now
        order.signedForAt = nil
        order.returnReason = nil
        order.signDueAt = due(from: today, limits.signFor)
        order.replyLimitDays = replyLimit.wholeDays
        order.replyDueAt = due(from: today, replyLimit)
        order.extendedDays = nil
        order.extensionRequestedDays = nil
        order.extensionReason = nil
        order.updatedAt = now
        try await order.save(on: tx)
        if let category = order.$category.id {
            try await learn(order, category: category, on: tx)
        }
        let helperNames = try await departmentNames(helpers, on: tx)
        try await Audit.record(
            on: tx, region: region, actor: actor, action: "work_order.dispatch", entityType: "work_order",
            entityID: order.id?.uuidString,
            summary: "派单：主办 \(lead.shortName)" + (helperNames.isEmpty ? "" : "，协办 \(helperNames)")
                + "；分类 \(tree.label(order.$category.id))；答复期限 \(replyLimit.wholeDays) 个工作日"
                + (order.replyDueAt == nil ? "，期限\(PendingDeadline.note)" : ""), at: now)
    }

    /// 签收 by a department on the order (the lead's signature moves the order to 办理中).
    func signFor(_ id: UUID, department: UUID) async throws -> WorkOrder {
        try await step(id) { order, tx in
            let assignment = try await self.assignment(of: order, department: department, on: tx)
            guard assignment.signedForAt == nil else { throw HotlineError.refused("本单位已签收该工单") }
            assignment.signedForAt = self.now
            try await assignment.save(on: tx)
            if assignment.role == .lead {
                order.state = try self.check(order, .signFor).state
                order.signedForAt = self.now
            }
            order.updatedAt = self.now
            try await order.save(on: tx)
            try await self.audit(order, "work_order.sign_for", "\(assignment.role.label)单位签收", on: tx)
        }
    }

    /// 退单 by the lead department, with a reason, within the limit after dispatch (RULES.md: 2 working days).
    func returnOrder(_ id: UUID, department: UUID, reason: String) async throws -> WorkOrder {
        try await step(id) { order, tx in
            let assignment = try await self.assignment(of: order, department: department, on: tx)
            guard assignment.role == .lead else { throw HotlineError.notAssigned("只有主办单位可以退单，协办单位请与主办单位联系") }
            let next = try self.check(order, .returnOrder)
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { throw PlatformError.invalidField(.init(field: "reason", message: "请填写退单理由")) }
            guard reason.count <= 500 else { throw PlatformError.invalidField(.init(field: "reason", message: "退单理由不能超过 500 字")) }
            if let dispatched = order.dispatchedAt,
                let limit = self.due(from: LocalDate(dispatched, in: self.zone), self.limits.returnOrder),
                self.now > limit
            {
                throw HotlineError.refused("已超过退单期限（派单后 \(self.limits.returnOrder.wholeDays) 个工作日内），请继续办理或申请延期")
            }
            order.state = next.state
            order.returnReason = reason
            order.updatedAt = self.now
            try await order.save(on: tx)
            try await self.audit(order, "work_order.return", "退单：\(reason)", on: tx)
        }
    }

    /// 答复: the lead department's reply (or the agent's direct answer to an undispatched 咨询). The appellant and
    /// the appellants of every order merged into this one get the reply by SMS; the callback deadline starts.
    func reply(_ id: UUID, text: String, department: UUID?) async throws -> WorkOrder {
        try await step(id, replyBody(text: text, department: department))
    }

    func replyBody(text: String, department: UUID?) -> @Sendable (WorkOrder, any Database) async throws -> Void {
        { order, tx in
            if let department {
                let assignment = try await self.assignment(of: order, department: department, on: tx)
                guard assignment.role == .lead else { throw HotlineError.notAssigned("答复由主办单位作出，协办单位请将意见交主办单位") }
            }
            let next = try self.check(order, .reply)
            if department == nil, !order.appealType.isAnsweredOnTheCall {
                throw HotlineError.refused("\(order.appealType.label)类诉求须派单由承办单位答复；热线只当场答复咨询、求助和表扬")
            }
            let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard text.count >= 5 else { throw PlatformError.invalidField(.init(field: "reply", message: "请填写答复内容（至少 5 个字）")) }
            guard text.count <= 2000 else { throw PlatformError.invalidField(.init(field: "reply", message: "答复内容不能超过 2000 字")) }
            order.state = next.state
            order.reply = text
            order.repliedAt = self.now
            order.repliedBy = department == nil ? "12345热线" : (try await Department.find(department, on: tx))?.shortName
            order.callbackDueAt = order.phone == nil ? nil : self.due(from: self.today, self.limits.callback)
            order.updatedAt = self.now
            try await order.save(on: tx)
            let merged = try await WorkOrder.query(on: tx).filter(\.$mergedInto.$id == order.requireID()).all()
            // The other appellants of a 并单 get the reply with the first appellant's name, phones and IDs masked.
            let shared = Self.shared(text, naming: order.appellantName)
            for appeal in [order] + merged {
                let body = appeal === order ? text : shared
                if appeal !== order {
                    appeal.reply = shared
                    appeal.repliedAt = self.now
                    appeal.updatedAt = self.now
                    try await appeal.save(on: tx)
                }
                guard let phone = appeal.phone, !phone.contains("-") else { continue }
                // An SMS is a public surface (RULES.md): the names, phones and IDs in the reply masked, then cut.
                let names = [order.appellantName, appeal.appellantName].compactMap { $0 }
                try await Outbox.enqueue(
                    on: tx, region: self.region, to: phone, template: "work_order.reply",
                    body:
                        "您的 12345 诉求（\(appeal.number)）已答复：\(Self.excerpt(Masking.redact(body, names: names, phone: phone), 120)) 如有疑问请致电 12345。",
                    entityType: "work_order", entityID: appeal.id?.uuidString, at: self.now)
            }
            try await self.audit(order, "work_order.reply", "答复（\(order.repliedBy ?? "")）：\(Self.excerpt(text, 60))", on: tx)
        }
    }

    /// The lead department asks for an extension before the reply deadline (at most one, ≤ 10 working days).
}
