import Fluent
import Foundation
import OneWindowCore

/// Cases' gauges on `/metrics`, over the region's cases whose clock runs (`CaseState.clockRunning`):
/// `onewindow_cases_overdue` (超期: the deadline `due_at` has passed, `CaseListFilter.overdue`) and
/// `onewindow_cases_due_today` (the deadline falls from now to the end of the site's local today).
struct CaseMetricsSource: MetricsSource {
    func gauges(_ context: ServiceContext) async throws -> [MetricGauge] {
        let overdue = try await CaseListFilter(region: context.region).overdue(now: context.now).query(on: context.db).count()
        let endOfToday = context.today.adding(days: 1).instant(in: context.zone)
        let dueToday = try await CaseListFilter(region: context.region).adding(.states(CaseState.clockRunning))
            .adding(.dueBefore(endOfToday)).query(on: context.db).filter(\.$dueAt >= context.now).count()
        return [
            .init(name: "onewindow_cases_overdue", help: "Cases whose clock runs and whose deadline has passed.", value: Double(overdue)),
            .init(
                name: "onewindow_cases_due_today", help: "Cases whose clock runs and whose deadline falls later today.",
                value: Double(dueToday)),
        ]
    }
}
