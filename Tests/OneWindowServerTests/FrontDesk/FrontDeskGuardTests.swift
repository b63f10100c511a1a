import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Front desk: refusals found by trying to break it")
struct FrontDeskGuardTests {
    @Test(
        "A case links only to the ticket at the clerk's own window; transfers go only to a staffed window; sign-out waits for the open ticket"
    )
    func ticketLinksAndTransfers() async throws {
        try await withTestApp { app in
            let clerk1 = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            try await makeStaff(app, username: "clerk2", roles: [.clerk])
            let (w1, w9) = (try await DeskFixtures.window(app, "1"), try await DeskFixtures.window(app, "9"))
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            try await DeskFixtures.issue(app, "A")
            _ = try await DeskFixtures.queue(app, staff: clerk1).signIn(window: w1, categories: [])
            let ticket = try #require(try await DeskFixtures.queue(app, staff: clerk1).callNext(window: w1))
            var other = Browser(app)
            try await other.signIn("clerk2", "test-pass-2025")
            let refused = try await other.get("/cases/new?ticket=\(ticket.id!.uuidString)&item=421223RSJ0001")
            #expect(refused.status == .conflict)
            #expect(refused.body.string.contains("A001 号不在您登录的窗口"))
            do {
                _ = try await DeskFixtures.queue(app, staff: clerk1).act(.transfer, ticketID: ticket.requireID(), window: w1, toWindow: w9)
                Issue.record("a transfer to an empty window must be refused")
            } catch let error as FrontDeskError {
                #expect(error.reason == "9 号窗口现在没有人登录，不能转过去")
            }
            do {
                try await DeskFixtures.queue(app, staff: clerk1).signOut(window: w1)
                Issue.record("sign-out with an open ticket must be refused")
            } catch let error as FrontDeskError {
                #expect(error.reason == "A001 号还在本窗口（已叫号），请先办结、过号或转移再退出窗口")
            }
            _ = try await DeskFixtures.queue(app, staff: clerk1).act(.finish, ticketID: ticket.requireID(), window: w1)
            var mine = Browser(app)
            try await mine.signIn("clerk1", "test-pass-2025")
            let finished = try await mine.get("/cases/new?ticket=\(ticket.id!.uuidString)&item=421223RSJ0001")
            #expect(finished.status == .conflict)
            #expect(finished.body.string.contains("A001 号已办结，不能再关联办件"))
            try await DeskFixtures.queue(app, staff: clerk1).signOut(window: w1)
            let token = try await mine.csrfToken(from: "/desk")
            let issued = try await mine.post("/desk/signin", form: [("csrfToken", token), ("window", w1.id!.uuidString)])
            let staffIssue = try await mine.post(
                Self.location(issued) + "/issue", form: [("csrfToken", token), ("category", "C"), ("priority", "pregnant")])
            #expect(Self.location(staffIssue) == "/desk/\(w1.id!.uuidString)?done=issued&number=C001")
            let page = try await mine.get(Self.location(staffIssue))
            #expect(page.body.string.contains("已代取号。号码：C001"))
            #expect(try await Ticket.query(on: app.db).filter(\.$number == "C001").first()?.priority == .pregnant)
            let future = try await app.testing().sendRequest(
                .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                body: ByteBuffer(string: #"{"category":"A","idNumber":"\#(DeskFixtures.residentID(birth: "20300101", seq: 1))"}"#))
            #expect(
                try future.errorPayload() == ["code": "invalid_field", "field": "idNumber", "message": "身份证号中的出生日期 2030-01-01 不合理，请核对"])
            let typed = try await app.testing().sendRequest(
                .POST, "/api/v1/halls/CY-ZX/tickets", headers: ["content-type": "application/json"],
                body: ByteBuffer(string: #"{"category":"A","idNumber":110105199003071028}"#))
            #expect(typed.status == .badRequest)
            #expect(try typed.errorPayload()["field"] == "idNumber")
        }
    }

    static func location(_ response: TestingHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    @Test("Only the assigned helper records a visit, not before its day; staff see full contact details only through an audited view")
    func homeVisitGuards() async throws {
        try await withTestApp { app in
            let helper = try await makeStaff(app, username: "helper1", roles: [.helper])
            let other = try await makeStaff(app, username: "helper2", roles: [.helper])
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let service = HomeVisitService(
                db: app.db, zone: app.settings.timeZone, region: "421223000000", actor: .system, now: app.clock.now)
            let visit = try await service.request(
                .init(
                    channel: .phone, reason: .disabled, residentID: try ResidentID(DeskFixtures.residentID(birth: "19600101", seq: 3)),
                    name: "王大伯", phone: try MobileNumber("13500135000"), address: "崇阳县白霓镇大市村 5 组", need: "残疾人证换领"))
            _ = try await service.confirm(visit.requireID(), at: CaseFixtures.instant("2025-03-07 10:00"))
            _ = try await service.assign(visit.requireID(), helper: helper)
            await #expect(throws: FrontDeskError.self) { try await service.recordVisit(visit.requireID(), outcome: "已上门", by: other) }
            do {
                _ = try await service.recordVisit(visit.requireID(), outcome: "已上门", by: helper)
                Issue.record("a visit before its day must be refused")
            } catch let error as FrontDeskError {
                #expect(error.reason == "约定的上门日期是 2025-03-07，到时再记录")
            }
            var browser = Browser(app)
            try await browser.signIn("helper1", "test-pass-2025")
            let page = try await browser.get("/home-visits/\(visit.id!.uuidString)")
            #expect(page.body.string.contains("135****5000"))
            #expect(!page.body.string.contains("13500135000"))
            let token = try #require(Browser.csrf(in: page.body.string))
            let full = try await browser.post("/home-visits/\(visit.id!.uuidString)/personal", form: [("csrfToken", token)])
            #expect(full.body.string.contains("<a href=\"tel:13500135000\">13500135000</a> · 崇阳县白霓镇大市村 5 组"))
            let audit = try await AuditEvent.query(on: app.db).filter(\.$action == "personal_data.view").all()
            #expect(audit.map(\.summary) == ["查看上门服务 SM-20250305-001 申请人完整联系方式"])
            #expect(audit.first?.actorName == "helper1")
        }
    }

    @Test("局长帮办: a bad date is a field error (no crash), a duplicate shift a 409; public improvements mask numbers typed into them")
    func directorGuards() async throws {
        try await withTestApp { app in
            let director = try await makeStaff(app, username: "director1", roles: [.director])
            CaseFixtures.setClock(app, "2025-03-10 09:00")
            var browser = Browser(app)
            try await browser.signIn("director1", "test-pass-2025")
            let token = try await browser.csrfToken(from: "/director-shifts")
            let department = try #require(try await Department.query(on: app.db).filter(\.$code == "RSJ").first())
            for bad in ["2026-13-01", "abcdefg", String(repeating: "x", count: 5000), "1900-01-01"] {
                let response = try await browser.post(
                    "/director-shifts",
                    form: [
                        ("csrfToken", token), ("day", bad), ("period", "上午"),
                        ("department", department.id!.uuidString), ("director", director.id!.uuidString),
                    ])
                #expect(response.status == .badRequest)
            }
            let form = [
                ("csrfToken", token), ("day", "2025-03-12"), ("period", "上午"), ("department", department.id!.uuidString),
                ("director", director.id!.uuidString),
            ]
            #expect(try await browser.post("/director-shifts", form: form).status == .seeOther)
            let twice = try await browser.post("/director-shifts", form: form)
            #expect(twice.status == .conflict)
            #expect(twice.body.string.contains("2025-03-12 上午 崇阳县人力资源和社会保障局 已有排班"))
            let shift = try #require(try await DirectorShift.query(on: app.db).first())
            _ = try await browser.post(
                "/director-shifts/\(shift.id!.uuidString)/improvements",
                form: [
                    ("csrfToken", token), ("finding", "群众欧阳娜娜（身份证110105199003071028，电话13912345678）反映要跑两次"),
                    ("action", "一次告知"), ("owner", "人社局"), ("dueOn", "2025-03-31"),
                ])
            let board = try await app.testing().sendRequest(.GET, "/improvements")
            #expect(board.body.string.contains("身份证1101**********1028，电话139****5678"))
            #expect(!board.body.string.contains("13912345678"))
            #expect(board.body.string.contains("待整改 1 项，整改中 0 项，已完成 0 项"))

            // Issue 15 finding 3: the consulted citizen's name typed into a finding is refused on input (the list is
            // public), and a finding stored before the rule shows the name masked.
            let consulted = try await browser.post(
                "/director-shifts/\(shift.id!.uuidString)/consultation",
                form: [("csrfToken", token), ("name", "张三丰"), ("phone", "13812345678"), ("feedback", "材料要求看不懂")])
            #expect(consulted.status == .seeOther)
            let named = try await browser.post(
                "/director-shifts/\(shift.id!.uuidString)/improvements",
                form: [
                    ("csrfToken", token), ("finding", "群众张三丰反映材料清单看不懂"), ("action", "重写清单"), ("owner", "人社局"),
                    ("dueOn", "2025-03-31"),
                ])
            #expect(named.status == .badRequest)
            #expect(named.body.string.contains("整改清单向社会公开，请勿写入群众姓名（张*丰），可写“群众”或“申请人”"))
            #expect(try await Improvement.query(on: app.db).count() == 1)
            let old = Improvement()
            old.regionCode = shift.regionCode
            old.$shift.id = shift.id
            old.finding = "群众张三丰（老人）反映要跑两次"
            old.action = "回访张三丰"
            old.owner = "人社局"
            old.dueOn = "2025-03-31"
            old.status = .open
            old.createdAt = CaseFixtures.instant("2025-03-10 10:00")
            try await old.create(on: app.db)
            let masked = try await app.testing().sendRequest(.GET, "/improvements").body.string
            #expect(masked.contains("群众张*丰（老人）反映要跑两次"))
            #expect(masked.contains("回访张*丰"))
            #expect(!masked.contains("张三丰"))
        }
    }

    @Test(
        "A supervisor frees a window left signed in; its ticket queues again with its time; a phone holds one place per category and hears its call"
    )
    func releaseAndPhoneTickets() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            let window = try await DeskFixtures.window(app, "12")
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            try await DeskFixtures.issue(app, "A", phone: "13800138001", channel: .remote)
            do {
                try await DeskFixtures.issue(app, "A", phone: "13800138001", channel: .remote)
                Issue.record("a second open ticket for one phone and category must be refused")
            } catch let error as FrontDeskError {
                #expect(error.reason == "该手机号已取 A001 号，正在排队（等候中），不能重复取号")
                #expect(error.code == "ticket_already_held")
                #expect(error.field == "phone")
            }
            #expect(try await DeskFixtures.issue(app, "C", phone: "13800138001", channel: .remote).number == "C001")
            let elder = try await DeskFixtures.issue(app, "A", id: DeskFixtures.residentID(birth: "19500101", seq: 9))
            #expect(try await QueueService.ahead(of: elder, on: app.db) == 0)
            _ = try await DeskFixtures.queue(app, staff: clerk).signIn(
                window: window, categories: [DeskFixtures.category(app, "A").requireID()])
            CaseFixtures.setClock(app, "2025-03-05 09:10")
            #expect(try await DeskFixtures.queue(app, staff: clerk).callNext(window: window)?.number == "A002")
            // A phone ticket is told 即将到号 even though few were ahead when it was taken (its holder may be away).
            #expect(
                try await OutboxMessage.query(on: app.db).filter(\.$template == "ticket.soon").all().map(\.body)
                    == ["【崇阳县政务服务中心】您的 A001 号前面还有 0 人，即将到号，请回到大厅留意叫号屏。"])
            _ = try await DeskFixtures.queue(app, staff: clerk).act(.finish, ticketID: elder.requireID(), window: window)
            let phoneTicket = try #require(try await DeskFixtures.queue(app, staff: clerk).callNext(window: window))
            #expect(phoneTicket.number == "A001")
            let calls = try await OutboxMessage.query(on: app.db).filter(\.$template == "ticket.called").all()
            #expect(calls.map(\.body) == ["【崇阳县政务服务中心】请 A001 号到 12 号窗口办理。"])
            // The clerk walks away signed in; the supervisor frees the window.
            var supervisor = Browser(app)
            try await supervisor.signIn("super1", "test-pass-2025")
            let chooser = try await supervisor.get("/desk")
            #expect(chooser.body.string.contains("强制退出（未办结的号重新排队）"))
            let token = try #require(Browser.csrf(in: chooser.body.string))
            let freed = try await supervisor.post("/desk/\(window.id!.uuidString)/release", form: [("csrfToken", token)])
            #expect(freed.body.string.contains("已强制退出 12 号窗口，A001 重新排队（保留原取号时间）。"))
            let back = try #require(try await Ticket.find(phoneTicket.id, on: app.db))
            #expect(back.state == .waiting)
            #expect(back.arrivedAt == CaseFixtures.instant("2025-03-05 09:00"))
            #expect(try await WindowDesk.query(on: app.db).filter(\.$window.$id == window.requireID()).first()?.staffID == nil)
            #expect(
                try await AuditEvent.query(on: app.db).filter(\.$action == "window.release").first()?.summary
                    == "强制退出 12 号窗口（原登录：测试clerk1），A001 重新排队")
        }
    }
}
