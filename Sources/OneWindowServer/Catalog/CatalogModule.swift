import ConsoleKit
import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Catalog: the service items (实施清单) with their materials, the public guide, the items API, the admin's import
/// and item pages, and `onewindow import catalog FILE.csv`. Owns `service_items`, `material_requirements`,
/// `import_runs`, `import_run_rows`.
enum CatalogModule: ServerModule {
    static func register(_ app: Application) throws {
        app.backgroundImports = BackgroundImports(logger: app.logger)
        app.lifecycle.use(BackgroundWorkLifecycle())
        app.migrationPlan.add("0008", M0008_CreateServiceItems())
        app.migrationPlan.add("0009", M0009_CreateImportRuns())
        app.migrationPlan.add("0013", M0013_LoadStarterCatalog())
        CatalogAPIController().register(app.site.api)
        GuideWebController().register(app.site.web)
        CatalogImportAdminController().register(app.site.admin)
        CatalogItemAdminController().register(app.site.admin)
        app.uploadLimits.set(.adminImports, CatalogImportAdminController.uploadLimit)
        app.importers.add(Importer(kind: "catalog", help: "a catalogue CSV (实施清单)", run: importCatalog))
        app.startUpTasks.add { app in
            let closed = try await CatalogImporter.closeAbandonedRuns(on: app.db)
            if closed > 0 { app.logger.warning("closed \(closed) catalogue import(s) interrupted by a previous stop") }
        }
    }

    /// `onewindow import catalog FILE.csv [--region CODE]`: runs the import with a progress bar, then prints the
    /// result table.
    @Sendable static func importCatalog(file name: String, region: String?, app: Application, console: any Console) async throws {
        let data = try Importer.read(name, console: console)
        let table = try CatalogImporter.parse(String(decoding: data, as: UTF8.self))
        let target: RegionCode
        if let region {
            target = try RegionCode(region, field: "--region")
        } else {
            target = try await CatalogImporter.region(of: table, on: app.db, fallback: app.settings.region)
        }
        let run = try await CatalogImporter.begin(
            fileName: (name as NSString).lastPathComponent, total: table.records.count, region: target, actor: .commandLine, on: app.db)
        console.print("导入 \((name as NSString).lastPathComponent)：\(table.records.count) 行 → 行政区划 \(target.value)")
        let bar = console.progressBar(title: "导入中")
        bar.start()
        let progressTask = Task {
            while !Task.isCancelled {
                if let current = try? await ImportRun.find(run.id, on: app.db), current.total > 0 {
                    bar.activity.currentProgress = Double(current.processed) / Double(current.total)
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let finished = try await CatalogImporter.run(run, table: table, actor: .commandLine, on: app.db)
        progressTask.cancel()
        bar.activity.currentProgress = 1
        bar.succeed()
        for line in summary(finished) { console.print(line) }
        if finished.status == .failed {
            console.error(finished.error ?? "导入失败")
            throw ExitCode(1)
        }
    }

    /// The result table the command prints: one line per outcome with its count.
    static func summary(_ run: ImportRun) -> [String] {
        [
            "结果        行数",
            "新增 imported   \(run.importedCount)",
            "更新 updated    \(run.updatedCount)",
            "存疑 flagged    \(run.flaggedCount)  （保存为草稿，待管理员补全）",
            "未变 unchanged  \(run.unchangedCount)",
            "拒绝 rejected   \(run.rejectedCount)",
            "合计 total      \(run.processed)",
        ]
    }
}

/// Lets running background imports finish before the application shuts down.
struct BackgroundWorkLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.backgroundImports.waitForAll()
    }
}

extension ServiceItem: RegionScoped { static var regionField: KeyPath<ServiceItem, FieldProperty<ServiceItem, String>> { \.$regionCode } }
