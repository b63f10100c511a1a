import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Cases: deadlines, pauses, limits, concurrency (API)")
struct CaseDeadlineTests {
    @Test("Accepted Fri 2025-09-26, promised 3 working days → due 2025-09-30 23:59:59 +08:00")
    func fridayAcceptance() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-09-26 10:00")
            let response = try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001")
            #expect(response.status == .created)
            let record = try CaseFixtures.caseJSON(response)
            #expect(record["caseNumber"] as? String == "421223-20250926-00001")
            #expect(record["state"] as? String == "accepted")
            #expect(record["acceptedOn"] as? String == "2025-09-26")
            #expect(record["promisedDays"] as? Double == 3)
            #expect(record["dueAt"] as? String == "2025-09-30T23:59:59+08:00")
            // 法定 20 working days over the National Day holiday (10-01..10-08 off, 09-28 and 10-11 make-up days).
            #expect(record["statutoryDueAt"] as? String == "2025-10-30T23:59:59+08:00")
            #expect(record["applicant"] as? [String: String] == ["kind": "person", "name": "张*明", "idNumber": "1101**********1028"])
        }
    }

    @Test("Accepted Mon 2025-03-03, promised 5; 补正 03-04 to 03-07; limit changed to 7 → due 2025-03-17; pausing a paused case → 409")
    func pausesAndLimitChange() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let approver = try await CaseFixtures.token(app, "approver1", roles: [.approver])
            let supervisor = try await CaseFixtures.token(app, "super1", roles: [.supervisor])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let created = try CaseFixtures.caseJSON(try await CaseFixtures.create(app, token: clerk, itemCode: "421223JTYS0001"))
            let number = try #require(created["caseNumber"] as? String)
            #expect(created["dueAt"] as? String == "2025-03-10T23:59:59+08:00")
            #expect(try await CaseFixtures.act(app, token: approver, number: number, "take").status == .ok)

            CaseFixtures.setClock(app, "2025-03-04 10:00")
            let paused = try await CaseFixtures.act(
                app, token: approver, number: number, "pause", ["reason": "correction", "note": "补充车辆行驶证"])
            #expect(paused.status == .ok)
            #expect(try paused.json()["state"] as? String == "paused")
            #expect(try paused.json()["dueAt"] is NSNull || (try paused.json()["dueAt"]) == nil)
            let again = try await CaseFixtures.act(
                app, token: approver, number: number, "pause", ["reason": "specialProcedure", "note": "专家评审"])
            #expect(again.status == .conflict)
            #expect(try again.errorPayload()["code"] == "invalid_transition")
            #expect(try again.errorPayload()["message"] == "该办件已在暂停计时中，不能重复暂停（当前经办人：测试approver1）")

            CaseFixtures.setClock(app, "2025-03-07 09:00")
            let resumed = try await CaseFixtures.act(app, token: approver, number: number, "resume")
            #expect(try resumed.json()["dueAt"] as? String == "2025-03-13T23:59:59+08:00")
            // Only a supervisor changes a limit.
            #expect(
                try await CaseFixtures.act(app, token: approver, number: number, "change-limit", ["limit": 7, "note": "经批准延长"]).status
                    == .forbidden)
            let changed = try await CaseFixtures.act(app, token: supervisor, number: number, "change-limit", ["limit": 7, "note": "经批准延长"])
            #expect(changed.status == .ok)
            let json = try changed.json()
            #expect(json["dueAt"] as? String == "2025-03-17T23:59:59+08:00")
            #expect(json["promisedDays"] as? Double == 7)
            #expect((json["pauses"] as? [[String: Any]])?.first?["from"] as? String == "2025-03-04")
            #expect((json["pauses"] as? [[String: Any]])?.first?["until"] as? String == "2025-03-07")
            // Above the statutory limit (20) is refused on the field.
            let tooLong = try await CaseFixtures.act(app, token: supervisor, number: number, "change-limit", ["limit": 21, "note": "x"])
            #expect(tooLong.status == .badRequest)
            #expect(try tooLong.errorPayload()["field"] == "limit")

            // Every transition is one audit event on the case.
            let record = try #require(try await Case.query(on: app.db).filter(\.$caseNumber == number).first())
            let actions = try await AuditEvent.query(on: app.db).filter(\.$entityID == record.id!.uuidString).sort(\.$occurredAt).all().map(
                \.action)
            #expect(actions == ["case.accept", "case.take", "case.pause", "case.resume", "case.change_limit"])
        }
    }

    @Test("20 concurrent accepts of one online case → exactly one 200, the others 409 naming who accepted")
    func concurrentAccept() async throws {
        try await withTestApp { app in
            var tokens: [String] = []
            for index in 0..<20 { tokens.append(try await CaseFixtures.token(app, "clerk\(index)", roles: [.clerk])) }
            CaseFixtures.setClock(app, "2025-06-03 09:00")
            let (item, requirements) = try #require(try await CaseIntake.item(code: "421223SCJG0001", region: "421223000000", on: app.db))
            var raw = RawApplication(applicantKind: "person", idNumber: "110105199003071028", name: "张三明", phone: "13800138000")
            for requirement in requirements { raw.materials[requirement.id!] = .init(provision: "original") }
            let (application, _) = try await CaseIntake.validate(
                raw, item: item, requirements: requirements, on: app.db, region: "421223000000")
            let service = CaseService(try await ServiceContext(app, actor: .system), staff: nil)
            let submitted = try await service.submitOnline(try #require(application))
            #expect(submitted.state == .submitted)
            let statuses = try await withThrowingTaskGroup(of: (HTTPStatus, String?).self) { group in
                for token in tokens {
                    group.addTask {
                        let response = try await CaseFixtures.act(app, token: token, number: submitted.caseNumber, "accept")
                        return (response.status, response.status == .ok ? nil : try response.errorPayload()["message"])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0.0 == .ok }.count == 1)
            #expect(statuses.filter { $0.0 == .conflict }.count == 19)
            let winner = try #require(try await Case.find(submitted.id, on: app.db)?.acceptedBy)
            #expect(statuses.compactMap(\.1).allSatisfy { $0 == "办件当前为“已受理，待审查”，不能执行“受理”（当前经办人：\(winner)）" })
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "case.accept").count() == 1)
        }
    }

    @Test("50 clerks accepting 50 different cases at once → 50 distinct consecutive numbers")
    func fiftyConcurrentNumbers() async throws {
        try await withTestApp { app in
            var tokens: [String] = []
            for index in 0..<50 { tokens.append(try await CaseFixtures.token(app, "clerk\(index)", roles: [.clerk])) }
            CaseFixtures.setClock(app, "2025-03-05 09:00")
            let materials = try await CaseFixtures.materials(app, itemCode: "421223YJGL0001")
            let numbers = try await withThrowingTaskGroup(of: String?.self) { group in
                for (index, token) in tokens.enumerated() {
                    group.addTask {
                        let id = Self.residentID(serial: index)
                        let body = try CaseFixtures.body([
                            "itemCode": "421223YJGL0001", "idNumber": id, "name": "申请人\(index)", "phone": "13800138000",
                            "materials": materials,
                        ])
                        let response = try await app.testing().sendRequest(
                            .POST, "/api/v1/cases", headers: CaseFixtures.headers(token), body: body)
                        return try CaseFixtures.caseJSON(response)["caseNumber"] as? String
                    }
                }
                return try await group.reduce(into: [String]()) { if let number = $1 { $0.append(number) } }
            }
            #expect(numbers.count == 50)
            #expect(numbers.sorted() == (1...50).map { String(format: "421223-20250305-%05d", $0) })
        }
    }

    /// A valid 身份证号 born 1990-03-07 with sequence `serial`.
    static func residentID(serial: Int) -> String {
        let body = "11010519900307" + String(format: "%03d", serial + 100)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return body + String(Array("10X98765432")[sum % 11])
    }
}
