import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The front desk's tables, the links from cases to tickets and home visits, and the default ticket categories.
struct M0016_CreateFrontDesk: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(TicketCategory.schema)
            .id()
            .field("region_code", .string, .required)
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("prefix", .string, .required)
            .field("name", .string, .required)
            .field("covers", .string, .required)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("position", .int, .required)
            .field("active", .bool, .required)
            .unique(on: "hall_id", "prefix")
            .create()
        try await database.schema(Ticket.schema)
            .id()
            .field("region_code", .string, .required)
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("category_id", .uuid, .required, .references(TicketCategory.schema, "id"))
            .field("prefix", .string, .required)
            .field("sequence", .int, .required)
            .field("number", .string, .required)
            .field("service_day", .string, .required)
            .field("channel", .string, .required)
            .field("priority", .string, .required)
            .field("id_number", .string)
            .field("name", .string)
            .field("phone", .string)
            .field("follow_token", .string, .required)
            .field("issued_at", .datetime, .required)
            .field("arrived_at", .datetime, .required)
            .field("state", .string, .required)
            .field("recalls", .int, .required)
            .field("window_id", .uuid, .references(Window.schema, "id"))
            .field("window_number", .string)
            .field("directed_window_id", .uuid)
            .field("first_called_at", .datetime)
            .field("called_at", .datetime)
            .field("serving_at", .datetime)
            .field("finished_at", .datetime)
            .field("staff_id", .uuid)
            .field("staff_name", .string)
            .field("transfers", .int, .required)
            .field("appointment_id", .uuid)
            .field("slot_starts_at", .datetime)
            .field("soon_notified", .bool, .required)
            // The original prefix and sequence: a transferred ticket keeps its number.
            .unique(on: "hall_id", "prefix", "service_day", "sequence")
            .unique(on: "follow_token")
            .create()
        try await database.schema(TicketEvent.schema)
            .id()
            .field("region_code", .string, .required)
            .field("ticket_id", .uuid, .required, .references(Ticket.schema, "id"))
            .field("action", .string, .required)
            .field("window_number", .string)
            .field("staff_name", .string)
            .field("note", .string)
            .field("occurred_at", .datetime, .required)
            .create()
        try await database.schema(WindowDesk.schema)
            .id()
            .field("region_code", .string, .required)
            .field("window_id", .uuid, .required, .references(Window.schema, "id"))
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("staff_id", .uuid)
            .field("staff_name", .string)
            .field("categories", .string, .required)
            .field("paused", .bool, .required)
            .field("priority_streak", .int, .required)
            .field("signed_in_at", .datetime)
            .unique(on: "window_id")
            .create()
        try await database.schema(AppointmentSlot.schema)
            .id()
            .field("region_code", .string, .required)
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("category_id", .uuid, .required, .references(TicketCategory.schema, "id"))
            .field("day", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("capacity", .int, .required)
            .field("booked", .int, .required)
            .unique(on: "category_id", "starts_at")
            .create()
        try await database.schema(Appointment.schema)
            .id()
            .field("region_code", .string, .required)
            .field("slot_id", .uuid, .required, .references(AppointmentSlot.schema, "id"))
            .field("hall_id", .uuid, .required)
            .field("category_id", .uuid, .required)
            .field("day", .string, .required)
            .field("code", .string, .required)
            .field("id_number", .string, .required)
            .field("name", .string, .required)
            .field("phone", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .datetime, .required)
            .field("cancelled_at", .datetime)
            .field("checked_in_at", .datetime)
            .field("ticket_id", .uuid)
            .unique(on: "code")
            .create()
        let sql = database as! any SQLDatabase
        // One active booking per person and local day, whatever the category (BookingRules).
        try await sql.raw(
            """
            CREATE UNIQUE INDEX appointments_one_active_per_day ON appointments (region_code, id_number, day) WHERE state = 'booked'
            """
        ).run()
        try await sql.raw("CREATE INDEX tickets_queue ON tickets (hall_id, state, arrived_at)").run()
        try await database.schema(HomeVisit.schema)
            .id()
            .field("region_code", .string, .required)
            .field("number", .string, .required)
            .field("channel", .string, .required)
            .field("reason", .string, .required)
            .field("id_number", .string, .required)
            .field("name", .string, .required)
            .field("phone", .string, .required)
            .field("address", .string, .required)
            .field("need", .string, .required)
            .field("item_code", .string)
            .field("state", .string, .required)
            .field("requested_at", .datetime, .required)
            .field("visit_at", .datetime)
            .field("helper_id", .uuid)
            .field("helper_name", .string)
            .field("visited_at", .datetime)
            .field("outcome", .string)
            .unique(on: "region_code", "number")
            .create()
        try await database.schema(Assistance.schema)
            .id()
            .field("region_code", .string, .required)
            .field("hall_id", .uuid)
            .field("staff_id", .uuid)
            .field("staff_name", .string, .required)
            .field("kind", .string, .required)
            .field("item_code", .string)
            .field("item_name", .string)
            .field("note", .string)
            .field("occurred_at", .datetime, .required)
            .field("day", .string, .required)
            .field("home_visit_id", .uuid)
            .field("case_id", .uuid)
            .create()
        try await database.schema(DirectorShift.schema)
            .id()
            .field("region_code", .string, .required)
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("department_id", .uuid)
            .field("department_name", .string, .required)
            .field("director_id", .uuid)
            .field("director_name", .string, .required)
            .field("day", .string, .required)
            .field("month", .string, .required)
            .field("period", .string, .required)
            .field("consulted_name", .string)
            .field("consulted_phone", .string)
            .field("feedback", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(DirectorShiftCase.schema)
            .id()
            .field("shift_id", .uuid, .required, .references(DirectorShift.schema, "id"))
            .field("case_id", .uuid, .required, .references(Case.schema, "id"))
            .unique(on: "shift_id", "case_id")
            .create()
        try await database.schema(Improvement.schema)
            .id()
            .field("region_code", .string, .required)
            .field("shift_id", .uuid, .references(DirectorShift.schema, "id"))
            .field("finding", .string, .required)
            .field("action", .string, .required)
            .field("owner", .string, .required)
            .field("due_on", .string, .required)
            .field("status", .string, .required)
            .field("done_on", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await Self.loadDefaultCategories(on: database)
    }

    static func loadDefaultCategories(on database: any Database) async throws {
        for hall in try await Hall.query(on: database).all() {
            try await TicketCategoryDefaults.create(for: hall, on: database)
        }
    }

    func revert(on database: any Database) async throws {
        for schema in [
            Improvement.schema, DirectorShiftCase.schema, DirectorShift.schema, Assistance.schema, HomeVisit.schema, Appointment.schema,
            AppointmentSlot.schema, WindowDesk.schema, TicketEvent.schema, Ticket.schema, TicketCategory.schema,
        ] {
            try await database.schema(schema).delete()
        }
    }
}

/// The ticket categories a hall starts with: every hall `A 综合受理`; a county centre also `B 不动产登记`,
/// `C 社保医保`, `D 企业开办`, each tied to its department when the region has it.
enum TicketCategoryDefaults {
    static func create(for hall: Hall, on database: any Database) async throws {
        var entries: [(String, String, String, String?)] = [("A", "综合受理", "所有事项（综合窗口一窗受理）", nil)]
        if hall.level == .county {
            entries += [
                ("B", "不动产登记", "不动产登记、交易、税费", "ZRZY"), ("C", "社保医保", "社会保险、医疗保障、公积金", "RSJ"),
                ("D", "企业开办", "企业设立、变更、注销，许可", "SCJG"),
            ]
        }
        let departments = try await Department.scoped(on: database, to: hall.regionCode).all()
        for (position, entry) in entries.enumerated() {
            let category = TicketCategory()
            category.regionCode = hall.regionCode
            category.$hall.id = try hall.requireID()
            category.prefix = entry.0
            category.name = entry.1
            category.covers = entry.2
            category.$department.id = entry.3.flatMap { code in departments.first { $0.code == code }?.id }
            category.position = position
            category.active = true
            try await category.create(on: database)
        }
    }
}

/// Indexes over a year of tickets and help-desk records (first added by M0020 for Stats; skipped where they exist):
/// the annual report's help-desk counts, the kiosk's "people ahead of you" count, the calling display's latest
/// calls of the day (read after every ticket and call: without it every ticket issued scanned the hall's year).
struct M0020_2_FrontDeskIndexes: AsyncMigration {
    static let indexes = [
        "assistances_region_day ON assistances (region_code, day, kind)",
        "tickets_category_day_state ON tickets (category_id, service_day, state, arrived_at)",
        "tickets_region_day ON tickets (region_code, service_day)",
        "tickets_hall_day_called ON tickets (hall_id, service_day, called_at)",
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in Self.indexes { try await sql.raw("CREATE INDEX IF NOT EXISTS \(unsafeRaw: index)").run() }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for index in Self.indexes { try await sql.raw("DROP INDEX IF EXISTS \(unsafeRaw: String(index.prefix { $0 != " " }))").run() }
    }
}

/// Encryption at rest (`FieldCipher`): the one-booking-per-person-and-day rule and the one-open-ticket-per-phone
/// rule compare keyed hashes, as the sealed values differ at every write.
struct M0021_2_FrontDeskIdentityHashes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await SchemaInspection.addColumnIfMissing(Appointment.schema, "id_number_hash", .string, on: database)
        try await SchemaInspection.addColumnIfMissing(Ticket.schema, "phone_hash", .string, on: database)
        try await sql.raw(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS appointments_one_active_per_day_hash ON appointments (region_code, id_number_hash, day)
            WHERE state = 'booked'
            """
        ).run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS tickets_day_phone_hash ON tickets (service_day, phone_hash)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX IF EXISTS tickets_day_phone_hash").run()
        try await sql.raw("DROP INDEX IF EXISTS appointments_one_active_per_day_hash").run()
        try await database.schema(Ticket.schema).deleteField("phone_hash").update()
        try await database.schema(Appointment.schema).deleteField("id_number_hash").update()
    }
}
