import Fluent
import SQLKit

struct M0001_CreateRegions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Region.schema)
            .field("code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("level", .int, .required)
            .field("parent_code", .string)
            .create()
        try await (database as! any SQLDatabase).create(index: "regions_parent_code_idx").on(Region.schema).column("parent_code").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Region.schema).delete()
    }
}

struct M0003_CreateHalls: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Hall.schema)
            .id()
            .field("region_code", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("division_code", .string, .required)
            .field("address", .string, .required)
            .field("phone", .string, .required)
            .field("hours", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "region_code", "code")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Hall.schema).delete()
    }
}

struct M0004_CreateDepartments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Department.schema)
            .id()
            .field("region_code", .string, .required)
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("short_name", .string, .required)
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "region_code", "code")
            .unique(on: "region_code", "name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Department.schema).delete()
    }
}

struct M0005_CreateWindows: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Window.schema)
            .id()
            .field("region_code", .string, .required)
            .field("hall_id", .uuid, .required, .references(Hall.schema, "id"))
            .field("number", .string, .required)
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("active", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "hall_id", "number")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Window.schema).delete()
    }
}

struct M0006_CreateStaff: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(Staff.schema)
            .id()
            .field("region_code", .string, .required)
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("password_hash", .string, .required)
            .field("roles", .string, .required)
            .field("hall_id", .uuid, .references(Hall.schema, "id"))
            .field("department_id", .uuid, .references(Department.schema, "id"))
            .field("active", .bool, .required)
            .field("must_change_password", .bool, .required)
            .field("last_sign_in_at", .datetime)
            .field("credentials_changed_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "username")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(Staff.schema).delete()
    }
}
