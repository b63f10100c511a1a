import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

enum EvaluationFixtures {
    /// A 即办件 completed now through the API; returns the case and its SMS rating link's token.
    static func completedCase(_ app: Application, clerk: String = "clerk1") async throws -> (Case, String) {
        let token = try await CaseFixtures.token(app, clerk, roles: [.clerk])
        let created = try await CaseFixtures.create(app, token: token, itemCode: "421223RSJ0001", intent: "complete")
        #expect(created.status == .created)
        let record = try #require(try await Case.query(on: app.db).sort(\.$submittedAt, .descending).first())
        let invitation = try #require(try await RatingInvitation.query(on: app.db).filter(\.$subjectID == record.requireID()).first())
        return (record, invitation.token)
    }

    static func postRating(_ app: Application, _ json: String) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(
            .POST, "/api/v1/ratings", headers: ["Content-Type": "application/json"], body: ByteBuffer(string: json))
    }

    static func service(_ app: Application) async throws -> RatingService {
        RatingService(try await ServiceContext(app, actor: .system))
    }
}

@Suite("好差评: levels, one rating per record, the 7-day default, rectification limits, the pad, story 6")
struct EvaluationTests {
    @Test("Levels are integers 1…5: 0, 6, 4.5, \"5\" and null are 400 naming the field; nothing is stored")
    func strictLevels() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let (_, token) = try await EvaluationFixtures.completedCase(app)
            for (value, field) in [
                ("0", "ratings.overall"), ("6", "ratings.overall"), ("4.5", "ratings.overall"), ("\"5\"", "ratings.overall"),
                ("null", "ratings.overall"),
            ] {
                let response = try await EvaluationFixtures.postRating(app, #"{"token":"\#(token)","ratings":{"overall":\#(value)}}"#)
                #expect(response.status == .badRequest, "overall = \(value)")
                #expect(try response.errorPayload()["field"] == field, "overall = \(value)")
            }
            #expect(try await Rating.query(on: app.db).count() == 0)
            let unknown = try await EvaluationFixtures.postRating(app, #"{"token":"\#(token)","ratings":{"overall":5,"efficiency":4}}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.errorPayload()["field"] == "efficiency")
        }
    }

    @Test("Two concurrent identical ratings → one stored: one 201, one 409")
    func concurrentRatings() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let (record, token) = try await EvaluationFixtures.completedCase(app)
            let body = #"{"token":"\#(token)","ratings":{"overall":5,"serviceLevel":5,"attitude":4}}"#
            async let first = EvaluationFixtures.postRating(app, body)
            async let second = EvaluationFixtures.postRating(app, body)
            let statuses = try await [first.status, second.status].map(\.code).sorted()
            #expect(statuses == [201, 409])
            let stored = try await Rating.query(on: app.db).filter(\.$subjectID == record.requireID()).all()
            #expect(stored.map(\.item.rawValue).sorted() == ["attitude", "overall", "serviceLevel"])
            #expect(stored.allSatisfy { $0.channel == .sms && $0.raterKey == "applicant:\(record.$applicant.id.uuidString)" })
        }
    }

    @Test("A case completed Mon 2025-03-03 and left unrated becomes 基本满意 (default) from 03-11 00:00, not on 03-10 23:59")
    func sevenDayDefault() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let (record, _) = try await EvaluationFixtures.completedCase(app)
            CaseFixtures.setClock(app, "2025-03-10 23:59")
            #expect(try await EvaluationFixtures.service(app).applyDefaults() == 0)
            CaseFixtures.setClock(app, "2025-03-11 00:00")
            #expect(try await EvaluationFixtures.service(app).applyDefaults() == 1)
            #expect(try await EvaluationFixtures.service(app).applyDefaults() == 0)
            let rating = try #require(try await Rating.query(on: app.db).filter(\.$subjectID == record.requireID()).first())
            #expect(rating.level == .basicallySatisfied)
            #expect(rating.isDefault)
            #expect(rating.channel == .defaulted)
            #expect(DefaultRating.firstDay(afterCompletionOn: LocalDate(iso: "2025-03-03")!).description == "2025-03-11")
            // The applicant's own rating, given later through the still valid link, replaces the default.
            let token = try #require(try await RatingInvitation.query(on: app.db).filter(\.$subjectID == record.requireID()).first()?.token)
            CaseFixtures.setClock(app, "2025-03-12 09:00")
            #expect(try await EvaluationFixtures.postRating(app, #"{"token":"\#(token)","ratings":{"overall":1}}"#).status == .created)
            let replaced = try await Rating.query(on: app.db).filter(\.$subjectID == record.requireID()).all()
            #expect(replaced.map(\.level) == [.veryDissatisfied])
            #expect(replaced.map(\.isDefault) == [false])
            #expect(try await Rectification.query(on: app.db).count() == 1)
        }
    }

    @Test("Story 6: a 差评 by SMS link is verified (1 working day), rectified within 15 working days (overdue from 03-25), called back")
    func story6() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let (record, token) = try await EvaluationFixtures.completedCase(app)
            let sms = try #require(try await OutboxMessage.query(on: app.db).filter(\.$template == "case.completed").first())
            #expect(sms.body.hasSuffix("请为本次服务评价：http://127.0.0.1:8080/rate/\(token)"))

            // The applicant rates 不满意 through the link.
            var citizen = Browser(app)
            let form = try await citizen.get("/rate/\(token)")
            #expect(form.body.string.contains(record.caseNumber))
            let csrf = try #require(Browser.csrf(in: form.body.string))
            let rated = try await citizen.post(
                "/rate/\(token)",
                form: [
                    ("csrfToken", csrf), ("overall", "2"), ("attitude", "2"),
                    ("comment", "窗口让我跑了两趟，电话13800138000没人接"),
                ])
            #expect(rated.status == .seeOther)
            #expect(try await citizen.get("/rate/\(token)").status == .conflict)
            let rectification = try #require(try await Rectification.query(on: app.db).first())
            #expect(rectification.state == .pendingVerification)
            #expect(HotlineFixtures.formatted(rectification.verifyDueAt) == "2025-03-04 23:59:59")

            // The supervisor verifies it the same day: the rectification is due 15 working days later, 03-24.
            var supervisor = Browser(app)
            try await supervisor.signIn("super1", "test-pass-2025")
            let page = try await supervisor.get("/rectifications/\(rectification.id!.uuidString)")
            #expect(page.body.string.contains("窗口让我跑了两趟，电话138****8000没人接"))
            #expect(page.body.string.contains("<a href=\"/cases/\(record.id!.uuidString)\">\(record.caseNumber) "))
            let csrf2 = try #require(Browser.csrf(in: page.body.string))
            let path = "/rectifications/\(rectification.id!.uuidString)"
            #expect(
                try await supervisor.post(path + "/verifyValid", form: [("csrfToken", csrf2), ("text", "属实：材料清单未一次告知")]).status == .seeOther
            )
            let verified = try #require(try await Rectification.find(rectification.id, on: app.db))
            #expect(HotlineFixtures.formatted(verified.rectifyDueAt) == "2025-03-24 23:59:59")

            // Overdue exactly from 03-25: still in time on 03-24, 超期 on 03-25.
            CaseFixtures.setClock(app, "2025-03-24 18:00")
            #expect(
                !(try await supervisor.get("/ratings?from=2025-03-01&to=2025-03-31").body.string.contains(
                    "<span class=\"light red\">超期</span>")))
            CaseFixtures.setClock(app, "2025-03-25 08:30")
            let overdue = try await supervisor.get("/ratings?from=2025-03-01&to=2025-03-31")
            #expect(overdue.body.string.contains("<span class=\"light red\">超期</span> 整改期限 2025-03-24 23:59:59"))
            #expect(try await supervisor.get(path).body.string.contains("整改期限 2025-03-24 23:59:59（红灯 已超期）"))

            // Rectified, then called back: closed, and the real-name 差评 callback rate is 100 %.
            CaseFixtures.setClock(app, "2025-03-20 10:00")
            #expect(
                try await supervisor.post(path + "/rectify", form: [("csrfToken", csrf2), ("text", "修订一次性告知书模板，窗口培训")]).status == .seeOther)
            #expect(
                try await supervisor.post(path + "/callBack", form: [("csrfToken", csrf2), ("text", "回访申请人，对整改表示认可")]).status == .seeOther)
            let closed = try #require(try await Rectification.find(rectification.id, on: app.db))
            #expect(closed.state == .closed)
            #expect(try await supervisor.get("/ratings?from=abc").body.string.contains("日期应写作 2025-03-01，已显示本年至今"))
            let figures = try await supervisor.get("/ratings?from=2025-03-31&to=2025-03-01")
            #expect(figures.body.string.contains("开始日期晚于结束日期，已对调"))
            #expect(figures.body.string.contains("实名差评 1 条，已回访 1 条，<strong>实名差评回访率 100.0%</strong>"))
            let steps = try await AuditEvent.query(on: app.db).filter(\.$entityType == "rectification").sort(\.$occurredAt).all().map(
                \.action)
            #expect(steps == ["rectification.open", "rectification.verifyValid", "rectification.rectify", "rectification.callBack"])
        }
    }

    @Test("The department's approver verifies, the supervisor decides the appeal; a clerk may do neither; one extension only")
    func appealAndExtension() async throws {
        try await withTestApp { app in
            let approver = try await makeStaff(app, username: "rsj1", roles: [.approver])
            approver.$department.id = try await HotlineFixtures.department(app, "RSJ").id
            try await approver.save(on: app.db)
            try await makeStaff(app, username: "clerk2", roles: [.clerk])
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let (_, token) = try await EvaluationFixtures.completedCase(app)
            #expect(try await EvaluationFixtures.postRating(app, #"{"token":"\#(token)","ratings":{"overall":1}}"#).status == .created)
            let id = try #require(try await Rectification.query(on: app.db).first()?.id).uuidString
            var clerk = Browser(app)
            try await clerk.signIn("clerk2", "test-pass-2025")
            let clerkCSRF = try await clerk.csrfToken(from: "/rectifications/\(id)")
            #expect(
                try await clerk.post("/rectifications/\(id)/verifyInvalid", form: [("csrfToken", clerkCSRF), ("text", "评价人当天未到窗口")]).status
                    == .forbidden)
            var department = Browser(app)
            try await department.signIn("rsj1", "test-pass-2025")
            let csrf = try await department.csrfToken(from: "/rectifications/\(id)")
            #expect(
                try await department.post("/rectifications/\(id)/verifyInvalid", form: [("csrfToken", csrf), ("text", "评价人当天未到窗口办事")])
                    .status == .seeOther)
            #expect(
                try await department.post("/rectifications/\(id)/upholdAppeal", form: [("csrfToken", csrf), ("text", "同意")]).status
                    == .forbidden)
            var supervisor = Browser(app)
            try await supervisor.signIn("super1", "test-pass-2025")
            let csrf2 = try await supervisor.csrfToken(from: "/rectifications/\(id)")
            #expect(
                try await supervisor.post("/rectifications/\(id)/rejectAppeal", form: [("csrfToken", csrf2), ("text", "监控显示已办理，差评有效")])
                    .status == .seeOther)
            #expect(
                try await supervisor.post("/rectifications/\(id)/extend", form: [("csrfToken", csrf2), ("days", "5"), ("text", "需协调系统厂商")])
                    .status == .seeOther)
            let second = try await supervisor.post(
                "/rectifications/\(id)/extend", form: [("csrfToken", csrf2), ("days", "5"), ("text", "再延")])
            #expect(second.status == .conflict)
            #expect(second.body.string.contains("整改只能延期一次"))
            let record = try #require(try await Rectification.find(UUID(uuidString: id), on: app.db))
            // Rejected 03-03 → due 03-24; +5 working days → 03-31.
            #expect(HotlineFixtures.formatted(record.rectifyDueAt) == "2025-03-31 23:59:59")
        }
    }

    @Test("The pad of window 3 shows the service just finished there; a tap records 非常满意; then it waits again")
    func pad() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let window = try await DeskFixtures.window(app, "3")
            let category = try await DeskFixtures.category(app, "A")
            let queue = DeskFixtures.queue(app, staff: clerk)
            _ = try await queue.signIn(window: window, categories: [category.requireID()])
            let ticket = try await DeskFixtures.issue(app, "A")
            _ = try await queue.callNext(window: window)
            _ = try await queue.act(.begin, ticketID: ticket.requireID(), window: window)
            _ = try await queue.act(.finish, ticketID: ticket.requireID(), window: window)
            var pad = Browser(app)
            let page = try await pad.get("/pad/\(window.id!.uuidString)")
            #expect(page.body.string.contains("<p class=\"pad-service\">A001 · 3 号窗口 · 工作人员 测试clerk1</p>"))
            let csrf = try #require(Browser.csrf(in: page.body.string))
            let tapped = try await pad.post(
                "/pad/\(window.id!.uuidString)", form: [("csrfToken", csrf), ("subject", ticket.id!.uuidString), ("level", "5")])
            #expect(tapped.headers.first(name: .location) == "/pad/\(window.id!.uuidString)?thanks=5")
            let rating = try #require(try await Rating.query(on: app.db).first())
            #expect(rating.level == .verySatisfied)
            #expect(rating.channel == .pad)
            #expect(rating.windowNumber == "3")
            #expect(rating.staffName == "测试clerk1")
            let again = try await pad.get("/pad/\(window.id!.uuidString)?thanks=5")
            #expect(again.body.string.contains("您的评价“非常满意”已记录，谢谢！"))
            #expect(!again.body.string.contains("level-5"))
            // A second tap goes back to the waiting pad (never an error page on the tablet) and records nothing.
            let twice = try await pad.post(
                "/pad/\(window.id!.uuidString)", form: [("csrfToken", csrf), ("subject", ticket.id!.uuidString), ("level", "1")])
            #expect(twice.headers.first(name: .location) == "/pad/\(window.id!.uuidString)")
            #expect(try await Rating.query(on: app.db).count() == 1)
        }
    }

    @Test("A 12345 不满意 callback is the work order's rating and opens a rectification; the public board has no personal data")
    func callbackAndBoard() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let service = try await HotlineFixtures.service(app)
            let order = try await service.register(HotlineFixtures.intake("楼下餐馆油烟扰民"), dispatch: .init(lead: zjj.id!))
            _ = try await service.signFor(order.id!, department: zjj.id!)
            _ = try await service.reply(order.id!, text: "已约谈餐馆业主。", department: zjj.id!)
            _ = try await service.callback(order.id!, satisfaction: .dissatisfied, note: "油烟依旧")
            let rating = try #require(try await Rating.query(on: app.db).first())
            #expect(rating.subjectKind == .workOrder)
            #expect(rating.level == .dissatisfied)
            #expect(rating.channel == .callback)
            #expect(rating.realName)
            #expect(try await Rectification.query(on: app.db).count() == 1)
            var citizen = Browser(app)
            let board = try await citizen.get("/board")
            #expect(board.body.string.contains("收到评价 <strong>1</strong> 条，满意率 <strong>0.00%</strong>"))
            #expect(board.body.string.contains("差评 <strong>1</strong> 条"))
            #expect(!board.body.string.contains("王建国") && !board.body.string.contains("13800138000"))
        }
    }

    @Test("A complaint (GB/T 36113) about window 3: 受理 → 调查 → 处理 → 反馈 → 归档, feedback due in 15 working days, 超期 in words")
    func complaint() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "super1", roles: [.supervisor])
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            var supervisor = Browser(app)
            try await supervisor.signIn("super1", "test-pass-2025")
            let csrf = try await supervisor.csrfToken(from: "/complaints")
            let bad = try await supervisor.post(
                "/complaints", form: [("csrfToken", csrf), ("complainantName", "李梅"), ("phone", "123"), ("content", "短")])
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("请写明投诉内容（5 至 2000 字）"))
            let created = try await supervisor.post(
                "/complaints",
                form: [
                    ("csrfToken", csrf), ("complainantName", "李梅"), ("phone", "13900139000"),
                    ("windowNumber", "3"), ("staffName", "王小窗"), ("content", "3 号窗口工作人员态度生硬"),
                ])
            #expect(created.status == .seeOther)
            let record = try #require(try await Complaint.query(on: app.db).first())
            #expect(record.number == "TS-20250303-001")
            #expect(HotlineFixtures.formatted(record.feedbackDueAt) == "2025-03-24 23:59:59")
            let path = "/complaints/\(record.id!.uuidString)"
            CaseFixtures.setClock(app, "2025-03-25 09:00")
            #expect(try await supervisor.get("/complaints").body.string.contains("<span class=\"light red\">超期</span> 2025-03-24 23:59:59"))
            _ = try await supervisor.post(path + "/next", form: [("csrfToken", csrf), ("text", "")])
            let missing = try await supervisor.post(path + "/next", form: [("csrfToken", csrf), ("text", "")])
            #expect(missing.status == .badRequest)
            #expect(missing.body.string.contains("请填写调查结果（5 至 2000 字）"))
            _ = try await supervisor.post(path + "/next", form: [("csrfToken", csrf), ("text", "调取录像，属实")])
            _ = try await supervisor.post(path + "/next", form: [("csrfToken", csrf), ("text", "约谈窗口人员并向投诉人致歉")])
            _ = try await supervisor.post(path + "/next", form: [("csrfToken", csrf), ("text", "")])
            let archived = try #require(try await Complaint.find(record.id, on: app.db))
            #expect(archived.state == .archived)
            #expect(archived.investigation == "调取录像，属实")
            let steps = try await AuditEvent.query(on: app.db).filter(\.$entityType == "complaint").sort(\.$occurredAt).all().map(\.action)
            #expect(
                steps == ["complaint.receive", "complaint.investigating", "complaint.handling", "complaint.feedback", "complaint.archived"])
            let list = try await supervisor.get("/complaints")
            #expect(list.body.string.contains("李*") && !list.body.string.contains("李梅"))
        }
    }

    @Test("The portal's progress page offers the online rating once the case is completed; after rating, no more")
    func portalRating() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let (record, _) = try await EvaluationFixtures.completedCase(app)
            var citizen = Browser(app)
            let progress = try await citizen.get("/progress?caseNumber=\(record.caseNumber)&phone4=8000")
            let link = try #require(
                progress.body.string.components(separatedBy: "<a href=\"/rate/").dropFirst().first?.components(separatedBy: "\"").first)
            let form = try await citizen.get("/rate/\(link)")
            let csrf = try #require(Browser.csrf(in: form.body.string))
            #expect(
                try await citizen.post("/rate/\(link)", form: [("csrfToken", csrf), ("overall", "5"), ("serviceLevel", "5")]).status
                    == .seeOther)
            let rating = try #require(try await Rating.query(on: app.db).filter(\.$item == .overall).first())
            #expect(rating.channel == .online)
            #expect(rating.level == .verySatisfied)
            #expect(!(try await citizen.get("/progress?caseNumber=\(record.caseNumber)&phone4=8000").body.string.contains("/rate/")))
        }
    }

    @Test("The help desk's pad rates the interaction its helper has just logged (帮办), once")
    func helpDeskPad() async throws {
        try await withTestApp { app in
            let helper = try await makeStaff(app, username: "helper1", roles: [.helper])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            var staff = Browser(app)
            try await staff.signIn("helper1", "test-pass-2025")
            let csrf = try await staff.csrfToken(from: "/assist")
            #expect(try await staff.post("/assist", form: [("csrfToken", csrf), ("kind", "guide")]).status == .seeOther)
            var pad = Browser(app)
            let page = try await pad.get("/pad/helpers/\(helper.id!.uuidString)")
            #expect(page.body.string.contains("<p class=\"pad-service\">导办 · 帮办员 测试helper1</p>"))
            let help = try #require(try await Assistance.query(on: app.db).first())
            let token = try #require(Browser.csrf(in: page.body.string))
            let tapped = try await pad.post(
                "/pad/helpers/\(helper.id!.uuidString)", form: [("csrfToken", token), ("subject", help.id!.uuidString), ("level", "4")])
            #expect(tapped.status == .seeOther)
            let rating = try #require(try await Rating.query(on: app.db).first())
            #expect(rating.subjectKind == .assistance)
            #expect(rating.level == .satisfied)
            #expect(rating.staffName == "测试helper1")
            // A second tap goes back to the waiting pad and records nothing, as on a window's pad.
            let again = try await pad.post(
                "/pad/helpers/\(helper.id!.uuidString)",
                form: [
                    ("csrfToken", token), ("subject", help.id!.uuidString),
                    ("level", "1"),
                ])
            #expect(again.headers.first(name: .location) == "/pad/helpers/\(helper.id!.uuidString)")
            #expect(try await Rating.query(on: app.db).count() == 1)
        }
    }

    @Test("The pad stops offering a service once the next person is called; the rated clerk cannot handle her own 差评")
    func padClearsAndNoSelfRectification() async throws {
        try await withTestApp { app in
            let clerk = try await makeStaff(app, username: "clerk1", roles: [.clerk, .supervisor])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let window = try await DeskFixtures.window(app, "3")
            let queue = DeskFixtures.queue(app, staff: clerk)
            _ = try await queue.signIn(window: window, categories: [DeskFixtures.category(app, "A").requireID()])
            let first = try await DeskFixtures.issue(app, "A")
            _ = try await DeskFixtures.issue(app, "A")
            _ = try await queue.callNext(window: window)
            _ = try await queue.act(.begin, ticketID: first.requireID(), window: window)
            _ = try await queue.act(.finish, ticketID: first.requireID(), window: window)
            var pad = Browser(app)
            let page = try await pad.get("/pad/\(window.id!.uuidString)")
            let csrf = try #require(Browser.csrf(in: page.body.string))
            #expect(
                try await pad.post(
                    "/pad/\(window.id!.uuidString)", form: [("csrfToken", csrf), ("subject", first.id!.uuidString), ("level", "1")]
                ).status == .seeOther)
            _ = try await queue.callNext(window: window)
            #expect(!(try await pad.get("/pad/\(window.id!.uuidString)").body.string.contains("level-5")))

            let id = try #require(try await Rectification.query(on: app.db).first()?.id).uuidString
            var own = Browser(app)
            try await own.signIn("clerk1", "test-pass-2025")
            let token = try await own.csrfToken(from: "/rectifications/\(id)")
            let refused = try await own.post("/rectifications/\(id)/verifyValid", form: [("csrfToken", token), ("text", "属实")])
            #expect(refused.status == .conflict)
            #expect(refused.body.string.contains("被评价的工作人员本人不能办理这条差评的整改"))
        }
    }
}
