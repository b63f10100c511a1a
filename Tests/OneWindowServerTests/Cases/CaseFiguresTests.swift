import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Cases: figures over the demo data, lists with lights, 联办, personal data")
struct CaseFiguresTests {
    @Test("The figures page shows the on-time rate and both compression ratios of the demo data, as computed by hand")
    func demoFigures() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2026-12-01 09:00")
            #expect(try await DemoCases.load(app) == 10)
            #expect(try await DemoCases.load(app) == 0)
            try await makeStaff(app, username: "director1", roles: [.director])
            var browser = Browser(app)
            try await browser.signIn("director1", "test-pass-2025")
            let html = try await browser.get("/cases/figures?from=2025-01-01&to=2025-12-31").body.string

            // By hand. Completed in 2025: 8 cases; only 就业困难人员社保补贴申领 (accepted 03-03, 10 working days → due
            // 03-17, completed 03-20) was late: 7 / 8 = 87.5 %.
            #expect(html.contains("<strong>87.5%</strong><br><small>7 / 8</small>"))
            // The 12 starter items (法定, 承诺): (5,0) (30,1) (20,5) (5,0) (20,10) (20,3) (5,0) (5,0) (15,0.5) (20,10) (15,0) (30,15).
            let pairs: [(Double, Double)] = [
                (5, 0), (30, 1), (20, 5), (5, 0), (20, 10), (20, 3), (5, 0), (5, 0), (15, 0.5), (20, 10), (15, 0), (30, 15),
            ]
            let statutory = pairs.reduce(0) { $0 + $1.0 }
            let saved = pairs.reduce(0) { $0 + $1.0 - $1.1 }
            #expect(statutory == 190)
            #expect(saved == 145.5)
            // Aggregate: 145.5 / 190 = 0.76578… → 76.6 %.
            #expect(html.contains("<strong>76.6%</strong><br><small>145.5 / 190 个工作日</small>"))
            // Mean: (1 + 29/30 + 0.75 + 1 + 0.5 + 0.85 + 1 + 1 + 29/30 + 0.5 + 1 + 0.5) / 12 = 10.0333… / 12 = 0.83611… → 83.6 %.
            let mean = pairs.reduce(0) { $0 + (1 - $1.1 / $1.0) } / 12
            #expect(abs(mean - 0.836111) < 0.000001)
            #expect(html.contains("<strong>83.6%</strong><br><small>12 个事项</small>"))
            // 5 of 12 items are 即办件; 8 of 12 are fully online.
            #expect(html.contains("<strong>41.7%</strong><br><small>5 / 12</small>"))
            #expect(html.contains("<strong>66.7%</strong><br><small>8 / 12</small>"))
            // 9 accepted in 2025 (the online one still waits for pre-review); 1 completed late; 1 running past its due time.
            #expect(html.contains("期间受理 9 件，办结 8 件；超期办结 <strong>1</strong> 件，当前超期未办结 <strong>1</strong> 件"))
            #expect(html.contains(CaseMetrics.aggregateCompressionDefinition))
            #expect(html.contains(CaseMetrics.meanCompressionDefinition))

            // One department: 人社局 has 3 items (5,0) (20,10) (5,0) and 2 completed cases, one of them late.
            let rsj = try await browser.get("/cases/figures?department=RSJ&from=2025-01-01&to=2025-12-31").body.string
            #expect(rsj.contains("<strong>50.0%</strong><br><small>1 / 2</small>"))
            // (5 + 10 + 5) / 30 = 66.7 %; mean (1 + 0.5 + 1) / 3 = 83.3 %.
            #expect(rsj.contains("<strong>66.7%</strong><br><small>20 / 30 个工作日</small>"))
            #expect(rsj.contains("<strong>83.3%</strong><br><small>3 个事项</small>"))
        }
    }

    @Test("Lists show the light in words: the overdue list has the running late case as 红灯 超期; yellow when 1 day is left")
    func lights() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2026-12-01 09:00")
            _ = try await DemoCases.load(app)
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            var browser = Browser(app)
            try await browser.signIn("super1", "test-pass-2025")
            let overdue = try await browser.get("/cases?view=overdue").body.string
            #expect(overdue.contains("最低生活保障审核确认"))
            #expect(overdue.contains("<span class=\"light red\">红灯 超期</span>"))
            #expect(overdue.contains("共 1 件"))
            let all = try await browser.get("/cases?view=all").body.string
            #expect(all.contains("<span class=\"light late\">超期办结</span>"))
            #expect(all.contains("<span class=\"light done\">按时办结</span>"))
            #expect(all.contains("<span class=\"light none\">待预审</span>"))
            #expect(!all.contains("何德顺"))
            // 2025-11-03 + 15 working days = 2025-11-24; on 11-21 (Fri) one working day is left → 黄灯.
            CaseFixtures.setClock(app, "2025-11-21 09:00")
            let yellow = try await browser.get("/cases?view=queue").body.string
            #expect(yellow.contains("<span class=\"light yellow\">黄灯 预警</span>"))
        }
    }

    @Test("A 联办件 shows each step's owner; the next department's approver takes it after 转下一部门")
    func jointCase() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let rsj = try #require(try await Department.query(on: app.db).filter(\.$code == "RSJ").first())
            let jt = try #require(try await Department.query(on: app.db).filter(\.$code == "JTYS").first())
            let first = try await StaffAccounts.create(
                .init(
                    username: "jt1", displayName: "交通审批员", password: "test-pass-2025", roles: [.approver], hallID: nil, departmentID: jt.id,
                    mustChangePassword: false), region: "421223000000", actor: .system, cost: 4, on: app.db)
            let second = try await StaffAccounts.create(
                .init(
                    username: "rsj1", displayName: "人社审批员", password: "test-pass-2025", roles: [.approver], hallID: nil,
                    departmentID: rsj.id,
                    mustChangePassword: false), region: "421223000000", actor: .system, cost: 4, on: app.db)
            let jtToken = try await APITokens.create(
                for: first.principal, name: "t", scopes: ["cases:read", "cases:write"], actor: .system, on: app.db)
            let rsjToken = try await APITokens.create(
                for: second.principal, name: "t", scopes: ["cases:read", "cases:write"], actor: .system, on: app.db)
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let created = try await CaseFixtures.create(app, token: clerk, itemCode: "421223JTYS0001", extra: ["jointDepartments": ["RSJ"]])
            let record = try CaseFixtures.caseJSON(created)
            let number = try #require(record["caseNumber"] as? String)
            #expect(record["caseType"] as? String == "joint")
            // 人社 cannot take it before 交通 is done.
            #expect(try await CaseFixtures.act(app, token: rsjToken, number: number, "take").status == .forbidden)
            #expect(try await CaseFixtures.act(app, token: jtToken, number: number, "take").status == .ok)
            let early = try await CaseFixtures.act(app, token: jtToken, number: number, "decide", ["decision": "approve"])
            #expect(early.status == .conflict)
            #expect(try await CaseFixtures.act(app, token: jtToken, number: number, "pass-step").status == .ok)
            #expect(try await CaseFixtures.act(app, token: rsjToken, number: number, "take").status == .ok)
            let decided = try await CaseFixtures.act(app, token: rsjToken, number: number, "decide", ["decision": "approve"])
            let steps = try #require(try decided.json()["steps"] as? [[String: Any]])
            #expect(steps.map { $0["department"] as? String } == [jt.name, rsj.name])
            #expect(steps.map { $0["owner"] as? String } == ["交通审批员", "人社审批员"])
            #expect(steps.map { $0["state"] as? String } == ["done", "done"])
        }
    }

    @Test("Staff see masked data until they ask; the full view is written to the audit log")
    func personalData() async throws {
        try await withTestApp { app in
            let clerkToken = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            _ = try await CaseFixtures.create(app, token: clerkToken, itemCode: "421223JTYS0001")
            let record = try #require(try await Case.query(on: app.db).first())
            // The full view needs the record's relation too: an approver of the case's department (交通运输局).
            try await PlantedRecords.staff(app, "approver1", [.approver], department: "JTYS")
            var browser = Browser(app)
            try await browser.signIn("approver1", "test-pass-2025")
            let masked = try await browser.get(SiteRoute.caseRecord.path(record.id!))
            #expect(masked.body.string.contains("张*明"))
            #expect(masked.body.string.contains("1101**********1028"))
            #expect(masked.body.string.contains("138****8000"))
            #expect(!masked.body.string.contains("110105199003071028"))
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "personal_data.view").count() == 0)
            let csrf = try #require(Browser.csrf(in: masked.body.string))
            let full = try await browser.post(SiteRoute.caseRecord.path(record.id!) + "/personal", form: [("csrfToken", csrf)])
            #expect(full.body.string.contains("110105199003071028"))
            #expect(full.body.string.contains("13800138000"))
            let events = try await AuditEvent.query(on: app.db).filter(\.$action == "personal_data.view").all()
            #expect(events.map(\.actorName) == ["approver1"])
            #expect(events.map(\.summary) == ["查看办件 421223-20250303-00001 申请人完整个人信息"])
        }
    }
}
