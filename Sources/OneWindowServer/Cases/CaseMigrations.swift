import Fluent
import Foundation
import SQLKit

/// The cases' tables: applicants, cases, steps, pauses, submitted materials and one-time notices.
struct M0014_CreateCases: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Applicant.schema)
            .id()
            .field("region_code", .string, .required)
            .field("kind", .string, .required)
            .field("id_number", .string, .required)
            .field("name", .string, .required)
            .field("phone", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "region_code", "id_number")
            .create()
        try await database.schema(Case.schema)
            .id()
            .field("region_code", .string, .required)
            .field("case_number", .string, .required)
            .field("item_id", .uuid, .required, .references(ServiceItem.schema, "id"))
            .field("item_code", .string, .required)
            .field("item_name", .string, .required)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("department_name", .string, .required)
            .field("case_type", .string, .required)
            .field("channel", .string, .required)
            .field("state", .string, .required)
            .field("applicant_id", .uuid, .required, .references(Applicant.schema, "id"))
            .field("proxy_id", .uuid, .references(Applicant.schema, "id"))
            .field("contact_phone", .string, .required)
            .field("submitted_at", .datetime, .required)
            .field("accepted_at", .datetime)
            .field("accepted_on", .string)
            .field("accepted_by", .string)
            .field("promised_half_days", .int, .required)
            .field("statutory_half_days", .int)
            .field("due_at", .datetime)
            .field("statutory_due_at", .datetime)
            .field("pending_materials", .bool, .required)
            .field("owner_id", .uuid)
            .field("owner_name", .string)
            .field("current_step", .int, .required)
            .field("current_department_id", .uuid)
            .field("current_department_name", .string, .required)
            .field("decision", .string)
            .field("reason", .string)
            .field("completed_at", .datetime)
            .field("delivery_method", .string)
            .field("delivered_at", .datetime)
            .field("applicant_note", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "case_number")
            .create()
        try await database.schema(CaseStep.schema)
            .id()
            .field("region_code", .string, .required)
            .field("case_id", .uuid, .required, .references(Case.schema, "id"))
            .field("position", .int, .required)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("department_name", .string, .required)
            .field("state", .string, .required)
            .field("owner_id", .uuid)
            .field("owner_name", .string)
            .field("finished_at", .datetime)
            .unique(on: "case_id", "position")
            .create()
        try await database.schema(CasePause.schema)
            .id()
            .field("region_code", .string, .required)
            .field("case_id", .uuid, .required, .references(Case.schema, "id"))
            .field("reason", .string, .required)
            .field("start_on", .string, .required)
            .field("end_on", .string)
            .field("note", .string, .required)
            .field("started_at", .datetime, .required)
            .field("ended_at", .datetime)
            .create()
        try await database.schema(SubmittedMaterial.schema)
            .id()
            .field("region_code", .string, .required)
            .field("case_id", .uuid, .required, .references(Case.schema, "id"))
            .field("requirement_id", .uuid)
            .field("position", .int, .required)
            .field("name", .string, .required)
            .field("provision", .string, .required)
            .field("is_key", .bool, .required)
            .field("licence_id", .string)
            .field("file_id", .uuid, .references(StoredFile.schema, "id"))
            .field("note", .string)
            .create()
        try await database.schema(OneTimeNotice.schema)
            .id()
            .field("region_code", .string, .required)
            .field("notice_number", .string, .required)
            .field("item_id", .uuid, .required, .references(ServiceItem.schema, "id"))
            .field("applicant_id", .uuid, .references(Applicant.schema, "id"))
            .field("lines", .string, .required)
            .field("issued_at", .datetime, .required)
            .field("issued_by", .string, .required)
            .unique(on: "notice_number")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "cases_region_state_due_idx").on(Case.schema).column("region_code").column("state").column("due_at")
            .run()
        try await sql.create(index: "cases_department_state_idx").on(Case.schema).column("current_department_id").column("state").run()
        try await sql.create(index: "cases_completed_idx").on(Case.schema).column("region_code").column("completed_at").run()
        try await sql.create(index: "case_steps_department_idx").on(CaseStep.schema).column("department_id").column("state").run()
        // One scan backs one material of one case.
        try await sql.create(index: "submitted_materials_file_idx").unique().on(SubmittedMaterial.schema).column("file_id").run()
    }

    func revert(on database: any Database) async throws {
        for schema in [
            OneTimeNotice.schema, SubmittedMaterial.schema, CasePause.schema, CaseStep.schema,
            Case.schema, Applicant.schema,
        ] {
            try await database.schema(schema).delete()
        }
    }
}

/// Where a case came from (the ticket it was accepted for, the home visit it was filed at, the helper who filed it as
/// 代办): columns first added by M0016 with the front desk's tables; on a database migrated since then they exist.
struct M0016_1_CaseOrigins: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // SQLite adds one column per ALTER TABLE.
        try await SchemaInspection.addColumnIfMissing(Case.schema, "ticket_id", .uuid, on: database)
        try await SchemaInspection.addColumnIfMissing(Case.schema, "home_visit_id", .uuid, on: database)
        try await SchemaInspection.addColumnIfMissing(Case.schema, "proxy_staff_name", .string, on: database)
    }

    func revert(on database: any Database) async throws {
        for field in ["proxy_staff_name", "home_visit_id", "ticket_id"] {
            try await database.schema(Case.schema).deleteField(FieldKey(stringLiteral: field)).update()
        }
    }
}

/// The figures' needs on cases (first added by M0020 for Stats): each case carries its item's category (审批 or 服务,
/// counted without a join over a year), and covering indexes let the annual report read a year from the index alone,
/// in its order; the case list reads newest first by number. Each step is skipped where it already ran.
struct M0020_1_CaseFigureIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if try await SchemaInspection.addColumnIfMissing(Case.schema, "item_category", .string, on: database) {
            try await sql.raw(
                "UPDATE cases SET item_category = (SELECT category FROM service_items WHERE service_items.id = cases.item_id)"
            ).run()
        }
        try await sql.raw(
            "CREATE INDEX IF NOT EXISTS cases_region_accepted ON cases (region_code, accepted_on, item_category, case_type, channel)"
        ).run()
        try await sql.raw("DROP INDEX IF EXISTS cases_completed_idx").run()  // (region_code, completed_at): the next one covers it
        try await sql.raw("CREATE INDEX IF NOT EXISTS cases_region_completed_due ON cases (region_code, completed_at, due_at)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS cases_region_number ON cases (region_code, case_number)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in ["cases_region_accepted", "cases_region_completed_due", "cases_region_number"] {
            try await sql.raw("DROP INDEX IF EXISTS \(unsafeRaw: index)").run()
        }
        try await sql.raw("CREATE INDEX cases_completed_idx ON cases (region_code, completed_at)").run()
        try await database.schema(Case.schema).deleteField("item_category").update()
    }
}

/// Encryption at rest (`FieldCipher`): the applicant's 身份证号 is sealed, so identity look-ups and the one-applicant-
/// per-identity rule go through its keyed hash. Existing rows are sealed and hashed by `SealedColumns` at start-up.
struct M0021_1_ApplicantIdentityHash: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await SchemaInspection.addColumnIfMissing(Applicant.schema, "id_number_hash", .string, on: database)
        try await sql.raw(
            "CREATE UNIQUE INDEX IF NOT EXISTS applicants_region_id_hash ON applicants (region_code, id_number_hash)"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX IF EXISTS applicants_region_id_hash").run()
        try await database.schema(Applicant.schema).deleteField("id_number_hash").update()
    }
}
