import Fluent
import SQLKit

struct M0007_CreateAuditEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(AuditEvent.schema)
            .id()
            .field("region_code", .string, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("action", .string, .required)
            .field("entity_type", .string, .required)
            .field("entity_id", .string)
            .field("summary", .string, .required)
            .field("ip", .string)
            .field("occurred_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "audit_events_region_time_idx").on(AuditEvent.schema)
            .column("region_code").column("occurred_at").run()
        // Append-only: the database itself refuses updates and deletes.
        if sql.dialect.name == "postgresql" {
            try await sql.raw(
                """
                CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql
                """
            ).run()
            try await sql.raw(
                """
                CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
                FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
                """
            ).run()
        } else {
            try await sql.raw(
                """
                CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
                """
            ).run()
            try await sql.raw(
                """
                CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END
                """
            ).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP TABLE audit_events").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP FUNCTION IF EXISTS audit_events_append_only()").run()
        }
    }
}

/// The kernel's stores: uploaded files, API tokens and daily counters (first created by M0014 together with the
/// cases; a database migrated before the kernel owned them already has them, so each step is skipped when its table
/// or index exists). The token's account is Directory's `staff` row, referenced by id only.
struct M0013_9_CreatePlatformStores: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(StoredFile.schema)
            .id()
            .field("region_code", .string, .required)
            .field("original_name", .string, .required)
            .field("stored_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size", .int, .required)
            .field("sha256", .string, .required)
            .field("uploaded_by", .string, .required)
            .field("uploaded_at", .datetime, .required)
            .unique(on: "stored_name")
            .ignoreExisting()
            .create()
        try await database.schema(APIToken.schema)
            .id()
            .field("region_code", .string, .required)
            .field("staff_id", .uuid, .required)
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("scopes", .string, .required)
            .field("revoked_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .ignoreExisting()
            .create()
        try await database.schema(DailyCounter.schema)
            .field("region_code", .string, .required)
            .field("kind", .string, .required)
            .field("day", .string, .required)
            .field("last_value", .int, .required)
            .unique(on: "region_code", "kind", "day")
            .ignoreExisting()
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX IF NOT EXISTS audit_events_entity_idx ON audit_events (entity_type, entity_id)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX IF EXISTS audit_events_entity_idx").run()
        for schema in [DailyCounter.schema, APIToken.schema, StoredFile.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// A record's timeline (case, work order, rectification) among a year's million audit events (first added by M0020;
/// skipped where it exists).
struct M0020_5_AuditTimelineIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX IF NOT EXISTS audit_events_entity ON audit_events (entity_type, entity_id, occurred_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX IF EXISTS audit_events_entity").run()
    }
}
