import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Cases: the window, the back office and the portal (web)")
struct CaseWebFlowTests {
    static func requirementIDs(_ app: Application, _ code: String) async throws -> [(id: String, name: String)] {
        let item = try #require(try await ServiceItem.query(on: app.db).filter(\.$itemCode == code).first())
        return try await MaterialRequirement.query(on: app.db).filter(\.$item.$id == item.requireID()).sort(\.$position).all()
            .map { ($0.id!.uuidString, $0.name) }
    }

    static func location(_ response: TestingHTTPResponse) -> String { response.headers.first(name: .location) ?? "" }

    @Test("Story 1: a 即办件 accepted and completed at the window in one sitting, timeline on the case page")
    func instantCase() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            var browser = Browser(app)
            try await browser.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-03 10:00")
            let form = try await browser.get("/cases/new?item=421223RSJ0001")
            #expect(form.status == .ok)
            #expect(form.body.string.contains("受理并当场办结（即办件）"))
            let token = try #require(Browser.csrf(in: form.body.string))
            let materials = try await Self.requirementIDs(app, "421223RSJ0001")
            var fields = [
                ("csrfToken", token), ("itemCode", "421223RSJ0001"), ("applicantKind", "person"), ("idNumber", "１１０１０５１９９００３０７１０２８"),
                ("name", "刘小芳"), ("phone", "138 0013 8000"), ("intent", "complete"),
            ]
            fields += materials.map { ("m_\($0.id)", "original") }
            let done = try await browser.post("/cases", form: fields)
            #expect(done.status == .seeOther)
            let page = try await browser.get(Self.location(done))
            let html = page.body.string
            #expect(html.contains("421223-20250303-00001"))
            #expect(html.contains("已办结"))
            #expect(html.contains("按时办结"))
            #expect(html.contains("<p class=\"ok\" role=\"status\">已当场办结，已短信告知申请人。</p>"))
            #expect(html.contains("刘*芳"))
            #expect(!html.contains("110105199003071028"))
            #expect(html.contains("<strong>受理</strong> · 测试clerk1（clerk1）"))
            #expect(html.contains("<strong>办结</strong> · 测试clerk1（clerk1）"))
            let record = try #require(try await Case.query(on: app.db).first())
            #expect(record.state == .completed)
            #expect(record.caseType == .instant)
            #expect(record.dueAt == CaseFixtures.instant("2025-03-03 23:59").addingTimeInterval(59))
            #expect(try await Applicant.query(on: app.db).all().map(\.idNumber) == ["110105199003071028"])
            #expect(try await Applicant.query(on: app.db).first()?.phone == "13800138000")
        }
    }

    @Test("A 承诺件: missing material → 一次性告知书 lists it and nothing is accepted; complete → 受理通知书; 补正; completed on time")
    func promisedCaseWithCorrection() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            try await makeStaff(app, username: "approver1", roles: [.approver])
            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let token = try await clerk.csrfToken(from: "/cases/new?item=421223JTYS0001")
            let materials = try await Self.requirementIDs(app, "421223JTYS0001")
            let base = [
                ("csrfToken", token), ("itemCode", "421223JTYS0001"), ("applicantKind", "organisation"), ("idNumber", "91421223MA4F0ABD1H"),
                ("name", "崇阳县通达物流有限公司"), ("phone", "13871500005"), ("intent", "accept"),
            ]
            // The second material is missing, the third defective: both on one notice, no case.
            var incomplete =
                base + [("m_\(materials[0].id)", "original"), ("m_\(materials[2].id)", "defective"), ("n_\(materials[2].id)", "复印件不清晰")]
            incomplete += materials.dropFirst(3).map { ("m_\($0.id)", "original") }
            let noticeRedirect = try await clerk.post("/cases", form: incomplete)
            #expect(noticeRedirect.status == .seeOther)
            #expect(Self.location(noticeRedirect).hasPrefix("/notices/"))
            let notice = try await clerk.get(Self.location(noticeRedirect)).body.string
            #expect(notice.contains("一次性告知书"))
            #expect(notice.contains("421223-20250303-G0001"))
            #expect(notice.contains("<td>\(materials[1].name)</td><td>未提交</td>"))
            #expect(notice.contains("<td>\(materials[2].name)</td><td>不符合要求</td><td>复印件不清晰</td>"))
            #expect(try await Case.query(on: app.db).count() == 0)

            let complete = base + materials.map { ("m_\($0.id)", "original") }
            let accepted = try await clerk.post("/cases", form: complete)
            #expect(Self.location(accepted).hasSuffix("/acceptance-notice"))
            let receipt = try await clerk.get(Self.location(accepted)).body.string
            #expect(receipt.contains("受理通知书"))
            #expect(receipt.contains("421223-20250303-00001"))
            #expect(receipt.contains("<strong>2025-03-10 23:59:59</strong> 前"))
            #expect(receipt.contains("/progress"))
            let record = try #require(try await Case.query(on: app.db).first())
            let casePath = SiteRoute.caseRecord.path(record.id!)

            var approver = Browser(app)
            try await approver.signIn("approver1", "test-pass-2025")
            let queue = try await approver.get("/cases?view=queue").body.string
            #expect(queue.contains("421223-20250303-00001"))
            #expect(queue.contains("正常"))
            let csrf = try await approver.csrfToken(from: casePath)
            #expect(try await approver.post(casePath + "/actions/take", form: [("csrfToken", csrf)]).status == .seeOther)
            // The clerk cannot take it too: it is held.
            let clerkCSRF = try await clerk.csrfToken(from: casePath)
            #expect(try await clerk.post(casePath + "/actions/take", form: [("csrfToken", clerkCSRF)]).status == .forbidden)
            CaseFixtures.setClock(app, "2025-03-04 09:00")
            #expect(
                try await approver.post(casePath + "/actions/pause-correction", form: [("csrfToken", csrf), ("note", "补充驾驶员从业资格证")]).status
                    == .seeOther)
            let noNote = try await approver.post(casePath + "/actions/pause-special", form: [("csrfToken", csrf)])
            #expect(noNote.status == .badRequest)
            #expect(noNote.body.string.contains("操作未完成：请填写理由或说明（note）"))
            let conflict = try await approver.post(casePath + "/actions/pause-special", form: [("csrfToken", csrf), ("note", "专家评审")])
            #expect(conflict.status == .conflict)
            #expect(conflict.body.string.contains("该办件已在暂停计时中，不能重复暂停"))
            CaseFixtures.setClock(app, "2025-03-07 09:00")
            _ = try await approver.post(casePath + "/actions/resume", form: [("csrfToken", csrf)])
            _ = try await approver.post(casePath + "/actions/approve", form: [("csrfToken", csrf)])
            CaseFixtures.setClock(app, "2025-03-12 16:00")
            _ = try await approver.post(casePath + "/actions/complete", form: [("csrfToken", csrf)])
            _ = try await approver.post(casePath + "/actions/deliver", form: [("csrfToken", csrf), ("method", "post")])
            let page = try await approver.get(casePath).body.string
            #expect(page.contains("已送达"))
            #expect(page.contains("按时办结"))
            #expect(page.contains("2025-03-13 23:59:59"))
            for step in ["受理", "领取审查", "暂停计时", "恢复计时", "作出决定", "办结", "送达"] {
                #expect(page.contains("<strong>\(step)</strong>"), "timeline has \(step)")
            }
            let done = try #require(try await Case.find(record.id, on: app.db))
            #expect(done.state == .delivered)
            #expect(done.deliveryMethod == .post)
            #expect(done.completedAt! <= done.dueAt!)
        }
    }

    @Test("The applicant follows progress by case number and the phone's last 4 digits, masked, without signing in")
    func progressQuery() async throws {
        try await withTestApp { app in
            let clerk = try await CaseFixtures.token(app, "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            _ = try await CaseFixtures.create(app, token: clerk, itemCode: "421223JTYS0001")
            let found = try await app.testing().sendRequest(.GET, "/progress?caseNumber=421223-20250303-00001&phone4=8000")
            #expect(found.status == .ok)
            let html = found.body.string
            #expect(html.contains("张*明"))
            #expect(html.contains("已受理，待审查"))
            #expect(html.contains("2025-03-10 23:59:59"))
            #expect(!html.contains("张三明"))
            #expect(!html.contains("13800138000"))
            #expect(!html.contains("clerk1"))
            let wrong = try await app.testing().sendRequest(.GET, "/progress?caseNumber=421223-20250303-00001&phone4=1234")
            #expect(wrong.body.string.contains("没有找到与该办件编号和手机后 4 位相符的办件"))
            #expect(!wrong.body.string.contains("张*明"))
            for _ in 0..<5 { _ = try await app.testing().sendRequest(.GET, "/progress?caseNumber=421223-20250303-00001&phone4=0000") }
            let locked = try await app.testing().sendRequest(.GET, "/progress?caseNumber=421223-20250303-00001&phone4=8000")
            #expect(locked.status == .tooManyRequests)
        }
    }

    @Test("One address guessing many numbers once each is refused after 20 misses, on every public look-up (429, Retry-After)")
    func guessing_across_numbers_is_limited_per_address() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            for sequence in 1...20 {
                let number = "421223-20250303-" + String(format: "%05d", sequence)
                let miss = try await app.testing().sendRequest(.GET, "/progress?caseNumber=\(number)&phone4=1234")
                #expect(miss.status == .ok, "miss \(sequence)")
            }
            let next = try await app.testing().sendRequest(.GET, "/progress?caseNumber=421223-20250303-00021&phone4=1234")
            #expect(next.status == .tooManyRequests)
            #expect((1...900).contains(Int(next.headers.first(name: "Retry-After") ?? "") ?? 0))
            // The budget is the address's, whatever it looks up next.
            let hotline = try await app.testing().sendRequest(.GET, "/hotline/status?number=12345-20250303-00001&phone4=1234")
            #expect(hotline.status == .tooManyRequests)
            let visit = try await app.testing().sendRequest(.GET, "/home-visits/status?number=SM-20250303-001&phone4=1234")
            #expect(visit.status == .tooManyRequests)
        }
    }

    @Test("Online application: fills the form, uploads, enters pre-review with a number; a clerk accepts it")
    func onlineApplication() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            CaseFixtures.setClock(app, "2025-06-03 20:00")
            var citizen = Browser(app)
            let formPage = try await citizen.get("/apply/421223SCJG0001")
            #expect(formPage.status == .ok)
            let token = try #require(Browser.csrf(in: formPage.body.string))
            let materials = try await Self.requirementIDs(app, "421223SCJG0001")
            let pdf = Data("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n".utf8)
            // One file through the multipart helper; the rest given as licence-less uploads would be missing → 400 naming them.
            let missing = try await citizen.upload(
                "/apply/421223SCJG0001",
                fields: [
                    ("csrfToken", token), ("idNumber", "110105199003071028"), ("name", "张三明"),
                    ("phone", "13800138000"),
                ],
                file: (name: "f_\(materials[0].id)", filename: "id.pdf", contentType: "application/pdf", data: pdf))
            #expect(missing.status == .badRequest)
            #expect(missing.body.string.contains("请上传“\(materials[1].name)”"))
            #expect(try await Case.query(on: app.db).count() == 0)
            let files = try FileManager.default.contentsOfDirectory(atPath: app.settings.dataDirectory + "/files")
            #expect(files.isEmpty, "a refused application leaves no files behind")
            let all = try await citizen.upload(
                "/apply/421223SCJG0001",
                fields: [
                    ("csrfToken", token), ("idNumber", "110105199003071028"), ("name", "张三明"),
                    ("phone", "13800138000"), ("note", "新设公司"),
                ],
                files: materials.enumerated().map {
                    (name: "f_\($0.element.id)", filename: "../../m\($0.offset).pdf", contentType: "application/pdf", data: pdf)
                })
            #expect(all.status == .seeOther)
            #expect(Self.location(all) == "/apply/receipt?caseNumber=421223-20250603-00001")
            // Reloading the receipt shows it again and submits nothing.
            for _ in 0..<2 {
                let receipt = try await citizen.get(Self.location(all))
                #expect(receipt.body.string.contains("<strong>421223-20250603-00001</strong>"))
            }
            #expect(try await Case.query(on: app.db).count() == 1)
            let record = try #require(try await Case.query(on: app.db).first())
            #expect(record.state == .submitted)
            #expect(record.channel == .online)
            #expect(record.dueAt == nil)
            let stored = try await StoredFile.query(on: app.db).all()
            #expect(stored.count == materials.count)
            #expect(Set(stored.map(\.originalName)) == Set(materials.indices.map { "m\($0).pdf" }))
            #expect(
                stored.allSatisfy { $0.storedName.hasSuffix(".pdf") && !$0.storedName.contains("/") && $0.contentType == "application/pdf" }
            )

            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            #expect(try await clerk.get("/cases?view=prereview").body.string.contains("421223-20250603-00001"))
            let casePath = SiteRoute.caseRecord.path(record.id!)
            let page = try await clerk.get(casePath)
            #expect(page.body.string.contains("m0.pdf"))
            let csrf = try #require(Browser.csrf(in: page.body.string))
            CaseFixtures.setClock(app, "2025-06-04 09:00")
            #expect(try await clerk.post(casePath + "/actions/accept", form: [("csrfToken", csrf)]).status == .seeOther)
            let accepted = try #require(try await Case.find(record.id, on: app.db))
            #expect(accepted.state == .accepted)
            #expect(accepted.acceptedOn == "2025-06-04")
            // 0.5 working day: noon of the next working day.
            #expect(accepted.dueAt == CaseFixtures.instant("2025-06-05 12:00"))
            let file = try await clerk.get(SiteRoute.file.path(stored[0].id!))
            #expect(file.headers.contentType?.description == "application/pdf")
            #expect(file.headers.first(name: "X-Content-Type-Options") == "nosniff")
            // A form not for an online item is refused.
            #expect(try await citizen.get("/apply/421223ZRZY0001").status == .unprocessableEntity)
        }
    }
}
