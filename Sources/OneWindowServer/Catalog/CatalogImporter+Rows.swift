import Crypto
import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension CatalogImporter {
    struct RowResult: Sendable {
        let line: Int
        let itemCode: String?
        let name: String?
        let outcome: CatalogImportOutcome
        let reasons: [String]
    }

    static func importRecord(
        _ record: [String: String], line: Int, region: String, seen: inout [String: Int],
        departments: inout DepartmentIndex, on db: any Database
    ) async throws -> RowResult {
        let row: CatalogRow
        do {
            row = try CatalogRow.parse(record)
        } catch {
            return RowResult(
                line: line, itemCode: TextNormalization.normalizedOrNil(record["item_code"]),
                name: TextNormalization.normalizedOrNil(record["name"]), outcome: .rejected, reasons: [error.message])
        }
        if let first = seen[row.itemCode] {
            return RowResult(
                line: line, itemCode: row.itemCode, name: row.name, outcome: .rejected,
                reasons: ["实施编码与第 \(first) 行重复，本行未导入"])
        }
        seen[row.itemCode] = line

        let hash = sourceHash(record)
        let existing = try await ServiceItem.scoped(on: db, to: region).filter(\.$itemCode == row.itemCode).first()
        if let existing, existing.sourceHash == hash {
            return RowResult(
                line: line, itemCode: row.itemCode, name: row.name, outcome: .unchanged,
                reasons: existing.flags.map(\.message))
        }

        let item = existing ?? ServiceItem()
        if existing == nil {
            item.regionCode = region
            item.itemCode = row.itemCode
            item.allowsPendingMaterials = false
            item.source = "import"
            item.flagsJSON = "[]"
        }
        item.name = row.name
        item.subItem = row.subItem ?? item.subItem
        if let name = row.department {
            item.departmentName = name
            item.$department.id = try await department(named: name, region: region, index: &departments, on: db)
        }
        item.category = row.category ?? item.category
        item.caseType = row.caseType ?? item.caseType
        item.statutoryDays = row.statutoryDays?.days ?? item.statutoryDays
        item.promisedDays = row.promisedDays?.days ?? item.promisedDays
        item.fullyOnline = row.fullyOnline ?? item.fullyOnline
        item.fee = row.fee.map(feeText) ?? item.fee
        item.visits = row.visits ?? item.visits
        item.guideURL = row.guideURL ?? item.guideURL
        item.phones = row.phones ?? item.phones
        item.sourceHash = hash
        item.refreshSearchText()

        let flags = CatalogRow.flags(
            valueFlags: row.valueFlags, department: item.departmentName, category: item.category, caseType: item.caseType,
            statutory: item.statutory, promised: item.promised, fullyOnline: item.fullyOnline)
        // An admin's withdrawal stands until an admin publishes the item again; an import never re-publishes it.
        let withdrawn = existing?.flags.contains { $0.code == ServiceItem.withdrawnFlag.code } == true
        item.flags = flags.map { ServiceItem.Flag(code: $0.code, message: $0.message) } + (withdrawn ? [ServiceItem.withdrawnFlag] : [])
        item.status = item.flags.isEmpty ? .published : .draft
        if existing == nil { try await item.create(on: db) } else { try await item.update(on: db) }

        let outcome: CatalogImportOutcome = !item.flags.isEmpty ? .flagged : (existing == nil ? .imported : .updated)
        return RowResult(line: line, itemCode: row.itemCode, name: row.name, outcome: outcome, reasons: item.flags.map(\.message))
    }

    /// `none` in the provincial file means 不收费.
    static func feeText(_ raw: String) -> String {
        raw.lowercased() == "none" ? "不收费" : raw
    }

    /// SHA-256 over the known columns of a record, normalised: the same row always hashes the same.
    static func sourceHash(_ record: [String: String]) -> String {
        let canonical = columns.map { "\($0)=\(TextNormalization.normalize(record[$0] ?? ""))" }.joined(separator: "\u{1F}")
        return SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Departments of the region by name, and how many this run created.
    struct DepartmentIndex: Sendable {
        var ids: [String: UUID] = [:]
        var created = 0
    }

    static func departmentIndex(region: String, on db: any Database) async throws -> DepartmentIndex {
        var index = DepartmentIndex()
        for department in try await Department.scoped(on: db, to: region).all() {
            index.ids[department.name] = department.id
        }
        return index
    }

    /// The department of that name in the region, created when the catalogue names one not yet known.
    /// The database is asked again before creating: another import may have created it meanwhile.
    static func department(named name: String, region: String, index: inout DepartmentIndex, on db: any Database) async throws
        -> UUID
    {
        if let id = index.ids[name] { return id }
        if let existing = try await Department.scoped(on: db, to: region).filter(\.$name == name).first(),
            let id = existing.id
        {
            index.ids[name] = id
            return id
        }
        // Insert-or-ignore, then read: two imports (or two instances) naming the same new department at once
        // both end up with the one row, whichever inserted it.
        let sql = db as! any SQLDatabase
        let now = Date()
        let newID = UUID()
        try await sql.insert(into: Department.schema)
            .columns("id", "region_code", "code", "name", "short_name", "active", "created_at", "updated_at")
            .values(
                SQLBind(newID), SQLBind(region), SQLBind("D" + String(sourceHash(["name": name]).prefix(8)).uppercased()),
                SQLBind(name), SQLBind(name), SQLBind(true), SQLBind(now), SQLBind(now)
            )
            .ignoringConflicts()
            .run()
        guard let created = try await Department.scoped(on: db, to: region).filter(\.$name == name).first() else {
            throw InternalInconsistency(message: "department \(name) could not be created")
        }
        let id = try created.requireID()
        index.ids[name] = id
        if id == newID { index.created += 1 }  // this run's insert won, not another's
        return id
    }
}
