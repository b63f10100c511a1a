import Fluent
import Foundation
import OneWindowCore
import Vapor

/// How work orders look in lists: the running deadline of the current step with its light in words.
struct HotlinePresentation {
    let db: any Database
    let zone: TimeZone
    let now: Date
    let calendar: WorkingCalendar
    let region: String

    init(_ req: Request) async throws {
        self.db = req.db
        self.zone = req.settings.timeZone
        self.now = req.now
        self.calendar = try await req.workingCalendar()
        self.region = req.settings.region.value
    }

    /// The deadline that runs now: 签收 while dispatched, the reply while in hand, the callback once replied (for an
    /// order that left a phone); `due` is nil while it is pending (`PendingDeadline`).
    static func runningDeadline(_ order: WorkOrder) -> (step: String, due: Date?, limit: WorkingDays)? {
        switch order.state {
        case .dispatched:
            return ("签收", order.signDueAt, WorkingDays(1))
        case .handling:
            return ("答复", order.replyDueAt, WorkingDays((order.replyLimitDays ?? 0) + (order.extendedDays ?? 0)))
        case .replied:
            return order.phone == nil ? nil : ("回访", order.callbackDueAt, WorkingDays(2))
        case .registered, .returned, .calledBack, .closed, .merged:
            return nil
        }
    }

    /// What else a list should say about an order: 重办, 督办, 催办 N 次, 延期待审批.
    static func flags(_ order: WorkOrder) -> [String] {
        var flags: [String] = []
        if order.reopenCount > 0, order.state.isOpen { flags.append("重办") }
        if order.supervised { flags.append("督办") }
        if order.urgeCount > 0 { flags.append("催办 \(order.urgeCount) 次") }
        if order.extensionRequestedDays != nil { flags.append("延期待审批") }
        return flags
    }

    func light(_ order: WorkOrder) -> (light: WarningLight, label: String, due: String)? {
        guard let running = Self.runningDeadline(order) else { return nil }
        guard let dueAt = running.due else { return (.green, "\(running.step)：期限待定", PendingDeadline.note) }
        // A 1-day limit (签收) is 黄灯 only on its last day; longer ones follow the general rule (WarningLight).
        let local = Calendar(identifier: .gregorian).dateComponents(in: zone, from: dueAt)
        let due = DueTime(date: LocalDate(dueAt, in: zone), atNoon: local.hour == 12)
        var light = (try? WarningLight.evaluate(now: now, due: due, limit: running.limit, calendar: calendar, zone: zone)) ?? .green
        if light == .yellow, running.limit.wholeDays <= 2, LocalDate(now, in: zone) < due.date { light = .green }
        let words = light == .green ? "正常" : (light == .yellow ? "黄灯 预警" : "红灯 超期")
        return (light, "\(running.step)：\(words)", LocalTime.formatDeadline(dueAt, in: zone))
    }

    func rows(_ orders: [WorkOrder]) async throws -> [HotlineWebController.ListContext.Row] {
        let tree = try await HotlineCategoryTree.load(region: region, on: db)
        let departments = try await Department.scoped(on: db, to: region).all()
        let names = Dictionary(departments.compactMap { d in d.id.map { ($0, d.shortName) } }, uniquingKeysWith: { a, _ in a })
        return orders.map { order in
            let light = self.light(order)
            return .init(
                id: order.id?.uuidString ?? "", number: order.number, received: LocalTime.format(order.receivedAt, in: zone),
                channel: order.channel.label, type: order.appealType.label, title: order.title,
                category: tree.label(order.$category.id), department: order.$leadDepartment.id.flatMap { names[$0] } ?? "—",
                state: ([order.state.label] + Self.flags(order)).joined(separator: " · "), light: light?.light.rawValue,
                lightLabel: light?.label, due: light?.due)
        }
    }
}
