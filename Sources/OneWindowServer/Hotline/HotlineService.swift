import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Every change to a 12345 work order: intake on any channel, then each step of the flow (RULES.md, 12345).
///
/// Each operation is one write transaction holding the order's row lock; it checks the step with Core's
/// `WorkOrderProgress.after(_:satisfaction:)`, stamps the instants and deadlines (`WorkOrderLimits` on the
/// working-day calendar) and appends one audit event, which is also the order's timeline entry.
struct HotlineService {
    let db: any Database
    let calendar: WorkingCalendar
    let zone: TimeZone
    let region: String
    let actor: Actor
    let staff: Staff?
    let now: Date
    var limits = WorkOrderLimits()

    init(db: any Database, calendar: WorkingCalendar, zone: TimeZone, region: String, actor: Actor, staff: Staff?, now: Date) {
        self.db = db
        self.calendar = calendar
        self.zone = zone
        self.region = region
        self.actor = actor
        self.staff = staff
        self.now = now
    }

    init(_ req: Request) async throws {
        self.init(db: req.db, calendar: try await req.workingCalendar(), zone: req.settings.timeZone, region: req.settings.region.value,
                  actor: req.actor, staff: req.auth.get(Staff.self), now: req.now)
    }

    var today: LocalDate { LocalDate(now, in: zone) }

    /// A validated appeal, as any channel takes it in.
    struct Intake: Sendable {
        var channel: HotlineChannel
        var appealType: AppealType
        var urgency: Urgency = .normal
        var appellantName: String?
        var phone: String?
        var title: String
        var content: String
        var address: String
        var townshipCode: String?
        var latitude: Double?
        var longitude: Double?
        var categoryID: UUID?
        /// The classifier's suggestions shown to the agent (`id|score,…`).
        var suggested: String = ""
        var serviceCode: String?
        var open311Token: String?
        var sourceRef: String?
        /// The agent form's one-time key (a second submission of the same form returns the first order).
        var intakeKey: String?
    }

    /// The departments of a dispatch: one 主办 and any 协办.
    struct Dispatch: Sendable {
        var lead: UUID
        var helpers: [UUID] = []
        var categoryID: UUID?
    }

    // MARK: Intake

    /// What follows the registration, in the same transaction.
    enum FirstStep: Sendable {
        case none
        case dispatch(Dispatch)
        /// 并单 into an open order.
        case merge(into: UUID)
        /// The agent answers a 咨询 on the call (答复 without dispatch).
        case answer(String)
    }

    /// Registers an appeal (受理) and takes its first step in the same transaction: nothing is half-written.
    /// - Returns: the stored order.
    func register(_ intake: Intake, dispatch: Dispatch? = nil, at instant: Date? = nil) async throws -> WorkOrder {
        try await register(intake, then: dispatch.map(FirstStep.dispatch) ?? .none, at: instant)
    }

    func register(_ intake: Intake, then first: FirstStep, at instant: Date? = nil) async throws -> WorkOrder {
        let received = instant ?? now
        return try await db.writeTransaction { tx in
            if let key = intake.intakeKey, let existing = try await WorkOrder.query(on: tx).filter(\.$regionCode == self.region)
                .filter(\.$intakeKey == key).first() {
                return existing
            }
            let order = try await self.insert(intake, received: received, on: tx)
            switch first {
            case .none: return order
            case .dispatch(let dispatch):
                try await self.applyDispatch(order, dispatch, on: tx)
                return order
            case .merge(let master): return try await self.step(order.requireID(), on: tx, self.mergeBody(into: master))
            case .answer(let text): return try await self.step(order.requireID(), on: tx, self.replyBody(text: text, department: nil))
            }
        }
    }

    /// Inserts the order with its number and its audit event.
    func insert(_ intake: Intake, received: Date, on tx: any Database) async throws -> WorkOrder {
        let day = LocalDate(received, in: zone)
        let sequence = try await DailyCounter.next("work_order", region: region, day: day.description, on: tx)
        let order = make(intake, number: WorkOrderNumber(date: day, sequence: sequence), received: received)
        try await order.create(on: tx)
        try await Audit.record(on: tx, region: region, actor: actor, action: "work_order.register", entityType: "work_order",
                               entityID: order.id?.uuidString,
                               summary: "受理工单 \(order.number)（\(intake.channel.label)·\(intake.appealType.label)）", at: received)
        if let phone = order.phone, !phone.contains("-") {
            try await Outbox.enqueue(on: tx, region: region, to: phone, template: "work_order.receipt",
                                     body: "您的 12345 诉求已受理，工单编号 \(order.number)。可凭编号和本手机后 4 位在政务服务网“12345 诉求进度”查询。",
                                     entityType: "work_order", entityID: order.id?.uuidString, at: received)
        }
        return order
    }

    /// A registered order of `intake`, not yet stored.
    func make(_ intake: Intake, number: WorkOrderNumber, received: Date) -> WorkOrder {
        let order = WorkOrder()
        order.id = UUID()
        order.regionCode = region
        order.number = number.description
        order.channel = intake.channel
        order.appealType = intake.appealType
        order.urgency = intake.urgency
        order.appellantName = intake.appellantName
        order.phone = intake.phone
        order.title = intake.title
        order.content = intake.content
        order.address = intake.address
        order.townshipCode = intake.townshipCode
        order.latitude = intake.latitude
        order.longitude = intake.longitude
        order.$category.id = intake.categoryID
        order.suggested = intake.suggested
        order.state = .registered
        order.receivedAt = received
        order.reopenCount = 0
        order.urgeCount = 0
        order.supervised = false
        order.serviceCode = intake.serviceCode
        order.open311Token = intake.open311Token
        order.sourceRef = intake.sourceRef
        order.intakeKey = intake.intakeKey
        order.updatedAt = received
        return order
    }

    // MARK: Flow

    /// 派单 (or 改派 after a 退单): the lead and helper departments, the category; sets the 签收 and reply deadlines.
    func dispatch(_ id: UUID, _ dispatch: Dispatch) async throws -> WorkOrder {
        try await step(id) { order, tx in try await self.applyDispatch(order, dispatch, on: tx) }
    }

    private func applyDispatch(_ order: WorkOrder, _ dispatch: Dispatch, on tx: any Database) async throws {
        let next = try check(order, .dispatch)
        guard let lead = try await Department.find(dispatch.lead, on: tx), lead.regionCode == region, lead.active else {
            throw PlatformError.invalidField(.init(field: "lead", message: "请选择主办单位"))
        }
        let helpers = Array(Set(dispatch.helpers).subtracting([dispatch.lead]))
        for helper in helpers {
            guard let department = try await Department.find(helper, on: tx), department.regionCode == region else {
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
            .filter(\.$active == true).all() {
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
        try await Audit.record(on: tx, region: region, actor: actor, action: "work_order.dispatch", entityType: "work_order",
                               entityID: order.id?.uuidString,
                               summary: "派单：主办 \(lead.shortName)" + (helperNames.isEmpty ? "" : "，协办 \(helperNames)")
                                   + "；分类 \(tree.label(order.$category.id))；答复期限 \(replyLimit.wholeDays) 个工作日"
                                   + (isProvisional(from: today, replyLimit) ? "（次年节假日安排未公布，暂按周一至周五计算）" : ""), at: now)
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
            if let dispatched = order.dispatchedAt, let limit = self.due(from: LocalDate(dispatched, in: self.zone), self.limits.returnOrder),
               self.now > limit {
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

    private func replyBody(text: String, department: UUID?) -> @Sendable (WorkOrder, any Database) async throws -> Void {
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
                try await Outbox.enqueue(on: tx, region: self.region, to: phone, template: "work_order.reply",
                                         body: "您的 12345 诉求（\(appeal.number)）已答复：\(Self.excerpt(body, 120)) 如有疑问请致电 12345。",
                                         entityType: "work_order", entityID: appeal.id?.uuidString, at: self.now)
            }
            try await self.audit(order, "work_order.reply", "答复（\(order.repliedBy ?? "")）：\(Self.excerpt(text, 60))", on: tx)
        }
    }

    /// The lead department asks for an extension before the reply deadline (at most one, ≤ 10 working days).
    func requestExtension(_ id: UUID, department: UUID, days: Int, reason: String) async throws -> WorkOrder {
        try await step(id) { order, tx in
            let assignment = try await self.assignment(of: order, department: department, on: tx)
            guard assignment.role == .lead else { throw HotlineError.notAssigned("延期由主办单位申请") }
            guard order.state == .handling || order.state == .dispatched else { throw HotlineError.refused("工单“\(order.state.label)”，不能申请延期") }
            guard order.extensionRequestedDays == nil else { throw HotlineError.refused("已有一个待审批的延期申请") }
            let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { throw PlatformError.invalidField(.init(field: "reason", message: "请填写延期理由")) }
            guard reason.count <= 500 else { throw PlatformError.invalidField(.init(field: "reason", message: "延期理由不能超过 500 字")) }
            do throws(FieldError) {
                try self.limits.checkExtension(days: days, alreadyExtended: order.extendedDays != nil,
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
            try await self.audit(order, approve ? "work_order.extension_approve" : "work_order.extension_refuse",
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
            try await self.audit(order, supervise ? "work_order.supervise" : "work_order.urge",
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
            let rating = RatingService(db: tx, calendar: self.calendar, zone: self.zone, region: self.region, actor: self.actor, now: self.now)
            let subject = try await rating.subject(.workOrder, order.requireID(), on: tx)
            if try await Rating.query(on: tx).filter(\.$subjectKind == .workOrder).filter(\.$subjectID == order.requireID()).count() == 0 {
                _ = try await rating.record(subject, levels: [.overall: RatingLevel(satisfaction)], channel: .callback, comment: note, on: tx)
            }
            try await self.audit(order, "work_order.callback",
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

    private func mergeBody(into masterID: UUID) -> @Sendable (WorkOrder, any Database) async throws -> Void {
        { order, tx in
            guard try order.requireID() != masterID else { throw PlatformError.invalidField(.init(field: "into", message: "不能与自身并单")) }
            try await RowLock.lock(WorkOrder.schema, id: masterID, on: tx)
            guard let master = try await WorkOrder.find(masterID, on: tx), master.regionCode == self.region else {
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
                .filter(\.$active == true).all() {
                assignment.active = false
                try await assignment.save(on: tx)
            }
            try await self.audit(order, "work_order.merge", "并入工单 \(master.number)", on: tx)
        }
    }

    // MARK: Helpers

    private func step(_ id: UUID, _ body: @escaping @Sendable (WorkOrder, any Database) async throws -> Void) async throws -> WorkOrder {
        try await db.writeTransaction { tx in try await self.step(id, on: tx, body) }
    }

    /// One step inside the caller's transaction `tx`: the order's row lock, its region checked, then `body`.
    private func step(_ id: UUID, on tx: any Database, _ body: @escaping @Sendable (WorkOrder, any Database) async throws -> Void) async throws -> WorkOrder {
        try await RowLock.lock(WorkOrder.schema, id: id, on: tx)
        guard let order = try await WorkOrder.find(id, on: tx), order.regionCode == self.region else {
            throw PlatformError.notFound(what: "工单")
        }
        try await body(order, tx)
        return order
    }

    private func check(_ order: WorkOrder, _ action: WorkOrderAction, satisfaction: Satisfaction? = nil) throws -> WorkOrderProgress {
        do throws(WorkOrderTransitionError) {
            return try order.progress.after(action, satisfaction: satisfaction)
        } catch {
            throw HotlineError.transition(error)
        }
    }

    private func assignment(of order: WorkOrder, department: UUID, on tx: any Database) async throws -> WorkOrderAssignment {
        guard let assignment = try await WorkOrderAssignment.query(on: tx).filter(\.$workOrder.$id == order.requireID())
            .filter(\.$department.$id == department).filter(\.$active == true).first() else {
            throw HotlineError.notAssigned("该工单未派给本单位")
        }
        return assignment
    }

    private func audit(_ order: WorkOrder, _ action: String, _ summary: String, on tx: any Database) async throws {
        try await Audit.record(on: tx, region: region, actor: actor, action: action, entityType: "work_order",
                               entityID: order.id?.uuidString, summary: "\(order.number) \(summary)", at: now)
    }

    /// The instant a limit of `limit` working days from `start` ends; `nil` when the calendar does not reach it yet.
    ///
    /// When the count runs into a year whose holidays are not published yet, that year is counted Monday to Friday
    /// (a provisional deadline: the hotline cannot stop answering in December), and `isProvisional(from:_:)` says so.
    func due(from start: LocalDate, _ limit: WorkingDays) -> Date? {
        calendar.provisionalDueInstant(from: start, limit, in: zone)
    }

    /// Whether a limit from `start` needs a year whose holidays are not published (the deadline is provisional).
    func isProvisional(from start: LocalDate, _ limit: WorkingDays) -> Bool {
        (try? calendar.deadline(from: start, limit: limit)) == nil
    }

    /// The order's final category becomes training data for the classifier (accepted or overridden alike).
    private func learn(_ order: WorkOrder, category: UUID, on tx: any Database) async throws {
        let ref = try order.requireID().uuidString
        if let existing = try await HotlineTrainingExample.query(on: tx).filter(\.$regionCode == region)
            .filter(\.$source == "order").filter(\.$sourceRef == ref).first() {
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

    private func departmentNames(_ ids: [UUID], on tx: any Database) async throws -> String {
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

    static func excerpt(_ text: String, _ length: Int) -> String {
        text.count <= length ? text : String(text.prefix(length)) + "…"
    }
}
