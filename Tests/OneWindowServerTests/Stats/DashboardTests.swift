import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Live dashboard")
struct DashboardTests {
    /// Wed 2025-03-05 09:00: 4 tickets (one being served at window 1, window 2 left signed in since yesterday), five cases
    /// with hand-set deadlines, two work orders (one with a 协办 department, one signed for by its lead).
    private static func fixtures(_ app: Application) async throws {
        let clerk = try await makeStaff(app, username: "desk1", roles: [.clerk])
        CaseFixtures.setClock(app, "2025-03-04 16:00")
        _ = try await DeskFixtures.queue(app, staff: clerk).signIn(window: DeskFixtures.window(app, "2"), categories: [])
        try await DeskFixtures.issue(app, "A")  // yesterday's ticket, still waiting: not today's queue

        CaseFixtures.setClock(app, "2025-03-05 08:40")
        try await DeskFixtures.issue(app, "A")
        try await DeskFixtures.issue(app, "A")
        try await DeskFixtures.issue(app, "A")
        CaseFixtures.setClock(app, "2025-03-05 08:41")  // after the A tickets, so window 1 calls the first A (first come)
        try await DeskFixtures.issue(app, "B")
        let window = try await DeskFixtures.window(app, "1")
        _ = try await DeskFixtures.queue(app, staff: clerk).signIn(window: window, categories: [])
        let called = try #require(try await DeskFixtures.queue(app, staff: clerk).callNext(window: window))
        _ = try await DeskFixtures.queue(app, staff: clerk).act(.begin, ticketID: called.requireID(), window: window)

        let token = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
        CaseFixtures.setClock(app, "2025-03-03 09:00")
        for _ in 0..<5 {
            #expect(try await CaseFixtures.create(app, token: token, itemCode: "421223YJGL0001").status == .created)
        }
        let cases = try await Case.query(on: app.db).sort(\.$caseNumber).all()
        let settings: [(CaseState, String?)] = [
            (.accepted, "2025-03-05 23:59"),  // due today
            (.accepted, "2025-03-04 23:59"),  // overdue
            (.inReview, "2025-03-05 08:00"),  // due today and already overdue
            (.completed, "2025-03-04 23:59"),  // finished: neither
            (.paused, nil),  // paused: no deadline
        ]
        for (record, setting) in zip(cases, settings) {
            record.state = setting.0
            record.dueAt = setting.1.map(CaseFixtures.instant)
            try await record.save(on: app.db)
        }

        CaseFixtures.setClock(app, "2025-03-05 08:50")
        let service = try await HotlineFixtures.service(app)
        let zjj = try await HotlineFixtures.department(app, "ZJJ")
        let scjg = try await HotlineFixtures.department(app, "SCJG")
        _ = try await service.register(HotlineFixtures.intake("路灯不亮已经一周了"), dispatch: .init(lead: zjj.id!, helpers: [scjg.id!]))
        let signed = try await service.register(HotlineFixtures.intake("小区路面塌陷需要修复"), dispatch: .init(lead: zjj.id!))
        _ = try await HotlineFixtures.service(app).signFor(signed.requireID(), department: zjj.requireID())
        _ = try await service.register(HotlineFixtures.intake("请问公积金怎么提取", type: .inquiry))  // not dispatched
        CaseFixtures.setClock(app, "2025-03-05 09:00")
    }

    @Test("dashboard.json: exact counts of waiting, windows, cases due today, overdue cases and dispatches to sign for")
    func figures() async throws {
        try await withTestApp { app in
            // Setup
            try await Self.fixtures(app)
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            var browser = Browser(app)
            try await browser.signIn("super1", "test-pass-2025")

            // Act
            let response = try await browser.get("/dashboard.json")

            // Validate
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json["day"] as? String == "2025-03-05")
            #expect(json["asOf"] as? String == "09:00:00")
            #expect(json["waitingTotal"] as? Int == 3)
            #expect(json["windowsSignedIn"] as? Int == 1)
            #expect(json["serving"] as? Int == 1)
            #expect(json["casesDueToday"] as? Int == 2)
            #expect(json["casesOverdue"] as? Int == 2)
            #expect(json["workOrdersToSign"] as? Int == 2)
            let waiting = try #require(json["waiting"] as? [[String: Any]])
            let centre = waiting.filter { $0["hall"] as? String == "崇阳县政务服务中心" }
            #expect(
                centre.map { "\($0["prefix"]!) \($0["category"]!) \($0["count"]!)" } == ["A 综合受理 2", "B 不动产登记 1", "C 社保医保 0", "D 企业开办 0"])
            #expect(waiting.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 3)
        }
    }

    @Test("The page shows the figures with links; the lists behind them; who may open it")
    func pages() async throws {
        try await withTestApp { app in
            try await Self.fixtures(app)
            try await makeStaff(app, username: "director1", roles: [.director])
            try await makeStaff(app, username: "handler1", roles: [.handler])
            var director = Browser(app)
            try await director.signIn("director1", "test-pass-2025")

            let page = try await director.get("/dashboard")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("<span class=\"dash-n\" data-figure=\"casesOverdue\">2</span>"))
            #expect(html.contains("<span class=\"dash-n\" data-figure=\"waitingTotal\">3</span>"))
            #expect(html.contains("href=\"/cases?view=overdue\""))
            #expect(html.contains("<script src=\"/js/dashboard.js\"></script>"))
            #expect(html.contains("href=\"/dashboard\">实时看板</a>"))

            let due = try await director.get("/dashboard/due-today").body.string
            #expect(due.contains("共 <strong>2</strong> 条"))
            #expect(due.contains("421223-20250303-00001") && due.contains("421223-20250303-00003"))
            #expect(!due.contains("421223-20250303-00002"))
            #expect(due.contains("张*明"))
            let toSign = try await director.get("/dashboard/to-sign").body.string
            #expect(toSign.contains("共 <strong>2</strong> 条"))
            #expect(toSign.contains("协办") && toSign.contains("主办"))
            // A director does not open work orders: no link.
            #expect(!toSign.contains("/hotline/orders/"))
            let waiting = try await director.get("/dashboard/waiting").body.string
            #expect(waiting.contains("共 <strong>3</strong> 条"))
            #expect(waiting.contains("A003") && waiting.contains("B001") && !waiting.contains(">A001<"))
            let windows = try await director.get("/dashboard/windows").body.string
            #expect(windows.contains("共 <strong>1</strong> 条") && windows.contains("A001"))
            #expect(try await director.get("/dashboard/nothing").status == .notFound)

            var handler = Browser(app)
            try await handler.signIn("handler1", "test-pass-2025")
            #expect(try await handler.get("/dashboard.json").status == .forbidden)
            var json = HTTPHeaders()
            json.replaceOrAdd(name: .accept, value: "application/json")
            var anonymous = Browser(app)
            #expect(try await anonymous.get("/dashboard.json", headers: json).status == .unauthorized)
        }
    }
}
