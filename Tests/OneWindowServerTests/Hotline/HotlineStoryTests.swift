import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("12345 on the web: story 5, smart dispatch on real data, the import and the monthly report")
struct HotlineStoryTests {
    static func location(_ response: TestingHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    static let streetLight = "天城镇桃溪路的路灯已经坏了一个星期，晚上一片漆黑，老人孩子出行很不安全，请尽快维修。"

    @Test("Story 5: a WeChat street-light complaint is dispatched to 住建局, signed for, answered, called back, closed, and is a hot topic")
    func story5() async throws {
        try await withTestApp { app in
            // Labelled history: the real 395-row sample.
            let sample = try CSVTable(
                text: String(
                    contentsOf: HotlineFixtures.messagesDirectory.appendingPathComponent("attachment2_labeled_sample.csv"), encoding: .utf8)
            )
            let imported = try await HotlineImport.importSample(
                sample, file: "attachment2_labeled_sample.csv", region: app.settings.region.value,
                now: Date(), on: app.db)
            // 留言编号 37042 appears twice with two different labels: the second row is refused.
            #expect(imported.imported == 394)
            #expect(imported.rejected == ["留言编号重复": 1])
            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            try await HotlineFixtures.handler(app, "zjj1", department: "ZJJ")
            try await HotlineFixtures.handler(app, "cgj1", department: "CGJ")
            let token = try await HotlineFixtures.token(app, "wechat-gateway")

            // 1. WeChat, through the API, with the channel recorded.
            CaseFixtures.setClock(app, "2025-03-10 20:15")
            let body = """
                {"channel":"wechat","appealType":"complaint","appellantName":"王建国","phone":"13800138000","content":"\(Self.streetLight)",
                 "address":"天城镇桃溪路","township":"421223100000","latitude":29.55,"longitude":114.05}
                """
            let created = try await app.testing().sendRequest(
                .POST, "/api/v1/work-orders",
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: ByteBuffer(string: body))
            #expect(created.status == .created)
            let dto = try created.json()
            #expect(dto["number"] as? String == "12345-20250310-00001")
            #expect(dto["channel"] as? String == "wechat")
            #expect(dto["appellantName"] as? String == "王*国")
            #expect(dto["phone"] as? String == "138****8000")
            let order = try #require(try await WorkOrder.query(on: app.db).first())

            // 2. The agent opens it: the classifier's top 3 include 城乡建设 (the real sample also files street lights under
            // 交通运输); the agent chooses 城市公共设施, and 县住建局, which owns street lighting, as the lead.
            CaseFixtures.setClock(app, "2025-03-11 08:40")
            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")
            let queues = try await agent.get("/hotline")
            #expect(queues.body.string.contains("<a href=\"/hotline?queue=toDispatch\">待派单 <strong>1</strong></a>"))
            #expect(try await agent.get("/hotline?queue=toDispatch").body.string.contains("12345-20250310-00001"))
            #expect(!(try await agent.get("/hotline?queue=toCallBack").body.string.contains("12345-20250310-00001")))
            let page = try await agent.get("/hotline/orders/\(order.id!.uuidString)")
            let hint = try #require(
                page.body.string.components(separatedBy: "<p class=\"hint\">推荐：").dropFirst().first?.components(separatedBy: "</p>").first)
            #expect(hint.contains("城乡建设（"))
            #expect(hint.components(separatedBy: "、").count == 3)
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            #expect(page.body.string.contains("王*国 · 138****8000"))
            let token1 = try #require(Browser.csrf(in: page.body.string))
            let category = try #require(try await HotlineCategory.query(on: app.db).filter(\.$path == "城乡建设/城市建设和市政管理/城市公共设施").first())
            let dispatched = try await agent.post(
                "/hotline/orders/\(order.id!.uuidString)/dispatch",
                form: [("csrfToken", token1), ("lead", zjj.id!.uuidString), ("category", category.id!.uuidString)])
            #expect(dispatched.status == .seeOther)

            // 3. 住建局 signs for it on its workbench and answers; 城管局 cannot see it.
            CaseFixtures.setClock(app, "2025-03-11 09:30")
            var handler = Browser(app)
            try await handler.signIn("zjj1", "test-pass-2025")
            let desk = try await handler.get("/hotline/desk")
            #expect(desk.body.string.contains("待签收（1）"))
            #expect(
                desk.body.string.contains("<span class=\"light green\">签收：正常</span> <small>2025-03-12 23:59:59</small>"),
                "\(desk.body.string)")
            let token2 = try await handler.csrfToken(from: "/hotline/orders/\(order.id!.uuidString)")
            #expect(
                try await handler.post("/hotline/orders/\(order.id!.uuidString)/sign-for", form: [("csrfToken", token2)]).status
                    == .seeOther)
            var other = Browser(app)
            try await other.signIn("cgj1", "test-pass-2025")
            #expect(try await other.get("/hotline/orders/\(order.id!.uuidString)").status == .forbidden)
            CaseFixtures.setClock(app, "2025-03-12 16:00")
            let replied = try await handler.post(
                "/hotline/orders/\(order.id!.uuidString)/reply",
                form: [("csrfToken", token2), ("reply", "经查系线路老化，已于3月12日更换电缆，路灯恢复照明。")])
            #expect(replied.status == .seeOther)
            let sms = try #require(try await OutboxMessage.query(on: app.db).filter(\.$template == "work_order.reply").first())
            #expect(sms.recipient == "13800138000")

            // 4. The agent calls back (满意) and closes it.
            CaseFixtures.setClock(app, "2025-03-13 10:00")
            #expect(
                try await agent.post(
                    "/hotline/orders/\(order.id!.uuidString)/callback",
                    form: [("csrfToken", token1), ("satisfaction", "satisfied"), ("note", "路灯已亮")]
                ).status == .seeOther)
            #expect(
                try await agent.post("/hotline/orders/\(order.id!.uuidString)/close", form: [("csrfToken", token1)]).status == .seeOther)
            let closed = try #require(try await WorkOrder.find(order.id!, on: app.db))
            #expect(closed.state == .closed)
            #expect(closed.satisfaction == .satisfied)
            let timeline = try await agent.get("/hotline/orders/\(order.id!.uuidString)")
            for step in [
                "受理工单 12345-20250310-00001（微信·投诉）", "派单：主办 县住建局；分类 城乡建设 › 城市建设和市政管理 › 城市公共设施；答复期限 5 个工作日",
                "主办单位签收", "答复（县住建局）：经查系线路老化", "回访：满意", "12345-20250310-00001 办结",
            ] {
                #expect(timeline.body.string.contains(step), "timeline lacks \(step)")
            }
            // The agent's category is training data now.
            #expect(try await HotlineTrainingExample.query(on: app.db).filter(\.$source == "order").count() == 1)

            // 5. Two more street-light appeals that month: the monthly report lists them as a hot topic.
            let service = try await HotlineFixtures.service(app)
            _ = try await service.register(HotlineFixtures.intake("桃溪路路灯坏了，晚上一片漆黑，出行很不安全，请尽快维修。"))
            _ = try await service.register(HotlineFixtures.intake("天城镇桃溪路的路灯坏了好几天了，晚上一片漆黑，请尽快维修。"))
            _ = try await service.register(HotlineFixtures.intake("咨询灵活就业人员如何缴纳养老保险", type: .inquiry))
            let report = try await agent.get("/hotline/report?month=2025-03")
            #expect(report.status == .ok)
            #expect(report.body.string.contains("本月受理工单 <strong>4</strong> 件"))
            let topics = try #require(
                report.body.string.components(separatedBy: "<ol class=\"topics\">").last?.components(separatedBy: "</ol>").first)
            #expect(topics.contains("· 3 件"))
            #expect(topics.contains("12345-20250310-00001"))
            #expect(report.body.string.contains("<td>签收率</td><td><strong>100.0%</strong></td><td>1/1</td>"))
            #expect(report.body.string.contains("<td>回访满意率</td><td><strong>100.0%</strong></td><td>1/1</td>"))
            let csv = try await agent.get("/hotline/report?month=2025-03&format=csv")
            #expect(csv.body.string.contains("\"来源渠道\",\"微信\",\"1\""))
        }
    }

    @Test("Smart dispatch: on the sample alone a street light ranks 交通运输 then 城乡建设; once agents have routed street lights, 县住建局")
    func streetLightRouting() async throws {
        try await withTestApp { app in
            let region = app.settings.region.value
            let sample = try CSVTable(
                text: String(
                    contentsOf: HotlineFixtures.messagesDirectory.appendingPathComponent("attachment2_labeled_sample.csv"), encoding: .utf8)
            )
            _ = try await HotlineImport.importSample(sample, file: "sample", region: region, now: Date(), on: app.db)
            let tree = try await HotlineCategoryTree.load(region: region, on: app.db)
            let complaint = "XX路路灯不亮已经一周了，晚上出行很不安全，请尽快维修"
            // The real sample labels street lights both ways (“整条街的路灯无人维护” is 交通运输, “公园路灯熄灯时间” 城乡建设).
            let before = try await app.hotlineDispatchModel.suggest(complaint, region: region, tree: tree, on: app.db)
            #expect(before.map(\.label) == ["交通运输", "城乡建设", "环境保护"])

            // The agents route three street-light calls to 城市公共设施 (their choices are training data) …
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let lights = try #require(tree.byPath["城乡建设/城市建设和市政管理/城市公共设施"])
            for text in ["天城镇桃溪路路灯不亮，晚上漆黑一片", "沙坪镇新街的路灯坏了好几盏，请维修", "白霓镇中学门口路灯一直不亮，学生放学不安全"] {
                _ = try await HotlineFixtures.service(app).register(
                    HotlineFixtures.intake(text), dispatch: .init(lead: zjj.id!, categoryID: lights))
            }
            // … and the next street-light complaint is routed there, to the department that owns street lighting.
            let after = try await app.hotlineDispatchModel.suggest(complaint, region: region, tree: tree, on: app.db)
            #expect(after.first?.label == "城乡建设 › 城市建设和市政管理 › 城市公共设施")
            #expect(after.first?.departmentID == zjj.id)
            #expect(zjj.shortName == "县住建局")
        }
    }

    @Test("Import of 附件4: 2,815 closed orders and 1 rejected with its reason; a second run adds nothing; November 2018's report")
    func importAndReport() async throws {
        try await withTestApp { app in
            let table = try CSVTable(
                text: String(
                    contentsOf: HotlineFixtures.messagesDirectory.appendingPathComponent("attachment4_messages_with_replies.csv"),
                    encoding: .utf8))
            CaseFixtures.setClock(app, "2025-03-01 09:00")
            let service = try await HotlineFixtures.service(app, actor: .commandLine)
            let report = try await HotlineImport.importMessages(
                table, file: "attachment4", prefix: "teddycup-a4", service: service,
                model: app.hotlineDispatchModel)
            #expect(report.rows == 2816)
            #expect(report.imported == 2815)
            #expect(report.rejected == ["答复时间无法识别": 1])
            #expect(try await WorkOrder.query(on: app.db).filter(\.$state == .closed).count() == 2815)
            let first = try #require(try await WorkOrder.query(on: app.db).filter(\.$sourceRef == "teddycup-a4:2549").first())
            #expect(first.content.hasPrefix("2019年4月以来，位于A市A2区桂花坪街道"))
            #expect(HotlineFixtures.formatted(first.receivedAt) == "2019-04-25 09:32:09")
            #expect(HotlineFixtures.formatted(first.repliedAt) == "2019-05-10 14:56:53")
            let again = try await HotlineImport.importMessages(
                table, file: "attachment4", prefix: "teddycup-a4", service: service,
                model: app.hotlineDispatchModel)
            #expect(again.imported == 0)
            #expect(again.skipped == 2815)

            let november = try await HotlineMonthlyReport.build(
                first: LocalDate(year: 2018, month: 11, day: 1)!, region: app.settings.region.value,
                zone: app.settings.timeZone, now: app.clock.now, on: app.db)
            #expect(november.received == 114)
            #expect(november.repliedCount == 93)
            #expect(november.replyMedianHours.map { String(format: "%.2f", $0) } == "305.15")
            #expect(november.replyP90Hours.map { String(format: "%.2f", $0) } == "1070.29")
            #expect(november.repliedWithin5Days == 17)
            #expect(november.byChannel.map(\.label) == ["网站"])
            // The month's hot topics are appeals posted again and again: 5 topics of 2 or more that November.
            #expect(november.topics.map(\.count) == [3, 3, 2, 2, 2])
            #expect(november.topics.first?.label == "K7县人民反对拆除五一桥来建商业廊桥")
            #expect(november.topics.first?.examples.count == 3)

            var admin = Browser(app)
            try await makeStaff(app, username: "director1", roles: [.director])
            try await admin.signIn("director1", "test-pass-2025")
            let page = try await admin.get("/hotline/report?month=2018-11")
            #expect(page.body.string.contains("受理到答复用时中位数 <strong>12.7 天</strong>，90% 分位 <strong>44.6 天</strong>；5 个自然日内答复 18.3%（17/93）"))
        }
    }
}
