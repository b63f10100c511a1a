import Fluent
import Foundation
import SQLKit

/// FrontDesk's gauge on `/metrics`: `onewindow_queue_waiting{hall, hall_name, category, category_name}`, the tickets
/// of the site's local today in state `waiting`, for every active category of every hall of the region (0 included),
/// `hall` the hall's code and `category` the category's prefix letter.
struct FrontDeskMetrics: MetricsSource {
    func gauges(_ context: ServiceContext) async throws -> [MetricGauge] {
        let categories = try await TicketCategory.query(on: context.db).filter(\.$regionCode == context.region)
            .filter(\.$active == true).with(\.$hall).sort(\.$position).all()
        let counts = try await (context.db as! any SQLDatabase).raw(
            """
            SELECT category_id, COUNT(*) AS n FROM tickets
            WHERE region_code = \(bind: context.region) AND service_day = \(bind: context.today.description) AND state = 'waiting'
            GROUP BY category_id
            """
        ).all().reduce(into: [UUID: Int]()) { counts, row in
            if let id = try? row.decode(column: "category_id", as: UUID.self) { counts[id] = try? row.decode(column: "n", as: Int.self) }
        }
        return categories.sorted { ($0.hall.code, $0.prefix) < ($1.hall.code, $1.prefix) }.map { category in
            MetricGauge(
                name: "onewindow_queue_waiting", help: "People waiting today, by hall and ticket category.",
                labels: [
                    ("hall", category.hall.code), ("hall_name", category.hall.name), ("category", category.prefix),
                    ("category_name", category.name),
                ],
                value: Double(category.id.flatMap { counts[$0] } ?? 0))
        }
    }
}
