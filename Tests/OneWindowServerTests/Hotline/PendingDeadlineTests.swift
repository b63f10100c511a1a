import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

/// Issue 15 finding 7: one rule for a deadline past the published calendar (RULES.md, Time) — never counted as
/// Monday to Friday; pending (待定, said on the page), counted when the year is loaded.
@Suite("A deadline past the published calendar: pending, said so, counted when the year is loaded")
struct PendingDeadlineTests {
    static let year2027 = Data(
        #"{"year":2027,"papers":["https://www.gov.cn/x"],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#.utf8)

    @Test("Dispatched Mon 2026-12-28 with 2027 not loaded: 签收 due 12-29, 答复 pending; 2027 loaded → 01-05 (01-01 off)")
    func hotlineReplyWaitsForTheYear() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2026-12-28 10:00")
            let service = try await HotlineFixtures.service(app)
            let zjj = try await HotlineFixtures.department(app, "ZJJ")
            let order = try await service.register(HotlineFixtures.intake("路灯不亮已经一周了"), dispatch: .init(lead: zjj.id!))
            #expect(HotlineFixtures.formatted(order.signDueAt) == "2026-12-29 23:59:59")
            #expect(order.replyDueAt == nil)
            #expect(order.replyLimitDays == 5)
            let dispatch = try await AuditEvent.query(on: app.db).filter(\.$action == "work_order.dispatch").first()
            #expect(dispatch?.summary.hasSuffix("答复期限 5 个工作日，期限待定（节假日安排未公布，载入后自动计算）") == true)

            try await makeStaff(app, username: "agent1", roles: [.hotlineAgent])
            try await makeStaff(app, username: "cal", roles: [.admin])
            var agent = Browser(app)
            try await agent.signIn("agent1", "test-pass-2025")
            let page = try await agent.get("/hotline/orders/\(order.id!.uuidString)").body.string
            #expect(page.contains("<dt>答复期限</dt><dd>待定（节假日安排未公布，载入后自动计算）</dd>"))
            #expect(page.contains("<dt>签收期限</dt><dd>2026-12-29 23:59:59</dd>"))

            var admin = Browser(app)
            try await admin.signIn("cal", "test-pass-2025")
            let token = try await admin.csrfToken(from: "/admin/calendar")
            let loaded = try await admin.upload(
                "/admin/calendar", fields: [("csrfToken", token)], file: ("file", "2027.json", "application/json", Self.year2027))
            #expect(loaded.status == .seeOther)
            let counted = try #require(try await WorkOrder.find(order.id, on: app.db))
            // 12-29, 12-30, 12-31, (01-01 off), 01-04, 01-05: the Monday-to-Friday guess said 01-04.
            #expect(HotlineFixtures.formatted(counted.replyDueAt) == "2027-01-05 23:59:59")
            #expect(HotlineFixtures.formatted(counted.signDueAt) == "2026-12-29 23:59:59")
        }
    }

    @Test("A complaint on 2026-12-31: 反馈 pending (said in the list) until 2027 is loaded, then due 2027-01-22")
    func complaintWaitsForTheYear() async throws {
        try await withTestApp { app in
            let zone = app.settings.timeZone
            let day = try #require(LocalDate(iso: "2026-12-31"))
            let calendar = try await app.workingCalendars.calendar(on: app.db)
            #expect(calendar.dueInstant(from: day, ComplaintState.feedbackLimit, in: zone) == nil)
            let complaint = Complaint()
            complaint.regionCode = app.settings.region.value
            complaint.number = "TS-20261231-001"
            complaint.complainantName = "李四"
            complaint.phone = "13900139000"
            complaint.content = "窗口人员态度不好"
            complaint.ownerName = "督查"
            complaint.state = .received
            complaint.receivedAt = CaseFixtures.instant("2026-12-31 10:00")
            complaint.updatedAt = complaint.receivedAt
            try await complaint.create(on: app.db)
            #expect(ComplaintController.row(complaint, now: complaint.receivedAt, zone: zone).due == PendingDeadline.note)

            try await CalendarQueries.store(try HolidayYear.decode(Self.year2027), source: "test", on: app.db)
            await app.calendarCache.invalidate()
            #expect(try await PendingDeadline.countAll(app) == 1)
            let counted = try #require(try await Complaint.find(complaint.id, on: app.db))
            // 15 working days after 12-31, 01-01 off: 01-04 … 01-22.
            #expect(HotlineFixtures.formatted(counted.feedbackDueAt) == "2027-01-22 23:59:59")
            #expect(try await PendingDeadline.countAll(app) == 0)
        }
    }
}
