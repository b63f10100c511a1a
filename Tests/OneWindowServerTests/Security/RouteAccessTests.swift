import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

/// Records planted with distinctive people's data, one per kind the access policy knows.
struct PlantedRecords {
    struct Record {
        let kind: RecordKind
        let id: UUID
        let number: String
        let relations: RecordRelations
        /// Full values that must appear only where the policy allows `.personal`.
        let secrets: [String]
    }
    let application: Record
    let notice: Record
    let workOrder: Record
    let homeVisit: Record
    let fileID: UUID
    var all: [Record] { [application, notice, workOrder, homeVisit] }

    static let password = "test-pass-2025"
    static let caseID = DeskFixtures.residentID(birth: "19800214", seq: 351)
    static let noticeID = DeskFixtures.residentID(birth: "19900101", seq: 88)
    static let visitID = DeskFixtures.residentID(birth: "19450302", seq: 27)

    /// 交通运输局 (JTYS) owns everything planted; the strangers serve 人社局 (RSJ).
    static func plant(_ app: Application) async throws -> PlantedRecords {
        let owning = try await HotlineFixtures.department(app, "JTYS")
        CaseFixtures.setClock(app, "2025-03-03 09:00")
        let clerk = try await CaseFixtures.token(app, "ownerclerk", roles: [.clerk])
        let created = try await CaseFixtures.create(
            app, token: clerk, itemCode: "421223JTYS0001", idNumber: caseID, name: "欧阳明轩", phone: "13912345678")
        #expect(created.status == .created)
        let record = try #require(try await Case.query(on: app.db).filter(\.$caseNumber == "421223-20250303-00001").first())
        let scan = try FileStore.write(
            ByteBuffer(string: "%PDF-1.4\n身份证 \(caseID) 欧阳明轩\n%%EOF\n"), originalName: "id.pdf", field: "file",
            region: record.regionCode, uploader: "ownerclerk", settings: app.settings)
        try await scan.create(on: app.db)
        let material = try #require(try await SubmittedMaterial.query(on: app.db).filter(\.$case.$id == record.requireID()).first())
        material.$file.id = try scan.requireID()
        try await material.save(on: app.db)
        let incomplete = try await CaseFixtures.create(
            app, token: clerk, itemCode: "421223JTYS0001", idNumber: noticeID, name: "上官婉清", phone: "13512345678",
            extra: ["materials": [] as [Any]])
        #expect(incomplete.status != .created)
        let notice = try #require(try await OneTimeNotice.query(on: app.db).first())
        let item = try await notice.$item.get(on: app.db)

        let hotline = try await HotlineFixtures.service(app)
        let order = try await hotline.register(
            HotlineFixtures.intake("桃溪路口的路灯坏了一个月，晚上出行不便", phone: "13712345678", name: "诸葛云飞"),
            dispatch: .init(lead: owning.requireID(), helpers: [], categoryID: nil))

        let helper = try await makeStaff(app, username: "ownerhelper", roles: [.helper])
        let visits = HomeVisitService(
            db: app.db, zone: app.settings.timeZone, region: record.regionCode, actor: .system, now: app.clock.now)
        var visit = try await visits.request(
            .init(
                channel: .phone, reason: .elderly, residentID: try ResidentID(visitID), name: "司徒春来",
                phone: try MobileNumber("13612345678"), address: "崇阳县天城镇隐秘巷 9 号", need: "高龄津贴申请", itemCode: nil))
        _ = try await visits.confirm(visit.requireID(), at: CaseFixtures.instant("2025-03-05 10:00"))
        visit = try await visits.assign(visit.requireID(), helper: helper)
        _ = order
        let reloaded = try #require(try await WorkOrder.find(order.requireID(), on: app.db))
        return PlantedRecords(
            application: .init(
                kind: .application, id: try record.requireID(), number: record.caseNumber,
                relations: try await CaseAccess.relations(of: record, on: app.db), secrets: ["欧阳明轩", caseID, "13912345678"]),
            notice: .init(
                kind: .windowNotice, id: try notice.requireID(), number: notice.noticeNumber,
                relations: try await CaseAccess.relations(of: notice, item: item, on: app.db), secrets: ["上官婉清", noticeID]),
            workOrder: .init(
                kind: .workOrder, id: try reloaded.requireID(), number: reloaded.number,
                relations: try await HotlineAccess.relations(of: reloaded, on: app.db), secrets: ["诸葛云飞", "13712345678"]),
            homeVisit: .init(
                kind: .homeVisit, id: try visit.requireID(), number: visit.number, relations: HomeVisitController.relations(of: visit),
                secrets: ["司徒春来", visitID, "13612345678", "隐秘巷"]),
            fileID: try scan.requireID())
    }

    /// A staff member of `roles` in the department `code` (nil: none).
    @discardableResult
    static func staff(_ app: Application, _ username: String, _ roles: Set<Role>, department code: String?) async throws -> Staff {
        let department = try await code.asyncMap { try await HotlineFixtures.department(app, $0).requireID() }
        return try await StaffAccounts.create(
            .init(
                username: username, displayName: "测试\(username)", password: password, roles: roles, hallID: nil,
                departmentID: department, mustChangePassword: false),
            region: app.settings.region.value, actor: .system, cost: app.settings.bcryptCost, on: app.db)
    }
}

@Suite("Security: the access policy, and every registered route × every role against it")
struct RouteAccessTests {
    @Test("The role × relation table: exact decisions on the planted records")
    func policyTable() async throws {
        try await withTestApp { app in
            let planted = try await PlantedRecords.plant(app)
            let rsj = try await HotlineFixtures.department(app, "RSJ").requireID()
            let jt = try await HotlineFixtures.department(app, "JTYS").requireID()
            func principal(_ roles: Set<Role>, _ departments: Set<UUID> = [], id: UUID = UUID()) -> Principal {
                Principal(
                    id: id, username: "p", displayName: "p", regionCode: "421223000000", roles: roles, departments: departments,
                    mustChangePassword: false)
            }
            func decisions(_ who: Principal, _ record: PlantedRecords.Record) -> String {
                RecordAccess.allCases.map { AccessPolicy.allows($0, by: who, on: record.relations) ? "Y" : "-" }.joined()
            }
            let c = planted.application
            let n = planted.notice
            let o = planted.workOrder
            let v = planted.homeVisit
            let ownerClerk = try #require(try await Staff.query(on: app.db).filter(\.$username == "ownerclerk").first()).requireID()
            let ownerHelper = try #require(try await Staff.query(on: app.db).filter(\.$username == "ownerhelper").first()).requireID()
            // view / personal / export
            #expect(decisions(principal([.approver], [rsj]), c) == "---")
            #expect(decisions(principal([.approver], [jt]), c) == "YY-")
            #expect(decisions(principal([.approver]), c) == "Y--")
            #expect(decisions(principal([.clerk]), c) == "Y--")
            #expect(decisions(principal([.clerk], id: ownerClerk), c) == "YY-")
            #expect(decisions(principal([.helper]), c) == "---")
            #expect(decisions(principal([.hotlineAgent]), c) == "---")
            #expect(decisions(principal([.handler], [jt]), c) == "---")
            #expect(decisions(principal([.supervisor]), c) == "YYY")
            #expect(decisions(principal([.director]), c) == "YYY")
            #expect(decisions(principal([.admin]), c) == "YYY")
            #expect(decisions(principal([.clerk]), n) == "YY-")
            #expect(decisions(principal([.approver], [rsj]), n) == "---")
            #expect(decisions(principal([.approver], [jt]), n) == "YY-")
            #expect(decisions(principal([.helper]), n) == "---")
            #expect(decisions(principal([.hotlineAgent]), o) == "YYY")
            #expect(decisions(principal([.handler], [jt]), o) == "YY-")
            #expect(decisions(principal([.handler], [rsj]), o) == "---")
            #expect(decisions(principal([.approver], [jt]), o) == "---")
            #expect(decisions(principal([.clerk]), o) == "---")
            #expect(decisions(principal([.helper]), v) == "Y--")
            #expect(decisions(principal([.helper], id: ownerHelper), v) == "YY-")
            #expect(decisions(principal([.clerk]), v) == "Y--")
            #expect(decisions(principal([.approver], [jt]), v) == "---")
            var elsewhere = principal([.admin])
            elsewhere = Principal(
                id: elsewhere.id, username: "x", displayName: "x", regionCode: "421281000000", roles: [.admin], mustChangePassword: false)
            #expect(AccessPolicy.refusal(.view, by: elsewhere, on: c.relations) == "该记录不属于您所在的地区")
            #expect(
                AccessPolicy.refusal(.personal, by: principal([.approver], [rsj]), on: c.relations)
                    == "您的岗位与该办件无关，不能查看完整个人信息（仅限经办本件的岗位）")
            #expect(AccessPolicy.fullExportRoles(for: .application) == [.supervisor, .director, .admin])
            #expect(AccessPolicy.fullExportRoles(for: .workOrder) == [.hotlineAgent, .supervisor, .director, .admin])
        }
    }

    @Test("An approver of another department is refused a case's full data (403, audited); the owning department's sees it")
    func approverOfAnotherDepartment() async throws {
        try await withTestApp { app in
            let planted = try await PlantedRecords.plant(app)
            try await PlantedRecords.staff(app, "gaj1", [.approver], department: "RSJ")
            try await PlantedRecords.staff(app, "jt1", [.approver], department: "JTYS")
            var stranger = Browser(app)
            try await stranger.signIn("gaj1", PlantedRecords.password)
            let csrf = try #require(Browser.csrf(in: try await stranger.get("/account/password").body.string))
            let page = try await stranger.get("/cases/\(planted.application.id)")
            #expect(page.status == .forbidden)
            #expect(page.body.string.contains("您的岗位与该办件无关，不能查看（个人信息按需知悉）"))
            let personal = try await stranger.post("/cases/\(planted.application.id)/personal", form: [("csrfToken", csrf)])
            #expect(personal.status == .forbidden)
            #expect(!personal.body.string.contains("欧阳明轩"))
            let refused = try await AuditEvent.query(on: app.db).filter(\.$action == "access.refused").sort(\.$occurredAt).all()
            #expect(refused.map(\.actorName) == ["gaj1", "gaj1"])
            #expect(
                refused.map(\.summary) == [
                    "拒绝查看（办件）：您的岗位与该办件无关，不能查看（个人信息按需知悉）",
                    "拒绝查看完整个人信息（办件）：您的岗位与该办件无关，不能查看完整个人信息（仅限经办本件的岗位）",
                ])
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "personal_data.view").count() == 0)
            var owner = Browser(app)
            try await owner.signIn("jt1", PlantedRecords.password)
            let token = try #require(Browser.csrf(in: try await owner.get("/account/password").body.string))
            let full = try await owner.post("/cases/\(planted.application.id)/personal", form: [("csrfToken", token)])
            #expect(full.status == .ok)
            for secret in planted.application.secrets { #expect(full.body.string.contains(secret)) }
            let views = try await AuditEvent.query(on: app.db).filter(\.$action == "personal_data.view").all()
            #expect(views.map(\.actorName) == ["jt1"])
        }
    }
}
