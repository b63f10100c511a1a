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
        try await sql.raw("CREATE INDEX cases_region_accepted ON cases (region_code, accepted_on)").run()
        try await sql.raw("CREATE INDEX cases_region_completed ON cases (region_code, completed_at)").run()
        try await sql.raw("CREATE INDEX cases_region_due ON cases (region_code, state, due_at)").run()
        try await sql.raw("CREATE INDEX assistances_region_day ON assistances (region_code, day)").run()
        try await sql.raw("CREATE INDEX tickets_region_day ON tickets (region_code, service_day)").run()
        // A record's timeline (case, work order, rectification) among a year's million audit events.
        try await sql.raw("CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id, occurred_at)").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for index in ["cases_region_accepted", "cases_region_completed", "cases_region_due", "assistances_region_day", "tickets_region_day", "audit_events_entity"] {
                try await sql.raw("DROP INDEX \(unsafeRaw: index)").run()
            }
        }
        try await database.schema(Case.schema).deleteField("item_category").update()
    }
}
