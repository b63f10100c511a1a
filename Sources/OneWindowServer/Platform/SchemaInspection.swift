import Fluent
import SQLKit

/// Questions a migration asks of the database's current schema, on SQLite and PostgreSQL alike.
enum SchemaInspection {
    /// Whether `table` has a column `column` (in the connection's current schema on PostgreSQL).
    static func hasColumn(_ table: String, _ column: String, on database: any Database) async throws -> Bool {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            let rows = try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all()
            return try rows.contains { try $0.decode(column: "name", as: String.self) == column }
        }
        let rows = try await sql.raw(
            """
            SELECT 1 AS found FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(bind: table) AND column_name = \(bind: column)
            """
        ).all()
        return !rows.isEmpty
    }

    /// Adds the column unless it is there: for a migration that took over a step an earlier migration of another
    /// module already ran on older databases. - Returns: whether it was added.
    @discardableResult
    static func addColumnIfMissing(_ table: String, _ column: String, _ type: DatabaseSchema.DataType, on database: any Database)
        async throws -> Bool
    {
        guard try await !hasColumn(table, column, on: database) else { return false }
        try await database.schema(table).field(.definition(name: .key(FieldKey(stringLiteral: column)), dataType: type, constraints: []))
            .update()
        return true
    }
}
