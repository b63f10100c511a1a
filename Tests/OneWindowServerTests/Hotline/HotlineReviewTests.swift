import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("12345: what the reviews found — privacy of merged replies, extension and merge rules, double submits")
struct HotlineReviewTests {
    @Test("A merged appellant's SMS and status page mask the first appellant's name, phone and ID; the first appellant's does not")
    func mergedReplyIsMasked() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let service = try await HotlineFixtures.service(app)
            let master = try await service.register(HotlineFixtures.intake("桃溪路路灯坏了一周"), dispatch: .init(lead: zjj.id!))
            let other = try await service.register(
                HotlineFixtures.intake("桃溪路的路灯一直不亮", phone: "13900139000", name: "李梅"),
                then: .merge(into: master.id!))
            _ = try await service.signFor(master.id!, department: zjj.id!)
            _ = try await service.reply(master.id!, text: "王建国先生您好，已修复。如有问题请拨打0715-3321999或13800138000。", department: zjj.id!)
            let messages = try await OutboxMessage.query(on: app.db).filter(\.$template == "work_order.reply").all().sorted {
                $0.recipient < $1.recipient
            }
            #expect(
                messages.map(\.body) == [
                    // An SMS is a public surface: the appellant's own reply is masked too (issue 15).
                    "【崇阳县政务服务中心】您的 12345 诉求（12345-20250307-00001）已答复：王*国先生您好，已修复。如有问题请拨打0715-33*****或138****8000。 如有疑问请致电 12345。",
                    "【崇阳县政务服务中心】您的 12345 诉求（12345-20250307-00002）已答复：王*国先生您好，已修复。如有问题请拨打0715-33*****或138****8000。 如有疑问请致电 12345。",
                ])
            var citizen = Browser(app)
            let status = try await citizen.get("/hotline/status?number=\(other.number)&phone4=9000")
            #expect(status.body.string.contains("王*国先生您好，已修复。如有问题请拨打0715-33*****或138****8000。"))
            #expect(!status.body.string.contains("13800138000"))
        }
    }

    @Test("The status page masks the appellant's own name in the title and the reply, and cuts the title after masking")
    func status_page_masks_the_appellants_own_name_and_cuts_after_masking() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let service = try await HotlineFixtures.service(app)
            // The intake's title is the content's first 20 characters: it ends inside the ID number.
            let order = try await service.register(
                HotlineFixtures.intake("王建国反映路灯不亮，身份证号110105199003071028，请尽快修复", phone: "13900139000"),
                dispatch: .init(lead: zjj.id!))
            #expect(order.title == "王建国反映路灯不亮，身份证号110105")
            _ = try await service.signFor(order.id!, department: zjj.id!)
            _ = try await service.reply(order.id!, text: "王建国您好：路灯已修复。", department: zjj.id!)
            var citizen = Browser(app)
            let html = try await citizen.get("/hotline/status?number=\(order.number)&phone4=9000").body.string
            #expect(html.contains("王*国反映路灯不亮，身份证号1101**"))
            #expect(html.contains("王*国您好：路灯已修复。"))
            #expect(!html.contains("王建国"))
            #expect(!html.contains("110105"))
        }
    }

    @Test("An extension is decided only while the order is in hand; a refusal uses up the one request; no merge into an answered order")
    func extensionAndMergeRules() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let service = try await HotlineFixtures.service(app)
            let order = try await service.register(HotlineFixtures.intake("小区路面塌陷需要修复"), dispatch: .init(lead: zjj.id!))
            _ = try await service.signFor(order.id!, department: zjj.id!)
            _ = try await service.requestExtension(order.id!, department: zjj.id!, days: 10, reason: "需要招标")
            _ = try await service.reply(order.id!, text: "已列入本月维修计划。", department: zjj.id!)
            await #expect(throws: HotlineError.refused("工单“已答复待回访”，延期申请已无需审批")) {
                _ = try await service.decideExtension(order.id!, approve: true)
            }
            #expect(HotlineFixtures.formatted(try await WorkOrder.find(order.id!, on: app.db)?.replyDueAt) == "2025-03-14 23:59:59")

            let second = try await service.register(HotlineFixtures.intake("路边树木倒伏"), dispatch: .init(lead: zjj.id!))
            _ = try await service.requestExtension(second.id!, department: zjj.id!, days: 2, reason: "等待园林队")
            let refused = try await service.decideExtension(second.id!, approve: false)
            #expect(refused.extendedDays == 0)
            await #expect(throws: PlatformError.invalidField(.init(field: "days", message: "每张工单只能申请一次延期"))) {
                _ = try await service.requestExtension(second.id!, department: zjj.id!, days: 2, reason: "再申请")
            }

            await #expect(throws: HotlineError.refused("工单 12345-20250307-00001“已答复待回访”，不能并入")) {
                _ = try await service.register(HotlineFixtures.intake("路面塌陷"), then: .merge(into: order.id!))
            }
            // The refused merge wrote nothing: no third order, the counter unchanged.
            #expect(try await WorkOrder.query(on: app.db).count() == 2)
        }
    }

    @Test("The call form submitted twice (one form, one key) registers one order; the agent answers only 咨询/求助/表扬 on the spot")
    func doubleSubmitAndDirectAnswer() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")
            let form = try await agent.get("/hotline/new")
            let token = try #require(Browser.csrf(in: form.body.string))
            let key = try #require(form.body.string.components(separatedBy: "name=\"intakeKey\" value=\"").dropFirst().first?.prefix(36))
            let fields = [
                ("csrfToken", token), ("intakeKey", String(key)), ("action", "save"), ("channel", "phone"), ("appealType", "complaint"),
                ("phone", "13800138000"), ("content", "桃溪路路灯不亮已经一周了"), ("lead", zjj.id!.uuidString),
                (
                    "categoryOther",
                    try #require(try await HotlineCategory.query(on: app.db).filter(\.$path == "城乡建设").first()?.id?.uuidString)
                ),
            ]
            let first = try await agent.post("/hotline/new", form: fields)
            let second = try await agent.post("/hotline/new", form: fields)
            #expect(first.status == .seeOther)
            #expect(second.headers.first(name: .location) == first.headers.first(name: .location))
            #expect(try await WorkOrder.query(on: app.db).count() == 1)

            let answered = try await agent.post(
                "/hotline/new",
                form: [
                    ("csrfToken", token), ("action", "save"), ("channel", "phone"), ("appealType", "complaint"),
                    ("content", "投诉邻居装修噪音扰民"), ("answer", "已告知物业处理"),
                ])
            #expect(answered.status == .conflict)
            #expect(answered.body.string.contains("投诉类诉求须派单由承办单位答复；热线只当场答复咨询、求助和表扬"))
            #expect(answered.body.string.contains("投诉邻居装修噪音扰民"))
            #expect(try await WorkOrder.query(on: app.db).count() == 1)

            // A form without its channel, or with coordinates in hex, is refused field by field.
            let bad = try await agent.post(
                "/hotline/new",
                form: [
                    ("csrfToken", token), ("action", "save"), ("appealType", "help"),
                    ("content", "小区停水三天了"), ("latitude", "0x1Dp0"), ("longitude", "114.05"),
                ])
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("<p class=\"error\">请选择来源渠道</p>"))
            #expect(bad.body.string.contains("<p class=\"error\">纬度须为十进制数字（如 29.55）</p>"))
        }
    }

    @Test("The public form takes 10 appeals per phone an hour, then 429; a search for % finds nothing it should not")
    func appealFlood() async throws {
        try await withTestApp { app in
            var citizen = Browser(app)
            let token = try await citizen.csrfToken(from: "/hotline/appeal")
            var statuses: [HTTPStatus] = []
            for index in 1...11 {
                statuses.append(
                    try await citizen.post(
                        "/hotline/appeal",
                        form: [
                            ("csrfToken", token), ("appealType", "help"),
                            ("phone", "13800138000"), ("content", "第\(index)次反映小区停水"),
                        ]
                    ).status)
            }
            #expect(statuses == Array(repeating: .seeOther, count: 10) + [.tooManyRequests])
            #expect(try await WorkOrder.query(on: app.db).count() == 10)
            #expect(try await WorkOrder.query(on: app.db).filter(\.$channel == .website).filter(\.$urgency == .normal).count() == 10)

            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")
            #expect(try await agent.get("/hotline?q=%25").body.string.contains("共 10 张"))
            #expect(try await agent.get("/hotline?q=%25停电").body.string.contains("没有符合条件的工单"))
        }
    }

    @Test("A NUL typed into an appeal is removed on input, so the stored text is whole (content=abc%00def)")
    func a_nul_character_is_removed_on_input_not_stored_to_cut_the_text() async throws {
        try await withTestApp { app in
            var citizen = Browser(app)
            let token = try await citizen.csrfToken(from: "/hotline/appeal")
            let response = try await citizen.post(
                "/hotline/appeal",
                form: [("csrfToken", token), ("appealType", "help"), ("phone", "13800138000"), ("content", "小区停水abc\u{0}def，请尽快处理")])
            #expect(response.status == .seeOther)
            let order = try #require(try await WorkOrder.query(on: app.db).first())
            #expect(order.content == "小区停水abcdef，请尽快处理")
            #expect(order.title == "小区停水abcdef，请尽快处理")
        }
    }

    @Test("The work-order API shows only orders that came in through such channels, with texts masked")
    func apiReadsOnlyItsChannels() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let token = try await HotlineFixtures.token(app, "app-gateway")
            let phoneCall = try await HotlineFixtures.service(app).register(HotlineFixtures.intake("王建国反映，电话0715-3321888"))
            let hidden = try await app.testing().sendRequest(
                .GET, "/api/v1/work-orders/\(phoneCall.number)", headers: ["Authorization": "Bearer \(token)"])
            #expect(hidden.status == .notFound)
            var viaApp = HotlineFixtures.intake("王建国反映，电话0715-3321888", channel: .app)
            viaApp.title = "王建国反映"
            let order = try await HotlineFixtures.service(app).register(viaApp)
            let shown = try await app.testing().sendRequest(
                .GET, "/api/v1/work-orders/\(order.number)", headers: ["Authorization": "Bearer \(token)"])
            let dto = try shown.json()
            #expect(dto["content"] as? String == "王*国反映，电话0715-33*****")
            #expect(dto["title"] as? String == "王*国反映")
        }
    }
}
