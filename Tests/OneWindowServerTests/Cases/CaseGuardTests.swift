import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Cases: who may do what, and what an attacker cannot change")
struct CaseGuardTests {
    @Test("An online application does not overwrite the applicant's name and phone recorded at the window")
    func onlineDoesNotOverwrite() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-06-03 09:00")
            _ = try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001")
            let (item, requirements) = try #require(try await CaseIntake.item(code: "421223SCJG0001", region: "421223000000", on: app.db))
            var raw = RawApplication(applicantKind: "person", idNumber: "110105199003071028", name: "冒名者", phone: "13000000000")
            for requirement in requirements { raw.materials[requirement.id!] = .init(provision: "original") }
            let (application, _) = try await CaseIntake.validate(
                raw, item: item, requirements: requirements, on: app.db, region: "421223000000")
            let service = CaseService(try await ServiceContext(app, actor: .system), staff: nil)
            let online = try await service.submitOnline(try #require(application))
            let applicants = try await Applicant.query(on: app.db).all()
            #expect(applicants.map(\.name) == ["张三明"])
            #expect(applicants.map(\.phone) == ["13800138000"])
            // The online case keeps the phone it was given, for its own progress query.
            #expect(online.contactPhone == "13000000000")
        }
    }

    @Test("Roles: only clerks register cases; a 帮办员 token reads no cases; an approver acts only on their department's cases")
    func roles() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let helper = try await CaseFixtures.token(app, "helper1", roles: [.helper])
            let scjg = try #require(try await Department.query(on: app.db).filter(\.$code == "SCJG").first())
            let other = try await StaffAccounts.create(
                .init(
                    username: "scjg1", displayName: "市监审批员", password: "test-pass-2025", roles: [.approver], hallID: nil,
                    departmentID: scjg.id,
                    mustChangePassword: false), region: "421223000000", actor: .system, cost: 4, on: app.db)
            let otherToken = try await APITokens.create(
                for: other.principal, name: "t", scopes: ["cases:read", "cases:write"], actor: .system, on: app.db)
            CaseFixtures.setClock(app, "2025-06-03 09:00")
            let refused = try await CaseFixtures.create(app, token: otherToken, itemCode: "421223RSJ0001")
            #expect(refused.status == .forbidden)
            #expect(try await app.testing().sendRequest(.GET, "/api/v1/cases", headers: CaseFixtures.headers(helper)).status == .forbidden)
            let accepted = try CaseFixtures.caseJSON(try await CaseFixtures.create(app, token: clerk, itemCode: "421223RSJ0001"))
            let number = try #require(accepted["caseNumber"] as? String)
            // An approver of 市场监管局 cannot complete or deliver a 人社局 即办件.
            #expect(try await CaseFixtures.act(app, token: otherToken, number: number, "complete").status == .forbidden)
            #expect(try await CaseFixtures.act(app, token: clerk, number: number, "complete").status == .ok)
            #expect(try await CaseFixtures.act(app, token: otherToken, number: number, "deliver", ["method": "post"]).status == .forbidden)
            // Resuming a case nobody has taken names the problem.
            let promised = try CaseFixtures.caseJSON(try await CaseFixtures.create(app, token: clerk, itemCode: "421223SCJG0001"))
            let resume = try await CaseFixtures.act(
                app, token: otherToken, number: try #require(promised["caseNumber"] as? String), "resume")
            #expect(resume.status == .conflict)
            #expect(try resume.errorPayload()["message"] == "该办件尚无人领取审查，请先领取")
        }
    }

    @Test("One uploaded scan backs one material: reused in a request or across cases → 400")
    func fileReuse() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-06-03 09:00")
            let upload = try await UploadTests.upload(
                app, token: clerk, name: "a.pdf", contentType: "application/pdf", data: Data("%PDF-1.4\n".utf8))
            let fileID = try #require(try upload.json()["id"] as? String)
            var materials = try await CaseFixtures.materials(app, itemCode: "421223YJGL0001")
            materials = materials.map {
                var entry = $0; entry["provision"] = "electronic"; entry["fileId"] = fileID; return entry
            }
            let twice = try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001", extra: ["materials": materials])
            #expect(twice.status == .badRequest)
            #expect(try twice.errorPayload()["field"] == "materials[1].fileId")
            var once = try await CaseFixtures.materials(app, itemCode: "421223YJGL0001")
            once[0]["provision"] = "electronic"
            once[0]["fileId"] = fileID
            #expect(
                try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001", extra: ["materials": once]).status == .created)
            let again = try await CaseFixtures.create(app, token: clerk, itemCode: "421223YJGL0001", extra: ["materials": once])
            #expect(again.status == .badRequest)
            #expect(try again.errorPayload()["message"] == "该文件已用于其他办件")
        }
    }

    @Test("A statutory deadline in a year without a calendar stays unknown; the promised one still runs")
    func statutoryInUnpublishedYear() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            // 最低生活保障: promised 15 (due 2026-12-22), statutory 30 (into 2027, not yet published).
            CaseFixtures.setClock(app, "2026-12-01 09:00")
            let response = try await CaseFixtures.create(app, token: clerk, itemCode: "421223MZJ0001")
            #expect(response.status == .created)
            let record = try CaseFixtures.caseJSON(response)
            #expect(record["dueAt"] as? String == "2026-12-22T23:59:59+08:00")
            #expect(record["statutoryDueAt"] == nil)
        }
    }

    @Test("容缺受理: the case is accepted with a non-key material to follow, and cannot be completed until it is in")
    func pendingMaterials() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            let approver = try await CaseFixtures.token(app, "approver1", roles: [.approver])
            CaseFixtures.setClock(app, "2025-06-03 09:00")
            let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == "421223ZRZY0001").first())
            let requirements = try await MaterialRequirement.query(on: app.db).filter(\.$item.$id == item.requireID()).sort(\.$position)
                .all()
            let nonKey = try #require(requirements.first { !$0.isKey && $0.required })
            let materials = requirements.map {
                ["requirementId": $0.id!.uuidString, "provision": $0.id == nonKey.id ? "pending" : "original"]
            }
            let created = try CaseFixtures.caseJSON(
                try await CaseFixtures.create(app, token: clerk, itemCode: "421223ZRZY0001", extra: ["materials": materials]))
            #expect(created["pendingMaterials"] as? Bool == true)
            let number = try #require(created["caseNumber"] as? String)
            _ = try await CaseFixtures.act(app, token: approver, number: number, "take")
            _ = try await CaseFixtures.act(app, token: approver, number: number, "decide", ["decision": "approve"])
            let blocked = try await CaseFixtures.act(app, token: approver, number: number, "complete")
            #expect(blocked.status == .conflict)
            #expect(try blocked.errorPayload()["code"] == "pending_materials")
            let received = try await CaseFixtures.act(app, token: clerk, number: number, "receive-pending")
            #expect(received.status == .ok)
            let json = try received.json()
            #expect(json["pendingMaterials"] as? Bool == false)
            let material = try #require((json["materials"] as? [[String: Any]])?.first { $0["name"] as? String == nonKey.name })
            #expect(material["provision"] as? String == "original")
            #expect(try await CaseFixtures.act(app, token: approver, number: number, "complete").status == .ok)
        }
    }
}
