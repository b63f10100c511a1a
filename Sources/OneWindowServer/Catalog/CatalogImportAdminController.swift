import Fluent
import Foundation
import OneWindowCore
import Vapor

/// 事项目录导入 pages: upload a catalogue CSV, watch its progress, read its result table.
struct CatalogImportAdminController {
    static let uploadLimit = 10 << 20

    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminImports, use: imports)
        admin.on(.POST, .adminImports, body: .collect(maxSize: ByteCount(value: Self.uploadLimit)), use: upload)
        admin.get(.adminImport, use: showImport)
        admin.get(.adminImportStatus, use: importStatus)
    }

    struct RunRow: Encodable {
        let id: String, fileName: String, regionCode: String, status: String, startedBy: String, startedAt: String
        let total: Int, processed: Int, imported: Int, updated: Int, flagged: Int, unchanged: Int, rejected: Int
        let link: String

        init(_ run: ImportRun, zone: TimeZone) {
            id = run.id!.uuidString
            fileName = run.fileName
            regionCode = run.regionCode
            status = run.status.label
            startedBy = run.startedBy
            startedAt = LocalTime.format(run.startedAt, in: zone)
            total = run.total
            processed = run.processed
            imported = run.importedCount
            updated = run.updatedCount
            flagged = run.flaggedCount
            unchanged = run.unchangedCount
            rejected = run.rejectedCount
            link = SiteRoute.adminImport.path(run.id!.uuidString)
        }
    }

    func imports(req: Request) async throws -> View {
        try await renderImports(req, error: nil)
    }

    private func renderImports(_ req: Request, error: String?) async throws -> View {
        struct Context: Encodable { let page: PageChrome; let runs: [RunRow]; let error: String? }
        let runs = try await ImportRun.query(on: req.db).sort(\.$startedAt, .descending).limit(20).all()
        return try await req.view.render(
            "admin/imports",
            Context(
                page: PageChrome(request: req, title: "事项目录导入"), runs: runs.map { RunRow($0, zone: req.settings.timeZone) }, error: error))
    }

    struct UploadForm: Content {
        var file: File?
        var regionCode: String?
    }

    /// Starts an import in the background and shows its progress page; a file that cannot be imported at all
    /// comes back on the upload page with the reason (400 or 415).
    func upload(req: Request) async throws -> Response {
        do {
            return try await startImport(req)
        } catch let error as any DomainError {
            return try await renderImports(req, error: error.reason).encodeResponse(status: error.status, for: req)
        } catch let error as FieldError {
            return try await renderImports(req, error: error.message).encodeResponse(status: .badRequest, for: req)
        }
    }

    private func startImport(_ req: Request) async throws -> Response {
        let form = try req.content.decode(UploadForm.self)
        guard let file = form.file, file.data.readableBytes > 0 else {
            throw FieldError(field: "file", message: "请选择要导入的 CSV 文件")
        }
        guard let text = file.data.getString(at: file.data.readerIndex, length: file.data.readableBytes, encoding: .utf8),
            !text.contains("\u{0}")
        else {
            throw PlatformError.unsupportedMediaType("文件不是 UTF-8 编码的 CSV 文本（Excel 请另存为“CSV UTF-8”）")
        }
        let table = try CatalogImporter.parse(text)
        // A county's admin imports into the county or the divisions above it, never elsewhere; whether the
        // region is typed or read from the file's `region` column.
        let allowed = RegionScope.visible(for: req.settings.region)
        let region: RegionCode
        if let raw = TextNormalization.normalizedOrNil(form.regionCode) {
            region = try RegionCode(raw, field: "regionCode")
        } else {
            region = try await CatalogImporter.region(of: table, on: req.db, fallback: req.settings.region)
        }
        guard allowed.contains(region.value) else {
            throw FieldError(field: "regionCode", message: "只能导入到本县或其上级区划：\(allowed.joined(separator: "、"))；该文件对应 \(region.value)")
        }
        let actor = req.actor
        let run = try await CatalogImporter.begin(
            fileName: String(file.filename.prefix(120)), total: table.records.count, region: region, actor: actor, on: req.db)
        let app = req.application
        let runID = try run.requireID()
        app.backgroundImports.start(runID) {
            try await CatalogImporter.run(run, table: table, actor: actor, on: app.db)
        }
        return req.redirect(to: SiteRoute.adminImport.path(runID.uuidString))
    }

    func importStatus(req: Request) async throws -> RunStatusDTO {
        RunStatusDTO(try await findRun(req))
    }

    struct RunStatusDTO: Content {
        let status: String
        let total: Int
        let processed: Int
        let percent: Int
        let counts: [String: Int]

        init(_ run: ImportRun) {
            status = run.status.rawValue
            total = run.total
            processed = run.processed
            percent = run.percent
            counts = Dictionary(uniqueKeysWithValues: CatalogImportOutcome.allCases.map { ($0.rawValue, run.count(of: $0)) })
        }
    }

    func showImport(req: Request) async throws -> View {
        struct Row: Encodable {
            let line: Int; let itemCode: String; let name: String; let outcome: String; let outcomeCode: String; let reasons: String
        }
        struct Tab: Encodable { let code: String; let label: String; let count: Int; let selected: Bool; let link: String }
        struct Context: Encodable {
            let page: PageChrome
            let run: RunRow
            let running: Bool
            let failed: Bool
            let error: String?
            let percent: Int
            let tabs: [Tab]
            let rows: [Row]
            let statusLink: String
            let pager: Pager
        }
        let run = try await findRun(req)
        let outcome = (try? req.query.get(String.self, at: "outcome")).flatMap(CatalogImportOutcome.init(rawValue:))
        let page = req.pageParameter
        let per = 100
        let query = ImportRunRow.query(on: req.db).filter(\.$run.$id == run.id!).sort(\.$line)
        if let outcome { query.filter(\.$outcome == outcome) }
        let total = try await query.count()
        let rows = try await query.copy().range(((page - 1) * per)..<(page * per)).all().map {
            Row(
                line: $0.line, itemCode: $0.itemCode ?? "", name: $0.name ?? "", outcome: $0.outcome.label,
                outcomeCode: $0.outcome.rawValue, reasons: $0.reasons)
        }
        let runID = run.id!.uuidString
        let base = SiteRoute.adminImport.path(runID)
        let tabs =
            [Tab(code: "", label: "全部", count: run.processed, selected: outcome == nil, link: base)]
            + CatalogImportOutcome.allCases.map {
                Tab(
                    code: $0.rawValue, label: $0.label, count: run.count(of: $0), selected: outcome == $0,
                    link: SiteRoute.adminImport.path(runID, query: ["outcome": $0.rawValue]))
            }
        return try await req.view.render(
            "admin/import",
            Context(
                page: PageChrome(request: req, title: "导入结果：\(run.fileName)"), run: RunRow(run, zone: req.settings.timeZone),
                running: run.status == .running, failed: run.status == .failed, error: run.error,
                percent: run.percent, tabs: tabs, rows: rows, statusLink: SiteRoute.adminImportStatus.path(runID),
                pager: Pager(page: page, per: per, total: total) {
                    SiteRoute.adminImport.path(runID, query: ["outcome": outcome?.rawValue, "page": "\($0)"])
                }))
    }

    private func findRun(_ req: Request) async throws -> ImportRun {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let run = try await ImportRun.find(id, on: req.db) else {
            throw PlatformError.notFound(what: "该导入记录")
        }
        return run
    }
}
