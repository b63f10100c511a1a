import Fluent
import Foundation
import OneWindowCore

/// Counts the 签收, 答复 and 回访 deadlines of open orders that were left pending because the count ran into a year
/// whose holidays were not published (RULES.md, Time), from the same start each step uses: 签收 and 答复 from the
/// dispatch (or the 重办's new start), 回访 from the reply.
struct HotlinePendingDeadlines: PendingDeadlines {
    func countPending(_ context: ServiceContext) async throws -> Int {
        try await HotlineService(context, staff: nil).countPendingDeadlines()
    }
}

extension HotlineService {
    /// Sets each pending deadline the calendar now reaches; returns how many were set (one save per order).
    func countPendingDeadlines() async throws -> Int {
        let orders = try await WorkOrder.query(on: db).filter(\.$state ~~ [.dispatched, .handling, .replied])
            .group(.or) { $0.filter(\.$signDueAt == nil).filter(\.$replyDueAt == nil).filter(\.$callbackDueAt == nil) }.all()
        var set = 0
        for order in orders {
            var changed = false
            if order.state == .dispatched, order.signDueAt == nil, let dispatched = order.dispatchedAt,
                let due = due(from: LocalDate(dispatched, in: zone), limits.signFor)
            {
                order.signDueAt = due
                changed = true
            }
            if order.state != .replied, order.replyDueAt == nil, let limit = order.replyLimitDays,
                let start = order.replyStartedAt ?? order.dispatchedAt,
                let due = due(from: LocalDate(start, in: zone), WorkingDays(limit + (order.extendedDays ?? 0)))
            {
                order.replyDueAt = due
                changed = true
            }
            if order.state == .replied, order.callbackDueAt == nil, order.phone != nil, let replied = order.repliedAt,
                let due = due(from: LocalDate(replied, in: zone), limits.callback)
            {
                order.callbackDueAt = due
                changed = true
            }
            if changed {
                try await order.save(on: db)
                set += 1
            }
        }
        return set
    }
}
