import Fluent
import Foundation
import OneWindowCore

/// Hotline's gauge on `/metrics`: `onewindow_work_orders_awaiting_sign`, the region's 12345 work orders dispatched
/// and not yet signed for (state `dispatched`, 待签收).
struct HotlineMetrics: MetricsSource {
    func gauges(_ context: ServiceContext) async throws -> [MetricGauge] {
        let waiting = try await WorkOrder.query(on: context.db).filter(\.$regionCode == context.region)
            .filter(\.$state == .dispatched).count()
        return [
            .init(
                name: "onewindow_work_orders_awaiting_sign", help: "12345 work orders dispatched and not yet signed for.",
                value: Double(waiting))
        ]
    }
}
