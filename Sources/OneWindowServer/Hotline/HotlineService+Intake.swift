import Fluent
import Foundation
import OneWindowCore
import Vapor

extension HotlineService {
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
            if let key = intake.intakeKey,
                let existing = try await WorkOrder.scoped(on: tx, to: self.region)
                    .filter(\.$intakeKey == key).first()
            {
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
        try await Audit.record(
            on: tx, region: region, actor: actor, action: "work_order.register", entityType: "work_order",
            entityID: order.id?.uuidString,
            summary: "受理工单 \(order.number)（\(intake.channel.label)·\(intake.appealType.label)）", at: received)
        if let phone = order.phone, !phone.contains("-") {
            try await Outbox.enqueue(
                on: tx, region: region, to: phone, template: "work_order.receipt",
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
}
