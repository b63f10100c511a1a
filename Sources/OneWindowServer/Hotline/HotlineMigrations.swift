import Fluent
import Foundation
import OneWindowCore
import SQLKit

/// The 12345 tables, and the default category tree for the demo county (the real 15 / 103 / 517 taxonomy of
/// `ReferenceData/hotline/taxonomy.csv`) with each first- and second-level category mapped to a department.
struct M0017_CreateHotline: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(HotlineCategory.schema)
            .id()
            .field("region_code", .string, .required)
            .field("path", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("level", .int, .required)
            .field("parent_id", .uuid)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("reply_limit_days", .int)
            .field("position", .int, .required)
            .unique(on: "region_code", "path")
            .unique(on: "region_code", "code")
            .create()
        try await database.schema(WorkOrder.schema)
            .id()
            .field("region_code", .string, .required)
            .field("number", .string, .required)
            .field("channel", .string, .required)
            .field("appeal_type", .string, .required)
            .field("urgency", .string, .required)
            .field("appellant_name", .string)
            .field("phone", .string)
            .field("title", .string, .required)
            .field("content", .string, .required)
            .field("address", .string, .required)
            .field("township_code", .string)
            .field("latitude", .double)
            .field("longitude", .double)
            .field("category_id", .uuid, .references(HotlineCategory.schema, "id"))
            .field("suggested", .string, .required)
            .field("state", .string, .required)
            .field("lead_department_id", .uuid, .references(Department.schema, "id"))
            .field("received_at", .datetime, .required)
            .field("dispatched_at", .datetime)
            .field("sign_due_at", .datetime)
            .field("signed_for_at", .datetime)
            .field("reply_limit_days", .int)
            .field("reply_started_at", .datetime)
            .field("reply_due_at", .datetime)
            .field("replied_at", .datetime)
            .field("reply", .string)
            .field("replied_by", .string)
            .field("callback_due_at", .datetime)
            .field("called_back_at", .datetime)
            .field("satisfaction", .string)
            .field("first_satisfaction", .string)
            .field("callback_note", .string)
            .field("reopen_count", .int, .required)
            .field("closed_at", .datetime)
            .field("merged_into_id", .uuid, .references(WorkOrder.schema, "id"))
            .field("extension_requested_days", .int)
            .field("extension_reason", .string)
            .field("extended_days", .int)
            .field("urge_count", .int, .required)
            .field("supervised", .bool, .required)
            .field("return_reason", .string)
            .field("service_code", .string)
            .field("open311_token", .string)
            .field("source_ref", .string)
            .field("intake_key", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "region_code", "number")
            .unique(on: "open311_token")
            .unique(on: "region_code", "source_ref")
            .unique(on: "region_code", "intake_key")
            .create()
        try await database.schema(WorkOrderAssignment.schema)
            .id()
            .field("region_code", .string, .required)
            .field("work_order_id", .uuid, .required, .references(WorkOrder.schema, "id"))
            .field("department_id", .uuid, .required, .references(Department.schema, "id"))
            .field("role", .string, .required)
            .field("assigned_at", .datetime, .required)
            .field("signed_for_at", .datetime)
            .field("active", .bool, .required)
            .create()
        try await database.schema(HotlineTrainingExample.schema)
            .id()
            .field("region_code", .string, .required)
            .field("text", .string, .required)
            .field("category_id", .uuid, .required, .references(HotlineCategory.schema, "id"))
            .field("source", .string, .required)
            .field("source_ref", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "region_code", "source", "source_ref")
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.raw("CREATE INDEX work_orders_region_received ON work_orders (region_code, received_at)").run()
            try await sql.raw("CREATE INDEX work_orders_region_state ON work_orders (region_code, state)").run()
            try await sql.raw("CREATE INDEX work_order_assignments_department ON work_order_assignments (department_id, active)").run()
            try await sql.raw("CREATE INDEX work_order_assignments_order ON work_order_assignments (work_order_id)").run()
        }
        try await HotlineReferenceData.load(on: database)
    }

    func revert(on database: any Database) async throws {
        for schema in [HotlineTrainingExample.schema, WorkOrderAssignment.schema, WorkOrder.schema, HotlineCategory.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// The demo county's default 12345 categories and their departments.
enum HotlineReferenceData {
    /// Departments the hotline needs that the demo organisation's halls do not have.
    static let extraDepartments: [(code: String, name: String, shortName: String)] = [
        ("HBJ", "咸宁市生态环境局崇阳分局", "县生态环境分局"),
        ("JYJ", "崇阳县教育局", "县教育局"),
        ("NYJ", "崇阳县农业农村局", "县农业农村局"),
        ("SWU", "崇阳县商务局", "县商务局"),
    ]

    /// Category path → department code. A category not listed inherits its parent's department. 住建局 owns the
    /// municipal facilities (市政设施: roads, street lighting, drainage) under 城市建设和市政管理; 城管执法局 enforces
    /// and keeps the streets clean.
    static let departmentByPath: [String: String] = [
        "城乡建设": "ZJJ",
        "城乡建设/城市建设和市政管理": "ZJJ",
        "城乡建设/城市建设和市政管理/城管执法": "CGJ",
        "城乡建设/城市建设和市政管理/环境卫生": "CGJ",
        "城乡建设/安全生产": "YJGL",
        "城乡建设/国有土地上房屋征收与补偿": "ZRZY",
        "城乡建设/集体土地上房屋拆迁与补偿": "ZRZY",
        "环境保护": "HBJ",
        "交通运输": "JTYS",
        "教育文体": "JYJ",
        "劳动和社会保障": "RSJ",
        "劳动和社会保障/城镇居民社会保险": "YBJ",
        "卫生计生": "WJJ",
        "卫生计生/食品药品监管": "SCJG",
        "商贸旅游": "SWU",
        "商贸旅游/市场监管": "SCJG",
        "商贸旅游/质监检验检疫": "SCJG",
        "民政": "MZJ",
        "政法": "GAJ",
        "国土资源": "ZRZY",
        "农村农业": "NYJ",
        "经济管理/金融财税": "SWJ",
        "经济管理/安全生产": "YJGL",
        "科技与信息产业/信息化建设": "ZWJ",
    ]

    /// Loads the category tree (and the extra departments) for the demo organisation's region.
    static func load(on database: any Database) async throws {
        struct Organisation: Decodable { let regionCode: String }
        let region = try JSONDecoder().decode(Organisation.self, from: ReferenceData.data("demo-organisation.json")).regionCode
        let table = try CSVTable(text: ReferenceData.text("hotline/taxonomy.csv"))
        try await database.writeTransaction { db in
            var departments: [String: UUID] = [:]
            for department in try await Department.scoped(on: db, to: region).all() {
                departments[department.code] = department.id
            }
            for extra in extraDepartments where departments[extra.code] == nil {
                let department = Department()
                department.regionCode = region
                department.code = extra.code
                department.name = extra.name
                department.shortName = extra.shortName
                department.active = true
                try await department.create(on: db)
                departments[extra.code] = department.id
            }
            var ids: [String: UUID] = [:]
            var codes: [String: String] = [:]
            var children: [String: Int] = [:]
            var position = 0
            for record in table.records {
                let names = [record["一级分类"], record["二级分类"], record["三级分类"]].map {
                    ($0 ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                }
                var parent: UUID?
                var parentPath = ""
                for level in 1...3 where !names[level - 1].isEmpty {
                    let path = names[0..<level].joined(separator: "/")
                    defer { parentPath = path }
                    if let existing = ids[path] { parent = existing; continue }
                    position += 1
                    children[parentPath, default: 0] += 1
                    let category = HotlineCategory()
                    category.regionCode = region
                    category.path = path
                    category.code = (codes[parentPath] ?? "") + String(format: "%02d", children[parentPath]!)
                    codes[path] = category.code
                    category.name = names[level - 1]
                    category.level = level
                    category.parentID = parent
                    category.position = position
                    if let code = departmentByPath[path] { category.$department.id = departments[code] }
                    try await category.create(on: db)
                    ids[path] = category.id
                    parent = category.id
                }
            }
        }
    }
}

/// The hotline list: live orders (not imported), newest first, over a year (first added by M0020 for Stats; skipped
/// where it exists).
struct M0020_4_WorkOrderIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw(
            "CREATE INDEX IF NOT EXISTS work_orders_region_source_received ON work_orders (region_code, source_ref, received_at)"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX IF EXISTS work_orders_region_source_received").run()
    }
}

/// Encryption at rest (`FieldCipher`): the order list finds an appellant's orders by the keyed hash of the phone.
struct M0021_3_WorkOrderPhoneHash: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await SchemaInspection.addColumnIfMissing(WorkOrder.schema, "phone_hash", .string, on: database)
        try await (database as! any SQLDatabase).raw(
            "CREATE INDEX IF NOT EXISTS work_orders_region_phone_hash ON work_orders (region_code, phone_hash)"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX IF EXISTS work_orders_region_phone_hash").run()
        try await database.schema(WorkOrder.schema).deleteField("phone_hash").update()
    }
}
