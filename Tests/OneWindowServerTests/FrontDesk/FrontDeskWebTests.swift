import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Front desk on the web: kiosk, window console, home visits (story 2), 局长帮办, help desk, figures")
struct FrontDeskWebTests {
    static func location(_ response: TestingHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    @Test("Kiosk ticket → the clerk calls it at window 5 → the case accepted for it links to the ticket")
    func kioskToCase() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            var kiosk = Browser(app)
            let start = try await kiosk.get("/kiosk/CY-ZX")
            #expect(start.body.string.contains("社会保险、医疗保障、公积金 · 等候 0 人 · 暂无窗口办理，请先到服务台咨询"))
            let kioskToken = try #require(Browser.csrf(in: start.body.string))
            let bad = try await kiosk.post(
                "/kiosk/CY-ZX/tickets", form: [("csrfToken", kioskToken), ("category", "C"), ("idNumber", "11010519900307102")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("<p class=\"error\">公民身份号码应为 18 位，现在是 17 位</p>"))
            let taken = try await kiosk.post(
                "/kiosk/CY-ZX/tickets",
                form: [
                    ("csrfToken", kioskToken), ("category", "C"), ("phone", "13800138000"),
                    ("name", "刘小芳"),
                ])
            #expect(taken.status == .seeOther)
            #expect(Self.location(taken).hasSuffix("/slip?kiosk=1"))
            let slip = try await kiosk.get(Self.location(taken))
            #expect(slip.body.string.contains("<p class=\"slip-number\" id=\"ticket-number\">C001</p>"))
            #expect(slip.body.string.contains("您前面还有 <strong id=\"ahead\">0</strong> 人等候"))
            #expect(slip.body.string.contains("取号时间 2025-03-03 09:00"))
            #expect(slip.body.string.contains("<meta http-equiv=\"refresh\" content=\"20;url=/kiosk/CY-ZX\">"))

            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            let window = try await DeskFixtures.window(app, "5")
            let token = try await clerk.csrfToken(from: "/desk")
            let signedIn = try await clerk.post("/desk/signin", form: [("csrfToken", token), ("window", window.id!.uuidString)])
            #expect(Self.location(signedIn) == "/desk/\(window.id!.uuidString)")
            let staffed = try await kiosk.get("/kiosk/CY-ZX")
            #expect(staffed.body.string.contains("社会保险、医疗保障、公积金 · 等候 1 人 · 1 个窗口办理"))
            CaseFixtures.setClock(app, "2025-03-03 09:04")
            let called = try await clerk.post("/desk/\(window.id!.uuidString)/call", form: [("csrfToken", token)])
            #expect(called.status == .seeOther)
            let console = try await clerk.get(Self.location(called))
            #expect(console.body.string.contains("<span class=\"ticket-number\">C001</span>"))
            #expect(console.body.string.contains("刘*芳"))
            #expect(console.body.string.contains("等候 4分00秒"))
            let ticket = try #require(try await Ticket.query(on: app.db).first())
            #expect(ticket.state == .called)
            let skip = try await clerk.post(
                "/desk/\(window.id!.uuidString)/tickets/\(ticket.id!.uuidString)/skip", form: [("csrfToken", token)])
            #expect(skip.status == .conflict)
            #expect(skip.body.string.contains("过号前须重呼 2 次（已重呼 0 次）"))

            let form = try await clerk.get("/cases/new?ticket=\(ticket.id!.uuidString)&item=421223RSJ0001")
            #expect(form.body.string.contains("本件来自：<strong>叫号 C001（5 号窗口）</strong>"))
            let materials = try await CaseWebFlowTests.requirementIDs(app, "421223RSJ0001")
            var fields = [
                ("csrfToken", token), ("itemCode", "421223RSJ0001"), ("ticket", ticket.id!.uuidString), ("applicantKind", "person"),
                ("idNumber", "110105199003071028"), ("name", "刘小芳"), ("phone", "13800138000"), ("intent", "complete"),
            ]
            fields += materials.map { ("m_\($0.id)", "original") }
            let done = try await clerk.post("/cases", form: fields)
            #expect(done.status == .seeOther)
            let record = try #require(try await Case.query(on: app.db).first())
            #expect(record.ticketID == ticket.id)
            #expect(record.state == .completed)
            CaseFixtures.setClock(app, "2025-03-03 09:12")
            _ = try await clerk.post("/desk/\(window.id!.uuidString)/tickets/\(ticket.id!.uuidString)/finish", form: [("csrfToken", token)])
            let served = try #require(try await Ticket.find(ticket.id, on: app.db))
            #expect(served.state == .served)
            #expect(served.finishedAt == CaseFixtures.instant("2025-03-03 09:12"))
            #expect(served.servingAt == CaseFixtures.instant("2025-03-03 09:04"))
            let after = try await clerk.get("/desk/\(window.id!.uuidString)")
            #expect(after.body.string.contains("C001（已办结 09:12）"))
            // The follow page shows the state, never the name.
            let follow = try await kiosk.get("/tickets/\(served.followToken)")
            #expect(follow.body.string.contains("状态：<strong>已办结</strong>"))
            #expect(follow.body.string.contains("刘*芳"))
            #expect(!follow.body.string.contains("刘小芳"))
        }
    }

    @Test("Story 2: an elderly applicant books a home visit; a helper is assigned, visits, and files the case as 代办")
    func homeVisitStory() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let helper = try await makeStaff(app, username: "helper1", roles: [.helper])
            try await makeStaff(app, username: "helper2", roles: [.helper])
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            var citizen = Browser(app)
            let token = try await citizen.csrfToken(from: "/home-visits/new")
            let elderly = DeskFixtures.residentID(birth: "19400302", seq: 5)
            let missing = try await citizen.post("/home-visits/new", form: [("csrfToken", token), ("reason", "elderly"), ("name", "张老汉")])
            #expect(missing.status == .badRequest)
            #expect(missing.body.string.contains("请填写上门地址"))
            let sent = try await citizen.post(
                "/home-visits/new",
                form: [
                    ("csrfToken", token), ("reason", "elderly"), ("idNumber", elderly), ("name", "张老汉"), ("phone", "13700137000"),
                    ("address", "崇阳县天城镇桃溪村三组 12 号"), ("need", "灵活就业人员参保登记"),
                ])
            #expect(Self.location(sent) == "/home-visits/new?done=SM-20250305-001")
            let visit = try #require(try await HomeVisit.query(on: app.db).first())
            #expect(visit.state == .requested)

            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-05 15:30")
            let list = try await clerk.get("/home-visits")
            #expect(list.body.string.contains("SM-20250305-001"))
            #expect(list.body.string.contains("6小时30分"))
            #expect(list.body.string.contains("张*汉"))
            #expect(!list.body.string.contains("张老汉"))
            let clerkToken = try await clerk.csrfToken(from: "/home-visits/\(visit.id!.uuidString)")
            let past = try await clerk.post(
                "/home-visits/\(visit.id!.uuidString)/confirm", form: [("csrfToken", clerkToken), ("visitAt", "2025-03-04T09:30")])
            #expect(past.status == .badRequest)
            #expect(past.body.string.contains("上门时间应在现在之后"))
            _ = try await clerk.post(
                "/home-visits/\(visit.id!.uuidString)/confirm", form: [("csrfToken", clerkToken), ("visitAt", "2025-03-06T09:30")])
            _ = try await clerk.post(
                "/home-visits/\(visit.id!.uuidString)/assign", form: [("csrfToken", clerkToken), ("helperId", helper.id!.uuidString)])
            let assigned = try #require(try await HomeVisit.find(visit.id, on: app.db))
            #expect(assigned.state == .assigned)
            #expect(assigned.visitAt == CaseFixtures.instant("2025-03-06 09:30"))
            #expect(assigned.helperName == "测试helper1")

            // The requester follows it with the number and the phone's last 4 digits.
            let wrong = try await citizen.get("/home-visits/status?number=SM-20250305-001&phone4=0000")
            #expect(wrong.body.string.contains("没有找到与该编号和手机后 4 位相符的申请"))
            let followed = try await citizen.get("/home-visits/status?number=sm-20250305-001&phone4=7000")
            #expect(followed.body.string.contains("<dt>状态</dt><dd><strong>已派帮办员</strong></dd>"))
            #expect(followed.body.string.contains("<dt>上门时间</dt><dd>2025-03-06 09:30</dd>"))
            #expect(!followed.body.string.contains("张老汉"))
            // Only the assigned helper files for the visit.
            var other = Browser(app)
            try await other.signIn("helper2", "test-pass-2025")
            let refused = try await other.get("/cases/new?homeVisit=\(visit.id!.uuidString)&item=421223RSJ0001")
            #expect(refused.status == .conflict)

            var visitor = Browser(app)
            try await visitor.signIn("helper1", "test-pass-2025")
            let calendar = try await visitor.get("/home-visits/calendar")
            #expect(calendar.body.string.contains("<h2>2025-03-06</h2>"))
            #expect(
                calendar.body.string.contains("2025-03-06 09:30 · <a href=\"/home-visits/\(visit.id!.uuidString)\">SM-20250305-001</a>"))
            CaseFixtures.setClock(app, "2025-03-06 09:40")
            let form = try await visitor.get("/cases/new?homeVisit=\(visit.id!.uuidString)&item=421223RSJ0001")
            #expect(form.status == .ok)
            #expect(form.body.string.contains("上门服务 SM-20250305-001，帮办员 测试helper1 代办"))
            #expect(form.body.string.contains("value=\"张老汉\""))
            let helperToken = try #require(Browser.csrf(in: form.body.string))
            let materials = try await CaseWebFlowTests.requirementIDs(app, "421223RSJ0001")
            var fields = [
                ("csrfToken", helperToken), ("itemCode", "421223RSJ0001"), ("homeVisit", visit.id!.uuidString), ("applicantKind", "person"),
                ("idNumber", elderly), ("name", "张老汉"), ("phone", "13700137000"), ("intent", "complete"),
            ]
            fields += materials.map { ("m_\($0.id)", "original") }
            let filed = try await visitor.post("/cases", form: fields)
            #expect(filed.status == .seeOther)
            let record = try #require(try await Case.query(on: app.db).first())
            #expect(record.channel == .homeVisit)
            #expect(record.proxyStaffName == "测试helper1")
            #expect(record.homeVisitID == visit.id)
            #expect(record.state == .completed)
            let page = try await visitor.get(Self.location(filed))
            #expect(page.body.string.contains("帮办员 测试helper1（上门服务）"))
            #expect(page.body.string.contains("上门服务（代办）"))
            let proxy = try #require(try await Assistance.query(on: app.db).first())
            #expect(proxy.kind == .proxy)
            #expect(proxy.caseID == record.id)
            #expect(proxy.staffID == helper.id)
            #expect(proxy.day == "2025-03-06")

            let done = try await visitor.post(
                "/home-visits/\(visit.id!.uuidString)/visit", form: [("csrfToken", helperToken), ("outcome", "已上门核验身份，代办参保登记")])
            #expect(done.status == .seeOther)
            let visited = try #require(try await HomeVisit.find(visit.id, on: app.db))
            #expect(visited.state == .visited)
            #expect(visited.visitedAt == CaseFixtures.instant("2025-03-06 09:40"))
            let shown = try await visitor.get("/home-visits/\(visit.id!.uuidString)")
            #expect(shown.body.string.contains("\(record.caseNumber)</a> 灵活就业人员参保登记（已办结，代办）"))
            let trail = try await AuditEvent.query(on: app.db).filter(\.$entityType == "home_visit").sort(\.$occurredAt).all().map(\.action)
            #expect(trail == ["home_visit.request", "home_visit.confirm", "home_visit.assign", "home_visit.visit"])
        }
    }

    @Test("局长帮办: a shift, the case served, one citizen consulted, a finding as an improvement on the public list")
    func directorShift() async throws {
        try await withTestApp { app in
            let director = try await makeStaff(app, username: "director1", roles: [.director])
            let clerkToken = try await CaseFixtures.token(app, "clerkapi", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-10 09:30")
            let created = try await CaseFixtures.create(app, token: clerkToken, itemCode: "421223ZRZY0001")
            let number = try #require(try CaseFixtures.caseJSON(created)["caseNumber"] as? String)
            var browser = Browser(app)
            try await browser.signIn("director1", "test-pass-2025")
            let token = try await browser.csrfToken(from: "/director-shifts?month=2025-03")
            let department = try #require(try await Department.query(on: app.db).filter(\.$code == "ZRZY").first())
            let made = try await browser.post(
                "/director-shifts",
                form: [
                    ("csrfToken", token), ("day", "2025-03-10"), ("period", "上午"),
                    ("department", department.id!.uuidString), ("director", director.id!.uuidString),
                ])
            #expect(Self.location(made) == "/director-shifts?month=2025-03")
            let shift = try #require(try await DirectorShift.query(on: app.db).first())
            let path = "/director-shifts/\(shift.id!.uuidString)"
            _ = try await browser.post(path + "/cases", form: [("csrfToken", token), ("caseNumber", number)])
            let twice = try await browser.post(path + "/cases", form: [("csrfToken", token), ("caseNumber", number)])
            #expect(twice.status == .conflict)
            let wrong = try await browser.post(path + "/cases", form: [("csrfToken", token), ("caseNumber", "421223-20250310-09999")])
            #expect(wrong.status == .badRequest)
            _ = try await browser.post(
                path + "/consultation",
                form: [
                    ("csrfToken", token), ("name", "李买房"), ("phone", "13600136000"),
                    ("feedback", "过户要跑两个窗口，希望一窗办完"),
                ])
            let second = try await browser.post(path + "/consultation", form: [("csrfToken", token), ("name", "路人甲"), ("feedback", "第二条")])
            #expect(second.status == .conflict)
            #expect(second.body.string.contains("本班次已征询过一名群众（李*房），不能覆盖"))
            let dueMissing = try await browser.post(
                path + "/improvements",
                form: [
                    ("csrfToken", token), ("finding", "过户与缴税分两个窗口"),
                    ("action", "税费并入不动产综合窗口"), ("owner", "县自然资源局 登记中心主任"),
                ])
            #expect(dueMissing.status == .badRequest)
            #expect(dueMissing.body.string.contains("请选择完成期限"))
            _ = try await browser.post(
                path + "/improvements",
                form: [
                    ("csrfToken", token), ("finding", "过户与缴税分两个窗口"),
                    ("action", "税费并入不动产综合窗口"), ("owner", "县自然资源局 登记中心主任"), ("dueOn", "2025-03-31"),
                ])
            let page = try await browser.get(path)
            #expect(page.body.string.contains("\(number)</a> 不动产转移登记（存量房买卖转移登记）（已受理，待审查）"))
            #expect(page.body.string.contains("李*房（136****6000）：过户要跑两个窗口，希望一窗办完"))
            let schedule = try await browser.get("/director-shifts?month=2025-03")
            #expect(schedule.body.string.contains("<td>上午</td><td>崇阳县自然资源和规划局（不动产登记中心）</td><td>测试director1</td><td>1</td><td>已征询</td>"))
            CaseFixtures.setClock(app, "2025-04-01 09:00")
            let open = try await app.testing().sendRequest(.GET, "/improvements")
            #expect(open.body.string.contains("过户与缴税分两个窗口"))
            #expect(open.body.string.contains("待整改 <span class=\"light red\">已超期</span>"))
            #expect(!open.body.string.contains("李买房"))
            #expect(!open.body.string.contains("李*房"))
            let improvement = try #require(try await Improvement.query(on: app.db).first())
            _ = try await browser.post(
                "/improvements/\(improvement.id!.uuidString)/status", form: [("csrfToken", token), ("status", "done")])
            #expect(try await Improvement.find(improvement.id, on: app.db)?.doneOn == "2025-04-01")
            let closed = try await app.testing().sendRequest(.GET, "/improvements")
            #expect(closed.body.string.contains("整改中 0 项，已完成 1 项"))
        }
    }

    @Test("Help desk: one click per interaction, counted by kind; a bad kind is a field error")
    func helpDesk() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "helper1", roles: [.helper])
            CaseFixtures.setClock(app, "2025-03-05 10:00")
            var browser = Browser(app)
            let signedIn = try await browser.signIn("helper1", "test-pass-2025")
            #expect(Self.location(signedIn) == "/assist")
            let token = try await browser.csrfToken(from: "/assist")
            for kind in ["consult", "consult", "guide", "teach"] {
                let done = try await browser.post("/assist", form: [("csrfToken", token), ("kind", kind)])
                #expect(Self.location(done) == "/assist?done=\(kind)")
            }
            _ = try await browser.post(
                "/assist", form: [("csrfToken", token), ("kind", "assist"), ("item", "灵活就业人员参保登记"), ("note", "帮填参保表")])
            let bad = try await browser.post("/assist", form: [("csrfToken", token), ("kind", "chat")])
            #expect(bad.status == .badRequest)
            let unknown = try await browser.post("/assist", form: [("csrfToken", token), ("kind", "consult"), ("item", "NOPE")])
            #expect(unknown.status == .badRequest)
            #expect(unknown.body.string.contains("没有编码或名称为“NOPE”的事项"))
            let counts = try await AssistanceLog.counts(
                region: "421223000000", from: LocalDate(iso: "2025-03-05")!, to: LocalDate(iso: "2025-03-05")!, on: app.db)
            #expect(counts == [.consult: 2, .guide: 1, .teach: 1, .assist: 1, .proxy: 0])
            let page = try await browser.get("/assist")
            #expect(page.body.string.contains("咨询<small>我今天 2 · 全中心 2</small>"))
            #expect(page.body.string.contains("10:00 帮办 · 灵活就业人员参保登记 · 帮填参保表"))
        }
    }

    @Test("Figures: waiting and service times (median, 90th percentile), 过号率, peak hour, from the stamps")
    func figures() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            let window = try await DeskFixtures.window(app, "1")
            for (at, _) in [("09:00", 1), ("09:02", 2), ("09:04", 3), ("10:10", 4)] {
                CaseFixtures.setClock(app, "2025-03-05 \(at)")
                try await DeskFixtures.issue(app, "A")
            }
            CaseFixtures.setClock(app, "2025-03-05 09:05")
            _ = try await DeskFixtures.queue(app, staff: clerk).signIn(window: window, categories: [])
            func step(_ at: String, _ body: (QueueService) async throws -> Void) async throws {
                CaseFixtures.setClock(app, "2025-03-05 \(at)")
                try await body(DeskFixtures.queue(app, staff: clerk))
            }
            var current: UUID?
            try await step("09:05") { current = try await $0.callNext(window: window)?.requireID() }  // A001 waited 5 min
            try await step("09:06") { _ = try await $0.act(.begin, ticketID: current!, window: window) }
            try await step("09:09") { _ = try await $0.act(.finish, ticketID: current!, window: window) }  // served 3 min
            try await step("09:10") { current = try await $0.callNext(window: window)?.requireID() }  // A002 waited 8 min
            try await step("09:20") { _ = try await $0.act(.finish, ticketID: current!, window: window) }  // served 10 min (from the call)
            try await step("09:20") { current = try await $0.callNext(window: window)?.requireID() }  // A003 waited 16 min
            try await step("09:21") { _ = try await $0.act(.recall, ticketID: current!, window: window) }
            try await step("09:22") { _ = try await $0.act(.recall, ticketID: current!, window: window) }
            try await step("09:23") { _ = try await $0.act(.skip, ticketID: current!, window: window) }  // no-show
            let figures = try await FrontDeskFigures.compute(
                region: "421223000000", from: LocalDate(iso: "2025-03-05")!,
                to: LocalDate(iso: "2025-03-05")!, zone: app.settings.timeZone, on: app.db)
            #expect(figures.total.issued == 4)
            #expect(figures.total.called == 3)
            #expect(figures.total.served == 2)
            #expect(figures.total.noShows == 1)
            #expect(figures.total.noShowRate == "33.3%")
            #expect(figures.total.waitMedianSeconds == 480)
            #expect(figures.total.waitP90Seconds == 960)
            #expect(figures.total.waitMedian == "8分00秒")
            #expect(figures.total.serviceMedianSeconds == 180)
            #expect(figures.total.serviceP90 == "10分00秒")
            #expect(figures.windows.map(\.label) == ["1 号窗口"])
            #expect(figures.hours.map { "\($0.label) \($0.issued)" } == ["09:00–10:00 3", "10:00–11:00 1"])
            #expect(figures.peakHours == ["09:00–09:59"])
            #expect(figures.perDay.map { "\($0.label) \($0.value)" } == ["03-05 4"])
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            var browser = Browser(app)
            try await browser.signIn("super1", "test-pass-2025")
            let page = try await browser.get("/frontdesk/figures?from=2025-03-05&to=2025-03-05")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("取号 <strong>4</strong> 个"))
            #expect(page.body.string.contains("<svg class=\"chart\""))
        }
    }
}
