import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct DirectoryAdminTests {
    func signedInAdmin(_ app: Application) async throws -> Browser {
        try await makeStaff(app, username: "boss", roles: [.admin])
        var browser = Browser(app)
        try await browser.signIn("boss", "test-pass-2025")
        return browser
    }

    @Test func bad_input_comes_back_with_every_field_named_and_nothing_written() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let token = try await browser.csrfToken(from: "/admin/halls/new")
            let before = try await Hall.query(on: app.db).count()
            let response = try await browser.post(
                "/admin/halls",
                form: [
                    ("csrfToken", token), ("code", ""), ("name", "新大厅"), ("level", "castle"), ("divisionCode", "42122310"),
                ])
            #expect(response.status == .badRequest)
            let html = response.body.string
            #expect(html.contains("请填写大厅编码"))
            #expect(html.contains("层级“castle”不在可选范围内"))
            #expect(html.contains("行政区划代码应为 12 位数字（如 421223000000）"))
            #expect(html.contains("value=\"新大厅\""))
            #expect(try await Hall.query(on: app.db).count() == before)
        }
    }

    @Test func creating_a_window_and_a_staff_member_is_audited() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let hall = try #require(try await Hall.query(on: app.db).filter(\.$code == "CY-ZX").first())
            var token = try await browser.csrfToken(from: "/admin/windows/new")
            let duplicate = try await browser.post(
                "/admin/windows",
                form: [
                    ("csrfToken", token), ("hallID", hall.id!.uuidString), ("number", "1"), ("name", "重复"), ("kind", "comprehensive"),
                ])
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.body.string.contains("崇阳县政务服务中心 已有 1 号窗口"))
            let created = try await browser.post(
                "/admin/windows",
                form: [
                    ("csrfToken", token), ("hallID", hall.id!.uuidString), ("number", "21"), ("name", "综合窗口 21"), ("kind", "comprehensive"),
                    ("active", "on"),
                ])
            #expect(created.status == .seeOther)
            #expect(try await Window.query(on: app.db).filter(\.$number == "21").first()?.name == "综合窗口 21")

            token = try await browser.csrfToken(from: "/admin/staff/new")
            let staff = try await browser.post(
                "/admin/staff",
                form: [
                    ("csrfToken", token), ("username", "Clerk.Li"), ("displayName", "李四"), ("password", "first-pass-2025"),
                    ("roles[]", "clerk"), ("roles[]", "helper"), ("hallID", hall.id!.uuidString), ("active", "on"),
                ])
            #expect(staff.status == .seeOther)
            let account = try #require(try await Staff.query(on: app.db).filter(\.$username == "clerk.li").first())
            #expect(account.roles == [.clerk, .helper])
            #expect(account.mustChangePassword)
            #expect(account.passwordHash.hasPrefix("$2b$04$"))

            let events = try await AuditEvent.query(on: app.db).filter(\.$action ~~ ["window.create", "staff.create"]).sort(\.$occurredAt)
                .all()
            #expect(events.map(\.action).suffix(2) == ["window.create", "staff.create"])
            #expect(events.last?.summary == "创建账号 clerk.li（综窗受理、帮办员）")
            #expect(events.last?.actorName == "boss")

            let auditPage = try await browser.get("/admin/audit")
            #expect(auditPage.body.string.contains("创建账号 clerk.li（综窗受理、帮办员）"))
        }
    }

    @Test func parallel_writes_from_one_desk_all_land_once() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let token = try await browser.csrfToken(from: "/admin/departments/new")
            let cookies = browser.cookies
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        var desk = Browser(app)
                        desk.cookies = cookies
                        return try await desk.post(
                            "/admin/departments",
                            form: [
                                ("csrfToken", token), ("code", index < 10 ? "PAR\(index)" : "SAME"),
                                ("name", index < 10 ? "并发局\(index)" : "同一局"),
                                ("active", "on"),
                            ]
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .seeOther }.count == 11)
            #expect(statuses.filter { $0 == .badRequest || $0 == .conflict }.count == 9)
            #expect(!statuses.contains { $0.code >= 500 })
            #expect(try await Department.query(on: app.db).filter(\.$code ~~ "PAR").count() == 10)
            #expect(try await Department.query(on: app.db).filter(\.$code == "SAME").count() == 1)
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "department.create").count() == 11)
        }
    }

    @Test func passwords_are_kept_as_typed_and_input_is_strict() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let clerk = try await makeStaff(app, username: "wid", roles: [.clerk])
            var token = try await browser.csrfToken(from: "/admin/staff/\(clerk.id!.uuidString)/edit")
            let reset = try await browser.post(
                "/admin/staff/\(clerk.id!.uuidString)",
                form: [
                    ("csrfToken", token), ("displayName", "王五"), ("roles[]", "clerk"), ("active", "on"), ("password", "Ｒｅｓｅｔ１２３４５６"),
                ])
            #expect(reset.status == .seeOther)
            var desk = Browser(app)
            #expect(try await desk.signIn("wid", "Reset123456").status == .unauthorized)
            #expect(try await desk.signIn("wid", "Ｒｅｓｅｔ１２３４５６").status == .seeOther)

            token = try await browser.csrfToken(from: "/admin/windows/new")
            let hall = try #require(try await Hall.query(on: app.db).filter(\.$code == "CY-ZX").first())
            let department = try #require(try await Department.query(on: app.db).filter(\.$code == "RSJ").first())
            let window = try await browser.post(
                "/admin/windows",
                form: [
                    ("csrfToken", token), ("hallID", hall.id!.uuidString), ("number", "-3"), ("name", "窗口\n名"), ("kind", "comprehensive"),
                    ("departmentID", department.id!.uuidString),
                ])
            #expect(window.status == .badRequest)
            let html = window.body.string
            #expect(html.contains("窗口号应为 1–999 的数字"))
            #expect(html.contains("窗口名称不能包含换行、控制字符或不可见字符"))
            #expect(html.contains("综合窗口受理所有部门的事项，不属于某一个部门"))

            token = try await browser.csrfToken(from: "/admin/staff/new")
            let approver = try await browser.post(
                "/admin/staff",
                form: [
                    ("csrfToken", token), ("username", "appr"), ("displayName", "审批员"), ("password", "first-pass-2025"),
                    ("roles[]", "approver"),
                ])
            #expect(approver.status == .badRequest)
            #expect(approver.body.string.contains("请选择所属部门（部门审批、承办单位角色必选）"))
            let weak = try await browser.post(
                "/admin/staff",
                form: [
                    ("csrfToken", token), ("username", "weak"), ("displayName", "弱密码"), ("password", "一二三四五六七八九十abc"), ("roles[]", "clerk"),
                ])
            #expect(weak.body.string.contains("密码须同时包含字母和数字（0–9）"))
        }
    }

    @Test func imports_go_only_to_the_county_or_above() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let token = try await browser.csrfToken(from: "/admin/catalog/imports")
            let csv = Data("item_code,name\n11420000TEST00000001,测试\n".utf8)
            let beijing = try await browser.upload(
                "/admin/catalog/imports", fields: [("csrfToken", token), ("regionCode", "110000000000")],
                file: ("file", "x.csv", "text/csv", csv))
            #expect(beijing.status == .badRequest)
            #expect(beijing.body.string.contains("只能导入到本县或其上级区划：421223000000、421200000000、420000000000"))
            let byColumn = Data("item_code,name,region\n11420000TEST00000001,测试,北京市\n".utf8)
            let column = try await browser.upload(
                "/admin/catalog/imports", fields: [("csrfToken", token)], file: ("file", "x.csv", "text/csv", byColumn))
            #expect(column.status == .badRequest)
            #expect(column.body.string.contains("该文件对应 110000000000"))
            #expect(try await ImportRun.query(on: app.db).count() == 0)
            for path in ["/admin/catalog/drafts?page=100000000000000000", "/admin/catalog/drafts?status=published&page=99999999"] {
                #expect(try await browser.get(path).status == .ok)
            }
        }
    }

    @Test func drafts_filter_by_reason_and_a_completed_draft_goes_public_then_can_be_withdrawn() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let header = "item_code,name,sub_item,department,item_category,case_type,statutory_days,promised_days,online\n"
            let csv =
                header + "11420000TEST00000011,测试甲,甲办理项,湖北省测试厅,行政确认,,20,5,yes\n"
                + "11420000TEST00000012,测试乙,,湖北省测试厅,行政确认,承诺件,10,15,yes\n"
            let table = try CatalogImporter.parse(csv)
            let run = try await CatalogImporter.begin(
                fileName: "t.csv", total: 2, region: try .init("420000000000"), actor: .commandLine, on: app.db)
            try await CatalogImporter.run(run, table: table, actor: .commandLine, on: app.db)

            let noType = try await browser.get("/admin/catalog/drafts?flag=missing_case_type")
            #expect(noType.body.string.contains("待补全事项（草稿，共 1 个）"))
            #expect(noType.body.string.contains("甲办理项"))
            let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == "11420000TEST00000011").first())
            let token = try await browser.csrfToken(from: "/admin/catalog/items/\(item.id!.uuidString)/edit")
            let bad = try await browser.post(
                "/admin/catalog/items/\(item.id!.uuidString)",
                form: [
                    ("csrfToken", token), ("departmentName", "湖北省测试厅"), ("category", "confirmation"), ("caseType", "promised"),
                    ("statutoryDays", "20"), ("promisedDays", "0x5"), ("fullyOnline", "yes"),
                ])
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("承诺办结时限应为不小于 0 的数，且为 0.5 的整数倍"))
            let done = try await browser.post(
                "/admin/catalog/items/\(item.id!.uuidString)",
                form: [
                    ("csrfToken", token), ("departmentName", "湖北省测试厅"), ("category", "confirmation"), ("caseType", "promised"),
                    ("statutoryDays", "20"), ("promisedDays", "5"), ("fullyOnline", "yes"),
                ])
            #expect(done.headers.first(name: .location) == "/admin/catalog/drafts?published=11420000TEST00000011")
            #expect(try await app.testing().sendRequest(.GET, "/api/v1/items/11420000TEST00000011").status == .ok)

            let withdrawn = try await browser.post("/admin/catalog/items/\(item.id!.uuidString)/withdraw", form: [("csrfToken", token)])
            #expect(withdrawn.status == .seeOther)
            #expect(try await app.testing().sendRequest(.GET, "/api/v1/items/11420000TEST00000011").status == .notFound)
            let actions = try await AuditEvent.query(on: app.db).filter(\.$entityID == item.id!.uuidString).sort(\.$occurredAt).all().map(
                \.action)
            #expect(actions == ["item.publish", "item.withdraw"])
        }
    }

    @Test func an_admin_cannot_lock_themselves_out() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            let me = try #require(try await Staff.query(on: app.db).filter(\.$username == "boss").first())
            let token = try await browser.csrfToken(from: "/admin/staff/\(me.id!.uuidString)/edit")
            let response = try await browser.post(
                "/admin/staff/\(me.id!.uuidString)",
                form: [
                    ("csrfToken", token), ("displayName", "老板"), ("roles[]", "clerk"), ("active", "on"),
                ])
            #expect(response.status == .badRequest)
            #expect(response.body.string.contains("不能取消自己的管理员角色或停用自己的账号"))
            #expect(try await Staff.find(me.id, on: app.db)?.roles == [.admin])
        }
    }

    @Test func the_admin_import_page_runs_with_progress_and_a_result_table() async throws {
        try await withTestApp { app in
            var browser = try await signedInAdmin(app)
            _ = try await browser.get("/admin/catalog/imports")
            let token = try await browser.csrfToken(from: "/admin/catalog/imports")
            let data = try Data(contentsOf: TestPaths.catalogCSV)
            let response = try await browser.upload(
                "/admin/catalog/imports", fields: [("csrfToken", token)],
                file: ("file", "hubei-2023-items.csv", "text/csv", data))
            #expect(response.status == .seeOther)
            let location = try #require(response.headers.first(name: .location))
            await app.backgroundImports.waitForAll()
            let status = try await browser.get(location + "/status")
            let json = try status.json()
            #expect(json["status"] as? String == "finished")
            #expect(json["percent"] as? Int == 100)
            #expect(json["counts"] as? [String: Int] == ["imported": 186, "updated": 0, "flagged": 440, "unchanged": 0, "rejected": 0])
            let page = try await browser.get(location + "?outcome=flagged")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("缺少办件类型"))

            let binary = try await browser.upload(
                "/admin/catalog/imports", fields: [("csrfToken", token)],
                file: ("file", "x.csv", "text/csv", Data([0xFF, 0xFE, 0x00, 0x41])))
            #expect(binary.status == .unsupportedMediaType)
            #expect(binary.body.string.contains("文件不是 UTF-8 编码的 CSV 文本"))
            let wrongColumns = try await browser.upload(
                "/admin/catalog/imports", fields: [("csrfToken", token)],
                file: ("file", "x.csv", "text/csv", Data("code,title\n1,a\n".utf8)))
            #expect(wrongColumns.status == .badRequest)
            #expect(wrongColumns.body.string.contains("CSV 缺少必需的列：item_code、name"))
            #expect(try await ImportRun.query(on: app.db).count() == 1)
        }
    }
}
