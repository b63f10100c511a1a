import Fluent
import SQLKit

/// The figures' needs: each case carries its item's category (审批 or 服务, counted without a join over a year), and
/// the tables the annual report groups by date get an index on (region, date), and a record's audit events (its
/// timeline) are found by an index.
struct M0020_StatsIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Case.schema).field("item_category", .string).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("UPDATE cases SET item_category = (SELECT category FROM service_items WHERE service_items.id = cases.item_id)").run()
        // Covering indexes: the annual report reads each table's year from its index alone, in the index's order.
        try await sql.raw("CREATE INDEX cases_region_accepted ON cases (region_code, accepted_on, item_category, case_type, channel)").run()
        try await sql.raw("DROP INDEX cases_completed_idx").run()  // (region_code, completed_at): the next one covers it
        try await sql.raw("CREATE INDEX cases_region_completed_due ON cases (region_code, completed_at, due_at)").run()
        try await sql.raw("CREATE INDEX assistances_region_day ON assistances (region_code, day, kind)").run()
        try await sql.raw("DROP INDEX ratings_region_rated").run()
        try await sql.raw("CREATE INDEX ratings_region_item_rated ON ratings (region_code, item, rated_at, level)").run()
        // The case list's newest first, and the kiosk's "people ahead of you" count, over a year of records.
        try await sql.raw("CREATE INDEX cases_region_number ON cases (region_code, case_number)").run()
        try await sql.raw("CREATE INDEX tickets_category_day_state ON tickets (category_id, service_day, state, arrived_at)").run()
        try await sql.raw("CREATE INDEX tickets_region_day ON tickets (region_code, service_day)").run()
        // The calling display's latest calls of the day (read after every ticket and call): without it, every ticket
        // issued scanned the hall's year of tickets (0.6 s).
        try await sql.raw("CREATE INDEX tickets_hall_day_called ON tickets (hall_id, service_day, called_at)").run()
        // The hotline's list: live orders (not imported), newest first.
        try await sql.raw("CREATE INDEX work_orders_region_source_received ON work_orders (region_code, source_ref, received_at)").run()
        // A record's timeline (case, work order, rectification) among a year's million audit events.
        try await sql.raw("CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, occurred_at)").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for index in ["cases_region_accepted", "cases_region_completed_due", "assistances_region_day", "ratings_region_item_rated",
                          "cases_region_number", "tickets_category_day_state", "tickets_region_day", "tickets_hall_day_called", "work_orders_region_source_received", "audit_events_entity"] {
                try await sql.raw("DROP INDEX \(unsafeRaw: index)").run()
            }
            try await sql.raw("CREATE INDEX ratings_region_rated ON ratings (region_code, rated_at)").run()
            try await sql.raw("CREATE INDEX cases_completed_idx ON cases (region_code, completed_at)").run()
        }
        try await database.schema(Case.schema).deleteField("item_category").update()
    }
}
