import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct CatalogImportTests {
    func importFile(_ text: String, _ app: Application, region: String = "420000000000") async throws -> ImportRun {
        let table = try CatalogImporter.parse(text)
        let run = try await CatalogImporter.begin(
            fileName: "test.csv", total: table.records.count, region: try .init(region), actor: .commandLine, on: app.db)
        return try await CatalogImporter.run(run, table: table, actor: .commandLine, on: app.db)
    }

    func counts(_ run: ImportRun) -> [Int] {
        [run.importedCount, run.updatedCount, run.flaggedCount, run.unchangedCount, run.rejectedCount]
    }

    @Test func the_provincial_file_imports_and_a_rerun_changes_nothing() async throws {
        try await withTestApp { app in
            let text = try String(contentsOf: TestPaths.catalogCSV, encoding: .utf8)
            let table = try CatalogImporter.parse(text)
            #expect(table.records.count == 626)
            #expect(try await CatalogImporter.region(of: table, on: app.db, fallback: app.settings.region).value == "420000000000")

            let first = try await importFile(text, app)
            #expect(first.status == .finished)
            #expect(counts(first) == [186, 0, 440, 0, 0])
            #expect(try await ServiceItem.query(on: app.db).filter(\.$regionCode == "420000000000").count() == 626)
            #expect(try await ImportRunRow.query(on: app.db).filter(\.$run.$id == first.id!).count() == 626)

            // A row with nothing but a code and a name is a draft with every reason, never filled in.
            let birth = try #require(
                try await ServiceItem.query(on: app.db).filter(\.$itemCode == "11420000011043372A2422023073W0001").first())
            #expect(birth.status == .draft)
            #expect(birth.flags.map(\.code) == ["missing_department", "missing_category", "missing_case_type", "no_limits"])
            #expect(birth.caseType == nil)
            #expect(birth.promisedDays == nil)

            let again = try await importFile(text, app)
            #expect(counts(again) == [0, 0, 0, 626, 0])
            #expect(try await ServiceItem.query(on: app.db).filter(\.$regionCode == "420000000000").count() == 626)
            let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "catalog.import").sort(\.$occurredAt).all()
            #expect(audit.count == 2)
            // 36 distinct agency names in the file; the 25 malformed department cells create none.
            #expect(try await Department.query(on: app.db).filter(\.$regionCode == "420000000000").count() == 36)
            #expect(audit.first?.summary == "导入事项目录 test.csv：新增 186，更新 0，存疑 440，未变 0，拒绝 0；新建实施机关 36 个")
            #expect(audit.last?.summary == "导入事项目录 test.csv：新增 0，更新 0，存疑 0，未变 626，拒绝 0；新建实施机关 0 个")
        }
    }

    @Test func promised_over_statutory_is_flagged_and_drafts_stay_out_of_the_public_guide() async throws {
        try await withTestApp { app in
            let csv = """
                item_code,name,sub_item,region,department,item_category,case_type,statutory_days,promised_days,online,fee,visits,guide_url,phones
                11420000TEST00000001,测试许可甲,,湖北省,湖北省测试厅,行政许可,承诺件,20,5,yes,none,,,
                11420000TEST00000002,测试许可乙,,湖北省,湖北省测试厅,行政许可,承诺件,10,15,yes,,,,
                11420000TEST00000001,测试许可甲重复,,湖北省,湖北省测试厅,行政许可,承诺件,20,5,yes,,,,
                ,没有编码的事项,,湖北省,湖北省测试厅,行政许可,承诺件,20,5,yes,,,,
                11420000TEST00000003,"多行
                名称",,湖北省,湖北省测试厅,行政确认,即办件,,,no,,,,
                """
            let run = try await importFile(csv, app)
            #expect(counts(run) == [1, 0, 2, 0, 2])
            let rows = try await ImportRunRow.query(on: app.db).filter(\.$run.$id == run.id!).sort(\.$line).all()
            #expect(rows.map(\.outcome) == [.imported, .flagged, .rejected, .rejected, .flagged])
            #expect(rows[4].reasons == "事项名称含换行、控制字符或不可见字符，请核对")
            #expect(rows[1].reasons == "承诺时限 15 个工作日超过法定时限 10 个工作日")
            #expect(rows[2].reasons == "实施编码与第 2 行重复，本行未导入")
            #expect(rows[3].reasons == "缺少实施编码（item_code），无法导入")
            let fee = try await ServiceItem.query(on: app.db).filter(\.$itemCode == "11420000TEST00000001").first()?.fee
            #expect(fee == "不收费")

            let published = try await app.testing().sendRequest(.GET, "/api/v1/items?q=\(Browser.encode("测试许可"))")
            let items = try #require(try published.json()["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["itemCode"] as? String } == ["11420000TEST00000001"])
        }
    }

    @Test func a_changed_row_updates_and_an_admin_completion_survives_a_reimport() async throws {
        try await withTestApp { app in
            let header = "item_code,name,department,item_category,case_type,statutory_days,promised_days,online\n"
            let first = try await importFile(header + "11420000TEST00000009,测试事项,湖北省测试厅,行政确认,,20,5,yes\n", app)
            #expect(counts(first) == [0, 0, 1, 0, 0])
            let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == "11420000TEST00000009").first())
            item.caseType = .promised  // what the admin page does, in short
            item.flags = []
            item.status = .published
            try await item.update(on: app.db)

            let rerun = try await importFile(header + "11420000TEST00000009,测试事项,湖北省测试厅,行政确认,,20,5,yes\n", app)
            #expect(counts(rerun) == [0, 0, 0, 1, 0])
            let changed = try await importFile(header + "11420000TEST00000009,测试事项（新名称）,湖北省测试厅,行政确认,,20,3,yes\n", app)
            #expect(counts(changed) == [0, 1, 0, 0, 0])
            let after = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == "11420000TEST00000009").first())
            #expect(after.name == "测试事项（新名称）")
            #expect(after.caseType == .promised)
            #expect(after.promisedDays == 3)
            #expect(after.status == .published)
        }
    }

    @Test func a_withdrawn_item_stays_withdrawn_through_a_changed_reimport() async throws {
        try await withTestApp { app in
            let header = "item_code,name,department,item_category,case_type,statutory_days,promised_days,online\n"
            _ = try await importFile(header + "11420000TEST00000021,测试丙,湖北省测试厅,行政确认,承诺件,20,5,yes\n", app)
            let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == "11420000TEST00000021").first())
            #expect(item.status == .published)
            item.status = .draft
            item.flags = [ServiceItem.withdrawnFlag]
            try await item.update(on: app.db)
            let changed = try await importFile(header + "11420000TEST00000021,测试丙,湖北省测试厅,行政确认,承诺件,20,4,yes\n", app)
            #expect(counts(changed) == [0, 0, 1, 0, 0])
            let after = try #require(try await ServiceItem.find(item.id, on: app.db))
            #expect(after.status == .draft)
            #expect(after.promisedDays == 4)
            #expect(after.flags == [ServiceItem.withdrawnFlag])
        }
    }

    @Test func two_imports_naming_the_same_new_department_both_finish() async throws {
        try await withTestApp { app in
            let header = "item_code,name,department,item_category,case_type,statutory_days,promised_days,online\n"
            let runs = try await withThrowingTaskGroup(of: ImportRun.self) { group in
                for index in 0..<2 {
                    group.addTask {
                        try await importFile(header + "11420000PAR0000000\(index),并行\(index),湖北省并行测试厅,行政确认,承诺件,20,5,yes\n", app)
                    }
                }
                return try await group.reduce(into: [ImportRun]()) { $0.append($1) }
            }
            #expect(runs.map(\.status) == [.finished, .finished])
            #expect(try await Department.query(on: app.db).filter(\.$name == "湖北省并行测试厅").count() == 1)
            // Exactly one of the two runs created the department, and its audit summary says so.
            let summaries = try await AuditEvent.query(on: app.db).filter(\.$action == "catalog.import").all().map(\.summary)
            #expect(summaries.filter { $0.hasSuffix("新建实施机关 1 个") }.count == 1)
            #expect(summaries.filter { $0.hasSuffix("新建实施机关 0 个") }.count == 1)
        }
    }

    @Test func a_run_cut_off_by_a_stop_is_closed_at_the_next_start() async throws {
        try await withTestApp { app in
            let run = try await CatalogImporter.begin(
                fileName: "cut.csv", total: 10, region: try .init("420000000000"), actor: .commandLine, on: app.db)
            #expect(try await CatalogImporter.closeAbandonedRuns(on: app.db) == 0)
            #expect(try await CatalogImporter.closeAbandonedRuns(on: app.db, staleAfter: -1) == 1)
            let closed = try #require(try await ImportRun.find(run.id, on: app.db))
            #expect(closed.status == .failed)
            #expect(closed.error == "导入在第 2 行附近中断（服务已重启），之前的行已导入；请重新导入该文件，已导入的行不会重复。")
        }
    }

    @Test func a_file_without_the_key_columns_is_refused() {
        #expect(throws: CatalogImporter.ImportError.missingColumns(["item_code"])) {
            try CatalogImporter.parse("code,name\n1,a\n")
        }
        #expect(throws: CatalogImporter.ImportError.empty) {
            try CatalogImporter.parse("item_code,name\n")
        }
    }
}
