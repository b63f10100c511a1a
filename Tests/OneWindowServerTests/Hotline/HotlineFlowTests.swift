import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("12345 work orders: limits on the working-day calendar, 退单, extension, 重办, 并单, numbering")
struct HotlineFlowTests {
    @Test("Dispatched Fri 2025-03-07: 签收 by Mon 03-10, a 投诉 answered by Fri 03-14, a 咨询 by Wed 03-12, an emergency the same day")
    func limits() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let service = try await HotlineFixtures.service(app)
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let complaint = try await service.register(HotlineFixtures.intake("路灯不亮已经一周了"), dispatch: .init(lead: zjj.id!))
            #expect(complaint.number == "12345-20250307-00001")
            #expect(complaint.state == .dispatched)
            #expect(HotlineFixtures.formatted(complaint.signDueAt) == "2025-03-10 23:59:59")
            #expect(HotlineFixtures.formatted(complaint.replyDueAt) == "2025-03-14 23:59:59")
            #expect(complaint.replyLimitDays == 5)
            let question = try await service.register(HotlineFixtures.intake("请问路灯归哪个部门管", type: .inquiry), dispatch: .init(lead: zjj.id!))
            #expect(question.number == "12345-20250307-00002")
            #expect(HotlineFixtures.formatted(question.replyDueAt) == "2025-03-12 23:59:59")
            var urgent = HotlineFixtures.intake("井盖丢失有人掉下去的危险", type: .report)
            urgent.urgency = .emergency
            let emergency = try await service.register(urgent, dispatch: .init(lead: zjj.id!))
            #expect(HotlineFixtures.formatted(emergency.replyDueAt) == "2025-03-07 23:59:59")
            let assignments = try await WorkOrderAssignment.query(on: app.db).filter(\.$workOrder.$id == complaint.id!).all()
            #expect(assignments.map(\.role) == [.lead])
            // The dispatch taught the classifier nothing yet (no category); a category makes a training example.
            #expect(try await HotlineTrainingExample.query(on: app.db).count() == 0)
        }
    }

    @Test("退单 within 2 working days is accepted and re-dispatched; on day 3 it is refused; only the lead may return")
    func returnOrder() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let cgj = try await HotlineFixtures.department(app, "CGJ")
            let order = try await HotlineFixtures.service(app).register(
                HotlineFixtures.intake("占道经营堵塞交通"),
                dispatch: .init(lead: zjj.id!, helpers: [cgj.id!]))
            await #expect(throws: HotlineError.notAssigned("只有主办单位可以退单，协办单位请与主办单位联系")) {
                _ = try await HotlineFixtures.service(app).returnOrder(order.id!, department: cgj.id!, reason: "不归我们管")
            }
            await #expect(throws: PlatformError.invalidField(.init(field: "reason", message: "请填写退单理由"))) {
                _ = try await HotlineFixtures.service(app).returnOrder(order.id!, department: zjj.id!, reason: "  ")
            }
            CaseFixtures.setClock(app, "2025-03-11 17:00")
            let returned = try await HotlineFixtures.service(app).returnOrder(order.id!, department: zjj.id!, reason: "占道经营属城管执法")
            #expect(returned.state == .returned)
            #expect(returned.returnReason == "占道经营属城管执法")
            let again = try await HotlineFixtures.service(app).dispatch(order.id!, .init(lead: cgj.id!))
            #expect(again.state == .dispatched)
            #expect(HotlineFixtures.formatted(again.signDueAt) == "2025-03-12 23:59:59")
            let active = try await WorkOrderAssignment.query(on: app.db).filter(\.$workOrder.$id == order.id!).filter(\.$active == true)
                .all()
            #expect(active.map(\.$department.id) == [cgj.id!])
            // 改派 on Tue 03-11: the return limit runs to Thu 03-13; on Fri 03-14 it is refused.
            CaseFixtures.setClock(app, "2025-03-14 09:00")
            await #expect(throws: HotlineError.refused("已超过退单期限（派单后 2 个工作日内），请继续办理或申请延期")) {
                _ = try await HotlineFixtures.service(app).returnOrder(order.id!, department: cgj.id!, reason: "再退")
            }
        }
    }

    @Test("One extension, asked before expiry: +3 moves the reply deadline from 03-14 to 03-19; a second or a late one is refused")
    func oneExtension() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let order = try await HotlineFixtures.service(app).register(
                HotlineFixtures.intake("小区路面塌陷需要修复"), dispatch: .init(lead: zjj.id!))
            _ = try await HotlineFixtures.service(app).signFor(order.id!, department: zjj.id!)
            await #expect(throws: PlatformError.invalidField(.init(field: "days", message: "延期天数须为 1 至 10 个工作日"))) {
                _ = try await HotlineFixtures.service(app).requestExtension(order.id!, department: zjj.id!, days: 11, reason: "需要招标")
            }
            CaseFixtures.setClock(app, "2025-03-13 16:00")
            let asked = try await HotlineFixtures.service(app).requestExtension(order.id!, department: zjj.id!, days: 3, reason: "需要施工队排期")
            #expect(asked.extensionRequestedDays == 3)
            let approved = try await HotlineFixtures.service(app).decideExtension(order.id!, approve: true)
            #expect(approved.extendedDays == 3)
            #expect(HotlineFixtures.formatted(approved.replyDueAt) == "2025-03-19 23:59:59")
            await #expect(throws: PlatformError.invalidField(.init(field: "days", message: "每张工单只能申请一次延期"))) {
                _ = try await HotlineFixtures.service(app).requestExtension(order.id!, department: zjj.id!, days: 1, reason: "再等等")
            }

            let late = try await HotlineFixtures.service(app).register(HotlineFixtures.intake("路边树木倒伏"), dispatch: .init(lead: zjj.id!))
            _ = try await HotlineFixtures.service(app).signFor(late.id!, department: zjj.id!)
            CaseFixtures.setClock(app, "2025-03-21 09:00")
            await #expect(throws: PlatformError.invalidField(.init(field: "days", message: "已超过答复期限，不能再申请延期，须在到期前申请"))) {
                _ = try await HotlineFixtures.service(app).requestExtension(late.id!, department: zjj.id!, days: 2, reason: "晚了")
            }
        }
    }

    @Test("不满意 reopens once (重办, a new reply deadline); the second 不满意 is recorded and the order closes")
    func reopenOnce() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let order = try await HotlineFixtures.service(app).register(HotlineFixtures.intake("楼下餐馆油烟扰民"), dispatch: .init(lead: zjj.id!))
            _ = try await HotlineFixtures.service(app).signFor(order.id!, department: zjj.id!)
            CaseFixtures.setClock(app, "2025-03-12 15:00")
            let replied = try await HotlineFixtures.service(app).reply(order.id!, text: "已约谈餐馆业主，限期安装油烟净化器。", department: zjj.id!)
            #expect(HotlineFixtures.formatted(replied.callbackDueAt) == "2025-03-14 23:59:59")
            await #expect(throws: HotlineError.transition(.init(action: .close, state: .replied, message: "诉求人留有电话，须先回访再办结"))) {
                _ = try await HotlineFixtures.service(app).close(order.id!)
            }
            CaseFixtures.setClock(app, "2025-03-13 10:00")
            let reopened = try await HotlineFixtures.service(app).callback(order.id!, satisfaction: .dissatisfied, note: "油烟依旧")
            #expect(reopened.state == .handling)
            #expect(reopened.reopenCount == 1)
            #expect(HotlineFixtures.formatted(reopened.replyDueAt) == "2025-03-20 23:59:59")
            _ = try await HotlineFixtures.service(app).reply(order.id!, text: "净化器已安装并复查合格。", department: zjj.id!)
            let second = try await HotlineFixtures.service(app).callback(order.id!, satisfaction: .dissatisfied, note: "仍不满意")
            #expect(second.state == .calledBack)
            #expect(second.satisfaction == .dissatisfied)
            let closed = try await HotlineFixtures.service(app).close(order.id!)
            #expect(closed.state == .closed)
            let sms = try await OutboxMessage.query(on: app.db).filter(\.$template == "work_order.reply").count()
            #expect(sms == 2)
        }
    }

    @Test("并单: the merged appellant gets the master's reply by SMS, and closes with it; an anonymous order closes without callback")
    func merge() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let service = try await HotlineFixtures.service(app)
            let master = try await service.register(HotlineFixtures.intake("桃溪路路灯坏了一周"), dispatch: .init(lead: zjj.id!))
            let duplicate = try await service.register(
                HotlineFixtures.intake("桃溪路的路灯一直不亮", phone: "13900139000", name: "李梅"),
                then: .merge(into: master.id!))
            #expect(duplicate.state == .merged)
            #expect(duplicate.$mergedInto.id == master.id)
            #expect(duplicate.number == "12345-20250307-00002")
            _ = try await service.signFor(master.id!, department: zjj.id!)
            _ = try await service.reply(master.id!, text: "路灯已于今日修复。", department: zjj.id!)
            let messages = try await OutboxMessage.query(on: app.db).filter(\.$template == "work_order.reply").all().sorted {
                $0.recipient < $1.recipient
            }
            #expect(messages.map(\.recipient) == ["13800138000", "13900139000"])
            #expect(messages.last?.body == "【崇阳县政务服务中心】您的 12345 诉求（12345-20250307-00002）已答复：路灯已于今日修复。 如有疑问请致电 12345。")
            _ = try await service.callback(master.id!, satisfaction: .satisfied, note: "")
            _ = try await service.close(master.id!)
            let reloaded = try #require(try await WorkOrder.find(duplicate.id!, on: app.db))
            #expect(reloaded.closedAt != nil)
            #expect(reloaded.reply == "路灯已于今日修复。")

            let anonymous = try await service.register(
                HotlineFixtures.intake("请问办居住证要带什么", type: .inquiry, phone: nil, name: nil),
                then: .answer("带身份证和居住证明到派出所户籍窗口办理。"))
            #expect(anonymous.state == .replied)
            #expect(anonymous.repliedBy == "12345热线")
            #expect(try await service.close(anonymous.id!).state == .closed)
        }
    }

    @Test("30 concurrent appeals over the API get 12345-20250307-00001…00030: no duplicate, no gap")
    func concurrentNumbers() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-07 10:00")
            let token = try await HotlineFixtures.token(app, "wechat-gateway")
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for index in 1...30 {
                    group.addTask {
                        let body = #"{"channel":"wechat","appealType":"help","content":"第\#(index)位市民反映小区停水","phone":"13800138000"}"#
                        return try await app.testing().sendRequest(
                            .POST, "/api/v1/work-orders",
                            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                            body: ByteBuffer(string: body)
                        ).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created })
            let numbers = try await WorkOrder.query(on: app.db).all().map(\.number).sorted()
            #expect(numbers == (1...30).map { String(format: "12345-20250307-%05d", $0) })
            #expect(try await WorkOrder.query(on: app.db).filter(\.$channel == .wechat).count() == 30)
        }
    }

    @Test("API input errors name the field: lat outside the county, a bad phone, a wrong JSON type, a phone-line channel")
    func apiErrors() async throws {
        try await withTestApp { app in
            let token = try await HotlineFixtures.token(app, "app-gateway")
            func post(_ body: String) async throws -> (HTTPStatus, [String: String]) {
                let response = try await app.testing().sendRequest(
                    .POST, "/api/v1/work-orders",
                    headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: ByteBuffer(string: body))
                return (response.status, try response.errorPayload())
            }
            let (s1, e1) = try await post(#"{"appealType":"complaint","content":"路灯不亮很久了","latitude":39.9,"longitude":116.4}"#)
            #expect(s1 == .badRequest)
            #expect(e1["field"] == "latitude")
            #expect(e1["message"] == "位置不在本县范围内（纬度 28.9–29.8）")
            let (s2, e2) = try await post(#"{"appealType":"complaint","content":"路灯不亮很久了","phone":"12345"}"#)
            #expect(s2 == .badRequest)
            #expect(e2["field"] == "phone")
            let (s3, e3) = try await post(#"{"appealType":"complaint","content":"路灯不亮很久了","latitude":"abc"}"#)
            #expect(s3 == .badRequest)
            #expect(e3["field"] == "latitude")
            let (s4, e4) = try await post(#"{"channel":"phone","appealType":"complaint","content":"路灯不亮很久了"}"#)
            #expect(s4 == .badRequest)
            #expect(e4["field"] == "channel")
            let (s6, e6) = try await post(#"{"appealType":"help","content":"小区停水三天了","urgency":""}"#)
            #expect(s6 == .badRequest)
            #expect(e6["field"] == "urgency")
            let (s5, e5) = try await post(#"{"appealType":"praise","content":"好"}"#)
            #expect(s5 == .badRequest)
            #expect(e5["field"] == "content")
            #expect(try await WorkOrder.query(on: app.db).count() == 0)
            let unauthorised = try await app.testing().sendRequest(
                .POST, "/api/v1/work-orders", headers: ["Content-Type": "application/json"],
                body: ByteBuffer(string: "{}"))
            #expect(unauthorised.status == .unauthorized)
        }
    }
}
