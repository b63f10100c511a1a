import Crypto
import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Imports a catalogue CSV (the provincial 实施清单) into one region.
///
/// Idempotent on `item_code`: a row equal to the last import of the same code is `unchanged` and not written;
/// a changed row updates the item (a value the file leaves empty keeps what the item had, so an admin's
/// completion of a draft survives); a row that is incomplete or contradictory is kept as a `draft` with its
/// reasons (`flagged`), never filled with invented values; a row without a usable code or name is `rejected`.
/// Rows are written in chunks, each chunk one transaction, and the run's progress is stored after each chunk.
enum CatalogImporter {
    static let columns = [
        "item_code", "name", "sub_item", "region", "department", "item_category", "case_type", "statutory_days",
        "promised_days", "online", "fee", "visits", "guide_url", "phones",
    ]

    enum ImportError: DomainError, Equatable {
        case unreadable(String)
        case missingColumns([String])
        case empty

        var status: HTTPResponseStatus { .badRequest }
        var code: String { "invalid_catalog_file" }
        var field: String? { "file" }
        var reason: String {
            switch self {
            case .unreadable(let why): return "无法读取 CSV 文件：\(why)"
            case .missingColumns(let names): return "CSV 缺少必需的列：\(names.joined(separator: "、"))"
            case .empty: return "CSV 文件没有数据行"
            }
        }
    }

    /// Parses the file text.
    /// - Throws: `ImportError` when it is not a CSV with at least `item_code` and `name` columns and one row.
    static func parse(_ text: String) throws -> CSVTable {
        let table: CSVTable
        do {
            table = try CSVTable(text: text)
        } catch {
            throw ImportError.unreadable("不是有效的 UTF-8 CSV 文件")
        }
        let missing = ["item_code", "name"].filter { !table.header.contains($0) }
        guard missing.isEmpty else { throw ImportError.missingColumns(missing) }
        guard !table.records.isEmpty else { throw ImportError.empty }
        return table
    }

    /// The region a file belongs to: the division named by its `region` column when every row names the same
    /// one (湖北省 → `420000000000`), else `fallback`.
    static func region(of table: CSVTable, on db: any Database, fallback: RegionCode) async throws -> RegionCode {
        let names = Set(table.records.compactMap { TextNormalization.normalizedOrNil($0["region"]) })
        guard names.count == 1, let name = names.first,
            let match = try await Region.query(on: db).filter(\.$name == name).filter(\.$level <= 3).sort(\.$level).first(),
            let code = match.id
        else { return fallback }
        return try RegionCode(code)
    }

    /// Marks as failed the runs left `running` by a process that stopped: not touched for `staleAfter` seconds.
    /// - Returns: how many runs were closed.
    @discardableResult
    static func closeAbandonedRuns(on db: any Database, staleAfter: TimeInterval = 300) async throws -> Int {
        let cutoff = Date().addingTimeInterval(-staleAfter)
        let abandoned = try await ImportRun.query(on: db).filter(\.$status == .running).all()
            .filter { ($0.updatedAt ?? $0.startedAt) < cutoff }
        for run in abandoned {
            run.status = .failed
            run.error = "导入在第 \(run.processed + 2) 行附近中断（服务已重启），之前的行已导入；请重新导入该文件，已导入的行不会重复。"
            run.finishedAt = Date()
            try await run.update(on: db)
        }
        return abandoned.count
    }

    /// Creates the run record (status `running`) so a page can show progress at once.
    static func begin(fileName: String, total: Int, region: RegionCode, actor: Actor, on db: any Database) async throws -> ImportRun {
        let run = ImportRun()
        run.regionCode = region.value
        run.kind = "catalog"
        run.fileName = fileName
        run.status = .running
        run.total = total
        run.processed = 0
        run.importedCount = 0
        run.updatedCount = 0
        run.flaggedCount = 0
        run.unchangedCount = 0
        run.rejectedCount = 0
        run.startedBy = actor.name
        run.startedAt = Date()
        try await run.create(on: db)
        return run
    }

    /// Imports every record of `table` into `run`'s region, updating `run` as it goes.
    /// - Returns: the finished run (status `finished`, or `failed` with `error` set if a chunk failed; the
    ///   chunks before it stay imported, and a re-run completes the rest).
    @discardableResult
    static func run(_ run: ImportRun, table: CSVTable, actor: Actor, on db: any Database, chunkSize: Int = 50) async throws -> ImportRun {
        let region = run.regionCode
        var seen: [String: Int] = [:]
        var departments = try await departmentIndex(region: region, on: db)
        do {
            for start in stride(from: 0, to: table.records.count, by: chunkSize) {
                let end = min(start + chunkSize, table.records.count)
                let records = Array(table.records[start..<end])
                let runID = try run.requireID()
                let (results, newSeen, newDepartments) = try await db.writeTransaction { [seen, departments] tx in
                    var seen = seen
                    var departments = departments
                    var results: [RowResult] = []
                    for (offset, record) in records.enumerated() {
                        let line = start + offset + 2  // the header is line 1
                        results.append(
                            try await importRecord(
                                record, line: line, region: region, seen: &seen, departments: &departments, on: tx))
                    }
                    for result in results {
                        let row = ImportRunRow()
                        row.$run.id = runID
                        row.line = result.line
                        row.itemCode = result.itemCode
                        row.name = result.name
                        row.outcome = result.outcome
                        row.reasons = result.reasons.joined(separator: "；")
                        try await row.create(on: tx)
                    }
                    return (results, seen, departments)
                }
                seen = newSeen
                departments = newDepartments
                for result in results {
                    switch result.outcome {
                    case .imported: run.importedCount += 1
                    case .updated: run.updatedCount += 1
                    case .flagged: run.flaggedCount += 1
                    case .unchanged: run.unchangedCount += 1
                    case .rejected: run.rejectedCount += 1
                    }
                }
                run.processed = end
                try await run.update(on: db)
            }
            run.status = .finished
        } catch {
            db.logger.error(
                "catalogue import \(run.id?.uuidString ?? "-") failed near line \(run.processed + 2): \(String(reflecting: error))")
            run.status = .failed
            run.error = "第 \(run.processed + 2) 行附近出错，之前的行已导入；请检查文件后重新导入（重复导入不会产生重复事项）"
        }
        run.finishedAt = Date()
        let createdDepartments = departments.created
        try await db.writeTransaction { tx in
            try await run.update(on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: "catalog.import", entityType: "import_run",
                entityID: run.id?.uuidString,
                summary:
                    "导入事项目录 \(run.fileName)：新增 \(run.importedCount)，更新 \(run.updatedCount)，存疑 \(run.flaggedCount)，未变 \(run.unchangedCount)，拒绝 \(run.rejectedCount)；新建实施机关 \(createdDepartments) 个"
            )
        }
        return run
    }

}
