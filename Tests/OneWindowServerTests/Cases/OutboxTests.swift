import Fluent
import Foundation
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Notifications: the applicant is told, through the outbox")
struct OutboxTests {
    actor Recorder: Notifier {
        var sent: [(String, String)] = []
        var failNext = false

        func failOnce() { failNext = true }

        func send(_ message: OutboxMessage, logger: Logger) async throws {
            if failNext {
                failNext = false
                throw PlatformError.conflict("gateway down")
            }
            sent.append((message.recipient, message.body))
        }
    }

    @Test("Acceptance, 补正 (with what to add) and completion each queue one SMS in their transaction; a failed send is retried")
    func messages() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let approver = try await CaseFixtures.token(app, "approver1", roles: [.approver])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let number = try #require(
                try CaseFixtures.caseJSON(try await CaseFixtures.create(app, token: clerk, itemCode: "421223JTYS0001"))["caseNumber"]
                    as? String)
            _ = try await CaseFixtures.act(app, token: approver, number: number, "take")
            _ = try await CaseFixtures.act(app, token: approver, number: number, "pause", ["note": "补充车辆行驶证"])
            // A refused action queues nothing.
            _ = try await CaseFixtures.act(app, token: approver, number: number, "pause", ["note": "again"])
            let queued = try await OutboxMessage.query(on: app.db).sort(\.$createdAt).all()
            #expect(queued.map(\.template) == ["case.accepted", "case.correction"])
            #expect(queued.map(\.status) == [.pending, .pending])

            let recorder = Recorder()
            await recorder.failOnce()
            #expect(try await Outbox.drain(app.db, notifier: recorder, logger: app.logger) == 1)
            #expect(try await Outbox.drain(app.db, notifier: recorder, logger: app.logger) == 1)
            #expect(try await Outbox.drain(app.db, notifier: recorder, logger: app.logger) == 0)
            let sent = await recorder.sent
            #expect(sent.map(\.0) == ["13800138000", "13800138000"])
            #expect(
                Set(sent.map(\.1)) == [
                    "【崇阳县政务服务中心】您申请的“道路货物运输经营许可（道路普通货物运输经营许可（新办））”已受理，办件编号 \(number)，承诺 2025-03-10 23:59:59 前办结。凭办件编号和手机后4位可查询进度。",
                    "【崇阳县政务服务中心】您的办件 \(number)（道路货物运输经营许可（道路普通货物运输经营许可（新办）））需要补正：补充车辆行驶证。补正期间不计入办理时限，请到综合窗口或网上补交。",
                ])
            let after = try await OutboxMessage.query(on: app.db).all()
            #expect(after.allSatisfy { $0.status == .sent })
            #expect(after.map(\.attempts).sorted() == [1, 2])
        }
    }
}
