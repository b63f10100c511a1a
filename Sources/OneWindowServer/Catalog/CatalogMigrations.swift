import Fluent
import SQLKit

struct M0008_CreateServiceItems: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ServiceItem.schema)
            .id()
            .field("region_code", .string, .required)
            .field("item_code", .string, .required)
            .field("name", .string, .required)
            .field("sub_item", .string)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("department_name", .string)
            .field("category", .string)
            .field("case_type", .string)
            .field("statutory_days", .double)
            .field("promised_days", .double)
            .field("fully_online", .bool)
            .field("allows_pending_materials", .bool, .required)
            .field("fee", .string)
            .field("visits", .int)
            .field("conditions", .string)
            .field("flow", .string)
            .field("basis", .string)
            .field("place", .string)
            .field("phones", .string)
            .field("office_hours", .string)
            .field("guide_url", .string)
            .field("status", .string, .required)
            .field("flags", .string, .required)
            .field("source", .string, .required)
            .field("source_hash", .string)
            .field("search_text", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "region_code", "item_code")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "service_items_region_status_name_idx").on(ServiceItem.schema)
            .column("region_code").column("status").column("name").run()

        try await database.schema(MaterialRequirement.schema)
            .id()
            .field("region_code", .string, .required)
            .field("item_id", .uuid, .required, .references(ServiceItem.schema, "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("name", .string, .required)
            .field("form", .string, .required)
            .field("copies", .int, .required)
            .field("required", .bool, .required)
            .field("is_key", .bool, .required)
            .field("licence_type", .string)
            .field("note", .string)
            .create()
        try await sql.create(index: "material_requirements_item_idx").on(MaterialRequirement.schema).column("item_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(MaterialRequirement.schema).delete()
        try await database.schema(ServiceItem.schema).delete()
    }
}

struct M0009_CreateImportRuns: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(ImportRun.schema)
            .id()
            .field("region_code", .string, .required)
            .field("kind", .string, .required)
            .field("file_name", .string, .required)
            .field("status", .string, .required)
            .field("total", .int, .required)
            .field("processed", .int, .required)
            .field("imported_count", .int, .required)
            .field("updated_count", .int, .required)
            .field("flagged_count", .int, .required)
            .field("unchanged_count", .int, .required)
            .field("rejected_count", .int, .required)
            .field("error", .string)
            .field("started_by", .string, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema(ImportRunRow.schema)
            .id()
            .field("run_id", .uuid, .required, .references(ImportRun.schema, "id", onDelete: .cascade))
            .field("line", .int, .required)
            .field("item_code", .string)
            .field("name", .string)
            .field("outcome", .string, .required)
            .field("reasons", .string, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "import_run_rows_run_idx").on(ImportRunRow.schema)
            .column("run_id").column("line").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(ImportRunRow.schema).delete()
        try await database.schema(ImportRun.schema).delete()
    }
}
