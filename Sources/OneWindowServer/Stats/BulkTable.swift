import Foundation
import SQLKit

/// Rows of one table gathered in memory and written as multi-row `INSERT`s in the caller's transaction (the
/// simulator). Values are stored exactly as Fluent stores the model's fields:
/// - on PostgreSQL as bound parameters (at most 30,000 a statement; the limit is 65,535);
/// - on SQLite as SQL literals in the form Fluent's SQLite encoder produces (UUID as its upper-case text, `Date` as
///   seconds since 1970 as a REAL, `Bool` as 0 / 1, text quoted with `''`), which saves binding millions of
///   parameters one by one; SQLite has no limit on literals, so a statement carries up to 2,000 rows.
struct BulkTable: Sendable {
    /// One cell.
    enum Value: Sendable, Equatable {
        case null
        case integer(Int)
        case real(Double)
        case text(String)
        case uuid(UUID)
        case date(Date)
        case bool(Bool)

        /// Appends the SQLite literal of the value, as Fluent's SQLite encoder would have stored it, to `text`.
        func appendLiteral(to text: inout String) {
            switch self {
            case .null: text += "NULL"
            case .integer(let number): text += String(number)
            case .real(let number): text += Self.real(number)
            case .text(let value):
                text += "'"
                if value.utf8.contains(UInt8(ascii: "'")) { text += value.replacingOccurrences(of: "'", with: "''") } else { text += value }
                text += "'"
            case .uuid(let id): text += "'"; text += Self.uuidText(id); text += "'"
            case .date(let instant): text += Self.real(instant.timeIntervalSince1970)
            case .bool(let flag): text += flag ? "1" : "0"
            }
        }

        /// The value to bind on other databases (NULL as the untyped literal, which fits a column of any type).
        var bind: any SQLExpression {
            switch self {
            case .null: return SQLLiteral.null
            case .integer(let number): return SQLBind(number)
            case .real(let number): return SQLBind(number)
            case .text(let text): return SQLBind(text)
            case .uuid(let id): return SQLBind(id)
            case .date(let instant): return SQLBind(instant)
            case .bool(let flag): return SQLBind(flag)
            }
        }

        /// `UUID.uuidString` (upper-case, with dashes), without Foundation's formatting: millions are written a year.
        static func uuidText(_ id: UUID) -> String {
            let digits = Array("0123456789ABCDEF".utf8)
            return withUnsafeBytes(of: id.uuid) { raw in
                String(unsafeUninitializedCapacity: 36) { buffer in
                    var at = 0
                    for (index, byte) in raw.enumerated() {
                        if index == 4 || index == 6 || index == 8 || index == 10 { buffer[at] = UInt8(ascii: "-"); at += 1 }
                        buffer[at] = digits[Int(byte >> 4)]
                        buffer[at + 1] = digits[Int(byte & 0x0F)]
                        at += 2
                    }
                    return at
                }
            }
        }

        /// A REAL literal that reads back as the same `Double` (shortest round-trip form, always with a point or exponent).
        private static func real(_ number: Double) -> String {
            let text = "\(number)"
            return text.contains(".") || text.contains("e") ? text : text + ".0"
        }
    }

    let name: String
    let columns: [String]
    private(set) var rows: [[Value]] = []

    /// An empty table for one of the simulator's tables: its name and the columns its rows give values for.
    init(_ table: SimulatedTable) {
        self.name = table.name
        self.columns = table.columns
    }

    /// Appends one row; `values` in the order of `columns` (`nil` optionals become NULL).
    mutating func append(_ values: [any BulkCell]) {
        precondition(values.count == columns.count, "\(name): \(values.count) values for \(columns.count) columns")
        rows.append(values.map(\.bulkValue))
    }

    /// The SQLite statements that insert the gathered rows (at most 2,000 rows each), built without the database so a
    /// caller can build them on another core while the previous ones run.
    func sqliteStatements() -> [String] {
        let head = "INSERT INTO \"\(name)\" (" + columns.map { "\"\($0)\"" }.joined(separator: ", ") + ") VALUES "
        var statements: [String] = []
        for start in stride(from: 0, to: rows.count, by: 2_000) {
            var text = head
            text.reserveCapacity(head.utf8.count + 2_000 * columns.count * 24)
            for (index, row) in rows[start..<min(start + 2_000, rows.count)].enumerated() {
                text += index > 0 ? ", (" : "("
                for (position, value) in row.enumerated() {
                    if position > 0 { text += ", " }
                    value.appendLiteral(to: &text)
                }
                text += ")"
            }
            statements.append(text)
        }
        return statements
    }

    /// Writes the gathered rows and empties the table.
    mutating func flush(on sql: any SQLDatabase) async throws {
        defer { rows.removeAll(keepingCapacity: true) }
        if sql.dialect.name == "sqlite" {
            for statement in sqliteStatements() { try await sql.raw(SQLQueryString(statement)).run() }
            return
        }
        let per = max(1, 30_000 / columns.count)
        for start in stride(from: 0, to: rows.count, by: per) {
            var insert = sql.insert(into: name).columns(columns)
            for row in rows[start..<min(start + per, rows.count)] { insert = insert.values(row.map(\.bind)) }
            try await insert.run()
        }
    }
}

/// A value a `BulkTable` row may hold: `String`, `Int`, `Double`, `Bool`, `UUID`, `Date` and their optionals.
protocol BulkCell: Sendable {
    var bulkValue: BulkTable.Value { get }
}

extension String: BulkCell { var bulkValue: BulkTable.Value { .text(self) } }
extension Int: BulkCell { var bulkValue: BulkTable.Value { .integer(self) } }
extension Double: BulkCell { var bulkValue: BulkTable.Value { .real(self) } }
extension Bool: BulkCell { var bulkValue: BulkTable.Value { .bool(self) } }
extension UUID: BulkCell { var bulkValue: BulkTable.Value { .uuid(self) } }
extension Date: BulkCell { var bulkValue: BulkTable.Value { .date(self) } }
extension Optional: BulkCell where Wrapped: BulkCell {
    var bulkValue: BulkTable.Value { self?.bulkValue ?? .null }
}
