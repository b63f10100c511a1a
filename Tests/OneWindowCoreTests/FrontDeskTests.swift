import Foundation
import OneWindowCore
import Testing

@Suite("Front desk: tickets, the call policy, priority, statistics, bookings, home visits")
struct FrontDeskTests {
    @Test("Ticket numbers are a prefix and three digits; the display's sentence")
    func numbers() {
        #expect(TicketNumber(prefix: "A", sequence: 1).description == "A001")
        #expect(TicketNumber(prefix: "A", sequence: 23).description == "A023")
        #expect(TicketNumber(prefix: "B", sequence: 200).description == "B200")
        #expect(TicketNumber(prefix: "A", sequence: 1000).description == "A1000")
        #expect(TicketNumber(prefix: "A", sequence: 23).announcement(window: "5") == "请 A023 号到 5 号窗口办理")
    }

    @Test("Queue actions: call, recall up to N, 过号 only after N recalls, begin, finish, transfer back to waiting")
    func ticketTransitions() throws {
        let waiting = TicketProgress(state: .waiting, recalls: 0)
        let called = try waiting.after(.call, recallsBeforeNoShow: 2)
        #expect(called == TicketProgress(state: .called, recalls: 0))
        #expect(throws: TicketTransitionError(action: .skip, state: .called, message: "过号前须重呼 2 次（已重呼 0 次）")) {
            try called.after(.skip, recallsBeforeNoShow: 2)
        }
        let twice = try called.after(.recall, recallsBeforeNoShow: 2).after(.recall, recallsBeforeNoShow: 2)
        #expect(twice == TicketProgress(state: .called, recalls: 2))
        #expect(throws: TicketTransitionError(action: .recall, state: .called, message: "已重呼 2 次仍未到窗口，请按“过号”处理")) {
            try twice.after(.recall, recallsBeforeNoShow: 2)
        }
        #expect(try twice.after(.skip, recallsBeforeNoShow: 2).state == .noShow)
        let serving = try called.after(.begin, recallsBeforeNoShow: 2)
        #expect(serving.state == .serving)
        #expect(try serving.after(.finish, recallsBeforeNoShow: 2).state == .served)
        #expect(try serving.after(.transfer, recallsBeforeNoShow: 2) == TicketProgress(state: .waiting, recalls: 0))
        #expect(throws: TicketTransitionError(action: .call, state: .served, message: "号票“已办结”时不能叫号")) {
            try TicketProgress(state: .served, recalls: 0).after(.call, recallsBeforeNoShow: 2)
        }
        #expect(throws: TicketTransitionError.self) {
            try TicketProgress(state: .waiting, recalls: 0).after(.finish, recallsBeforeNoShow: 2)
        }
    }

    @Test("Priority from the ID: 70 on the birthday, 69 the day before; declared kinds are never computed")
    func priority() throws {
        let id = try ResidentID("110105195503071026")  // born 1955-03-07
        let rule = PriorityRule()
        #expect(rule.priority(for: id, on: LocalDate(iso: "2025-03-07")!) == .elderly)
        #expect(rule.priority(for: id, on: LocalDate(iso: "2025-03-06")!) == .none)
        #expect(rule.priority(for: nil, on: LocalDate(iso: "2025-03-07")!) == .none)
        #expect(PriorityRule(elderlyAge: 60).priority(for: id, on: LocalDate(iso: "2015-03-07")!) == .elderly)
    }

    typealias C = CallPolicy.Candidate

    @Test("Call order: due appointments, then 绿色通道, then first come; after 3 priority calls in a row a normal ticket is called")
    func starvation() {
        let policy = CallPolicy(maxPriorityInARow: 3)
        var queue = [
            C(id: "N1", priority: .none, arrivedAt: 1), C(id: "P1", priority: .elderly, arrivedAt: 2),
            C(id: "P2", priority: .pregnant, arrivedAt: 3),
            C(id: "P3", priority: .disabled, arrivedAt: 4), C(id: "P4", priority: .elderly, arrivedAt: 5),
            C(id: "N2", priority: .none, arrivedAt: 6),
        ]
        var streak = 0
        var order: [String] = []
        while let next = policy.next(queue, now: 100, priorityStreak: streak) {
            order.append(next.id)
            streak = policy.streak(after: next, previous: streak)
            queue.removeAll { $0.id == next.id }
        }
        #expect(order == ["P1", "P2", "P3", "N1", "P4", "N2"])
        // With no normal ticket waiting, priority tickets go on being called.
        #expect(policy.next([C(id: "P9", priority: .elderly, arrivedAt: 9)], now: 100, priorityStreak: 7)?.id == "P9")
    }

    @Test("An appointment is called first once its slot has started, not before; a ticket sent to this window comes first of all")
    func appointmentsAndDirected() {
        let policy = CallPolicy()
        let queue = [
            C(id: "N1", priority: .none, arrivedAt: 1), C(id: "P1", priority: .elderly, arrivedAt: 2),
            C(id: "Y1", priority: .appointment, arrivedAt: 3, slotStartsAt: 50),
        ]
        #expect(policy.next(queue, now: 49, priorityStreak: 0)?.id == "P1")
        #expect(policy.next(queue, now: 50, priorityStreak: 0)?.id == "Y1")
        #expect(policy.next(queue + [C(id: "T1", priority: .none, arrivedAt: 0.5, directed: true)], now: 50, priorityStreak: 0)?.id == "T1")
        #expect(policy.next([], now: 50, priorityStreak: 0) == nil)
        #expect(policy.streak(after: C(id: "T1", priority: .elderly, arrivedAt: 0, directed: true), previous: 2) == 0)
    }

    @Test("Percentiles by nearest rank; durations as 分秒")
    func statistics() {
        let values: [Double] = [60, 120, 180, 240, 300, 360, 420, 480, 540, 600]
        #expect(QueueStatistics.percentile(50, of: values) == 300)
        #expect(QueueStatistics.percentile(90, of: values) == 540)
        #expect(QueueStatistics.percentile(100, of: values) == 600)
        #expect(QueueStatistics.percentile(50, of: [7]) == 7)
        #expect(QueueStatistics.percentile(50, of: []) == nil)
        #expect(QueueStatistics.format(seconds: 245) == "4分05秒")
        #expect(QueueStatistics.format(seconds: 3720) == "1小时02分")
    }

    @Test("Bookings: not a started slot, not past today + 7, at most 3 active")
    func booking() throws {
        let rules = BookingRules()
        let today = LocalDate(iso: "2025-03-05")!
        #expect(throws: BookingRules.Refusal.started) { try rules.check(day: today, slotStart: 100, now: 100, today: today, active: 0) }
        #expect(throws: BookingRules.Refusal.tooFarAhead(last: LocalDate(iso: "2025-03-12")!)) {
            try rules.check(day: LocalDate(iso: "2025-03-13")!, slotStart: 200, now: 100, today: today, active: 0)
        }
        try rules.check(day: LocalDate(iso: "2025-03-12")!, slotStart: 200, now: 100, today: today, active: 2)
        #expect(throws: BookingRules.Refusal.tooMany(3)) { try rules.check(day: today, slotStart: 200, now: 100, today: today, active: 3) }
    }

    @Test("Home visits: a visit needs a time and a helper; a finished one cannot change")
    func homeVisits() throws {
        #expect(try HomeVisitStep.state(after: .confirm, from: .requested, hasTime: true, hasHelper: false) == .confirmed)
        #expect(try HomeVisitStep.state(after: .assign, from: .confirmed, hasTime: true, hasHelper: true) == .assigned)
        #expect(try HomeVisitStep.state(after: .assign, from: .requested, hasTime: false, hasHelper: true) == .requested)
        #expect(try HomeVisitStep.state(after: .confirm, from: .requested, hasTime: true, hasHelper: true) == .assigned)
        #expect(throws: HomeVisitError(message: "须先约定上门时间并指派帮办员（当前：已约定时间）")) {
            try HomeVisitStep.state(after: .visit, from: .confirmed, hasTime: true, hasHelper: false)
        }
        #expect(try HomeVisitStep.state(after: .visit, from: .assigned, hasTime: true, hasHelper: true) == .visited)
        #expect(throws: HomeVisitError(message: "上门服务“已上门办理”时不能再改")) {
            try HomeVisitStep.state(after: .cancel, from: .visited, hasTime: true, hasHelper: true)
        }
    }

    @Test("Free text for public pages: phone numbers and ID numbers inside sentences are masked")
    func redact() {
        #expect(Masking.redact("群众欧阳娜娜（身份证110105199003071028，电话13912345678）反映") == "群众欧阳娜娜（身份证1101**********1028，电话139****5678）反映")
        #expect(Masking.redact("来电 +8613800138000 或 １３８００１３８０００") == "来电 +86138****8000 或 138****8000")
        #expect(Masking.redact("11010519900307101x 已核实") == "1101**********101X 已核实")
        // A 14-digit work number stays; a landline is a phone number too (issue 5: no phone leaves).
        #expect(Masking.redact("工单 20250305000123 与电话 0715-3321234") == "工单 20250305000123 与电话 0715-33*****")
        #expect(Masking.redact("12345678901 不是手机号") == "12345678901 不是手机号")
    }
}
