import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("CSV exports: cases, work orders, ratings, tickets")
struct ExportTests {
    /// Two cases on 2025-09-26 (IDs ending in 8 and X); the first one's 申请事由 is a formula.
    private static func twoCases(_ app: Application) async throws {
        let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
        CaseFixtures.setClock(app, "2025-09-26 10:00")
        let first = try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001")
        #expect(first.status == .created)
        let second = try await CaseFixtures.create(
            app, token: clerk, itemCode: "421223YJGL0001", idNumber: "11010519900307101X", name: "李四",
            phone: "13900139000")
        #expect(second.status == .created)
        let record = try #require(try await Case.query(on: app.db).filter(\.$caseNumber == "421223-20250926-00001").first())
        record.applicantNote = "=HYPERLINK(\"x\")"
        try await record.save(on: app.db)
    }

    private static func unmaskedExports(_ app: Application) async throws -> [AuditEvent] {
        try await AuditEvent.query(on: app.db).filter(\.$action == "export.unmasked").all()
    }

    @Test("Full case export: BOM, exact file name, IDs as text, formula inert, bare numbers, one audit event; masked without full=1")
    func caseExport() async throws {
        try await withTestApp { app in
            // Setup
            try await Self.twoCases(app)
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            var browser = Browser(app)
            try await browser.signIn("super1", "test-pass-2025")

            // Act
            let response = try await browser.get("/exports/cases.csv?from=2025-09-01&to=2025-09-30&full=1")

            // Validate
            #expect(response.status == .ok)
            let bytes = Array(response.body.readableBytesView)
            #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(
                response.headers.first(name: .contentDisposition)
                    == "attachment; filename=\"__-2025-09-01_2025-09-30.csv\"; filename*=UTF-8''%E5%8A%9E%E4%BB%B6-2025-09-01%E8%87%B32025-09-30.csv"
            )
            #expect(response.headers.contentType?.description == "text/csv; charset=utf-8")
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasSuffix("\r\n"))
            let table = try CSVTable(text: text)
            #expect(table.header == ExportKind.cases.header)
            #expect(table.records.count == 2)
            #expect(table.records.map { $0["办件编号"] ?? "" } == ["421223-20250926-00001", "421223-20250926-00002"])
            #expect(table.records.map { $0["证件号码"] ?? "" } == ["110105199003071028", "11010519900307101X"])
            #expect(table.records.map { $0["申请人"] ?? "" } == ["张三明", "李四"])
            #expect(table.records.map { $0["联系电话"] ?? "" } == ["13800138000", "13900139000"])
            #expect(table.records.first?["申请事由"] == "'=HYPERLINK(\"x\")")
            #expect(table.records.first?["承诺时限（工作日）"] == "3")
            #expect(table.records.first?["承诺期限"] == "2025-09-30 23:59:59")
            // The computed limit is a bare number; the ID stays one quoted cell of exactly its 18 characters.
            #expect(text.contains(",\"13800138000\",\"2025-09-26 10:00\",\"2025-09-26 10:00\",3,\"2025-09-30 23:59:59\","))
            #expect(text.contains(",\"11010519900307101X\","))
            #expect(text.contains(",\"'=HYPERLINK(\"\"x\"\")\"\r\n"))
            let events = try await Self.unmaskedExports(app)
            #expect(events.count == 1)
            #expect(events.first?.actorName == "super1")
            #expect(events.first?.entityID == "cases")
            #expect(events.first?.summary == "导出办件（含完整个人信息）2025-09-01 至 2025-09-30，共 2 条")
            #expect(Audit.labels["export.unmasked"] == "导出完整个人信息")

            // The masked export: masks, no further audit event.
            let masked = try await browser.get("/exports/cases.csv?from=2025-09-01&to=2025-09-30")
            #expect(masked.status == .ok)
            let maskedTable = try CSVTable(text: String(decoding: Array(masked.body.readableBytesView), as: UTF8.self))
            #expect(maskedTable.records.map { $0["证件号码"] ?? "" } == ["1101**********1028", "1101**********101X"])
            #expect(maskedTable.records.map { $0["申请人"] ?? "" } == ["张*明", "李*"])
            #expect(maskedTable.records.map { $0["联系电话"] ?? "" } == ["138****8000", "139****9000"])
            #expect(maskedTable.records.first?["申请事由"] == "'=HYPERLINK(\"x\")")
            #expect(try await Self.unmaskedExports(app).count == 1)

            // Outside the range: the header alone.
            let empty = try await browser.get("/exports/cases.csv?from=2025-10-01&to=2025-10-31")
            #expect(
                String(decoding: Array(empty.body.readableBytesView), as: UTF8.self)
                    == "\u{FEFF}" + ExportKind.cases.header.map { "\"\($0)\"" }.joined(separator: ",") + "\r\n")
        }
    }

    @Test("Refusals: a bad or reversed date is a 400 naming the field; full data where the role may not see it is a 403; the menu")
    func refusals() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            try await makeStaff(app, username: "director1", roles: [.director])
            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            var supervisor = Browser(app)
            try await supervisor.signIn("super1", "test-pass-2025")

            let badFrom = try await supervisor.get("/exports/cases.csv?from=2025-13-01&to=2025-12-31")
            #expect(badFrom.status == .badRequest)
            #expect(badFrom.body.string.contains("开始日期（from）应为 YYYY-MM-DD 格式的日期"))
            var json = HTTPHeaders()
            json.replaceOrAdd(name: .accept, value: "application/json")
            let badTo = try await supervisor.get("/exports/tickets.csv?from=2025-01-01&to=yesterday", headers: json)
            #expect(badTo.status == .badRequest)
            #expect(try badTo.errorPayload()["field"] == "to")
            let reversed = try await supervisor.get("/exports/ratings.csv?from=2025-02-01&to=2025-01-01", headers: json)
            #expect(reversed.status == .badRequest)
            #expect(try reversed.errorPayload()["message"] == "结束日期（to）2025-01-01 早于开始日期（from）2025-02-01")
            // Ratings are always masked: full=1 is refused, not silently masked.
            #expect(try await supervisor.get("/exports/ratings.csv?full=1").status == .forbidden)
            #expect(try await supervisor.get("/exports/work-orders.csv?from=2025-01-01&to=2025-01-31&full=1").status == .ok)

            var director = Browser(app)
            try await director.signIn("director1", "test-pass-2025")
            #expect(try await director.get("/exports/work-orders.csv?full=1").status == .forbidden)
            #expect(try await director.get("/exports/work-orders.csv").status == .ok)

            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")
            #expect(try await agent.get("/exports/cases.csv").status == .forbidden)
            let page = try await agent.get("/exports").body.string
            #expect(page.contains("action=\"/exports/work-orders.csv\""))
            #expect(!page.contains("action=\"/exports/cases.csv\""))
            #expect(page.contains("含完整个人信息（将记入审计日志）"))
            #expect(page.contains("href=\"/exports\">数据导出</a>"))
            #expect(try await Self.unmaskedExports(app).count == 1)
        }
    }

    @Test("Work orders: the appellant masked, typed text neutralised, counts bare; full for the hotline's staff")
    func workOrderExport() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            _ = try await HotlineFixtures.service(app).register(
                HotlineFixtures.intake("+路灯不亮已经一周了，联系 13800138000"), dispatch: .init(lead: zjj.id!))
            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")

            let masked = try CSVTable(text: try await agent.get("/exports/work-orders.csv?from=2025-03-07&to=2025-03-07").body.string)
            #expect(masked.records.count == 1)
            #expect(masked.records.first?["工单编号"] == "12345-20250307-00001")
            #expect(masked.records.first?["诉求人"] == "王*国")
            #expect(masked.records.first?["联系电话"] == "138****8000")
            #expect(masked.records.first?["诉求内容"] == "'+路灯不亮已经一周了，联系 138****8000")
            #expect(masked.records.first?["地址"] == "天城****")
            #expect(masked.records.first?["主办单位"] == zjj.name)
            #expect(masked.records.first?["催办次数"] == "0")

            let full = try CSVTable(text: try await agent.get("/exports/work-orders.csv?from=2025-03-07&to=2025-03-07&full=1").body.string)
            #expect(full.records.first?["诉求人"] == "王建国")
            #expect(full.records.first?["联系电话"] == "13800138000")
            #expect(full.records.first?["诉求内容"] == "'+路灯不亮已经一周了，联系 13800138000")
            #expect(full.records.first?["地址"] == "天城镇桃溪路")
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "export.unmasked").all()
            #expect(events.map(\.summary) == ["导出12345 工单（含完整个人信息）2025-03-07 至 2025-03-07，共 1 条"])
        }
    }

    @Test("2,500 ratings stream in pages of 1,000: every row once, levels as bare numbers")
    func streaming() async throws {
        try await withTestApp { app in
            // Setup: 2,500 ratings on 2025-05-06, plus one on 2025-05-07 outside the range.
            let region = app.settings.region.value
            let day = CaseFixtures.instant("2025-05-06 09:00")
            var ratings: [Rating] = []
            for index in 0..<2_501 {
                let rating = Rating()
                rating.regionCode = region
                rating.subjectKind = .windowService
                rating.subjectID = UUID()
                rating.subjectLabel = "A\(index) · 3 号窗口"
                rating.item = .overall
                rating.level = RatingLevel(rawValue: index % 5 + 1)!
                rating.channel = .pad
                rating.raterKey = "ticket:\(index)"
                rating.realName = false
                rating.comment = index == 0 ? "@所有人 电话 13800138000" : nil
                rating.isDefault = false
                rating.ratedAt = index == 2_500 ? day.addingTimeInterval(86_400) : day.addingTimeInterval(Double(index))
                ratings.append(rating)
            }
            for start in stride(from: 0, to: ratings.count, by: 200) {
                try await Array(ratings[start..<min(start + 200, ratings.count)]).create(on: app.db)
            }
            let range = ExportRange(from: LocalDate(iso: "2025-05-06")!, to: LocalDate(iso: "2025-05-06")!, zone: app.settings.timeZone)

            // Act: the source directly (page sizes), then the download.
            let source = ExportSource(
                kind: .ratings, range: range, region: region, zone: app.settings.timeZone, full: false, now: app.clock.now)
            let pages = PageSizes()
            let written = try await source.stream(on: app.db) { rows in await pages.add(rows.count) }
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            var browser = Browser(app)
            try await browser.signIn("super1", "test-pass-2025")
            let response = try await browser.get("/exports/ratings.csv?from=2025-05-06&to=2025-05-06")

            // Validate
            #expect(written == 2_500)
            #expect(await pages.sizes == [1_000, 1_000, 500])
            #expect(try await source.count(on: app.db) == 2_500)
            let text = String(decoding: Array(response.body.readableBytesView), as: UTF8.self)
            let table = try CSVTable(text: text)
            #expect(table.records.count == 2_500)
            #expect(Set(table.records.compactMap { $0["评价对象"] }).count == 2_500)
            #expect(table.records.filter { $0["评价等级"] == "5" }.count == 500)
            #expect(table.records.contains { $0["评价内容"] == "'@所有人 电话 138****8000" })
            #expect(text.components(separatedBy: "\r\n").count == 2_502)  // header, 2,500 rows, the empty rest after the last CRLF
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "export.unmasked").count() == 0)
        }
    }

    @Test("Typed cells: text neutralised and quoted, values quoted as they are, numbers bare")
    func cells() throws {
        let data = try CSVExport.lines([[.value("110105199003071028"), .text("-1"), .integer(12), .number(2.5), .value("a\"b")]])
        #expect(String(decoding: data, as: UTF8.self) == "\"110105199003071028\",\"'-1\",12,2.5,\"a\"\"b\"\r\n")
        #expect(
            CSVExport.contentDisposition(filename: "预约-2025-03-06.csv")
                == "attachment; filename=\"__-2025-03-06.csv\"; filename*=UTF-8''%E9%A2%84%E7%BA%A6-2025-03-06.csv")
    }
}

/// Collects the sizes of the pages a stream hands over.
actor PageSizes {
    var sizes: [Int] = []
    func add(_ size: Int) { sizes.append(size) }
}
