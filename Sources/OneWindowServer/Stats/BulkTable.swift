import Foundation
import SQLKit

/// Rows of one table gathered in memory and written as multi-row `INSERT`s in the caller's transaction (the
/// simulator and bulk imports). Values are bound parameters, encoded exactly as Fluent encodes the model's fields.
struct BulkTable: Sendable {
    let name: String
    let columns: [String]
    private(set) var rows: [[any SQLExpression]] = []
    /// Rows written so far.
    private(set) var written = 0

    init(_ name: String, _ columns: [String]) {
        self.name = name
        self.columns = columns
    }

    /// Appends one row; `values` in the order of `columns` (`nil` optionals become NULL).
    mutating func append(_ values: [any Encodable & Sendable]) {
        precondition(values.count == columns.count, "\(name): \(values.count) values for \(columns.count) columns")
        rows.append(values.map { SQLBind($0) })
    }

    /// Writes the gathered rows, at most 30,000 bound values a statement (SQLite allows 32,766; PostgreSQL 65,535).
    mutating func flush(on sql: any SQLDatabase) async throws {
        let per = max(1, 30_000 / columns.count)
        var start = 0
        while start < rows.count {
            let end = min(start + per, rows.count)
            var insert = sql.insert(into: name).columns(columns)
            for row in rows[start..<end] { insert = insert.values(row) }
            try await insert.run()
            start = end
        }
        written += rows.count
        rows.removeAll(keepingCapacity: true)
    }
}
