import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite("Cases: one list filter for the lists, their capped count, the API, figures and dashboard; one SMS template per event")
struct CaseListFilterTests {
    @Test("Each view's filter finds the same cases through Fluent and through the capped SQL count")
    func every_view_counts_the_same_through_fluent_and_sql() async throws {
        try await withTestApp { app in
            CaseFixtures.setClock(app, "2026-12-01 09:00")
            #expect(try await DemoCases.load(app) == 10)
            let region = app.settings.region.value
            let now = app.clock.now
            var counts: [String: Int] = [:]
            for view in CaseListFilter.View.allCases {
                let filter = CaseListFilter(region: region, view: view, department: nil, now: now)
                let fluent = try await filter.query(on: app.db).count()
                #expect(try await filter.cappedCount(10_000, on: app.db) == fluent, "view \(view.rawValue)")
                #expect(try await filter.cappedCount(2, on: app.db) == min(fluent, 3), "view \(view.rawValue) capped")
                counts[view.rawValue] = fluent
            }
            let running = try await Case.query(on: app.db).all().filter { $0.state.isOverdue(due: $0.dueAt, now: now) }.count
            #expect(counts["overdue"] == running)
            #expect(counts["all"] == 10)
            #expect(try await Dashboard.overdueQuery(region: region, now: now, on: app.db).count() == running)
            #expect(try await CaseListFilter(region: "110101000000").query(on: app.db).count() == 0)
        }
    }

    @Test("The applicant's SMS per event reads exactly as RULES.md has it")
    func sms_texts_per_event() {
        #expect(
            CaseMessage.accepted(item: "灵活就业人员参保登记", number: "421223-20250305-00012", due: "2025-03-05 23:59:59").body
                == "您申请的“灵活就业人员参保登记”已受理，办件编号 421223-20250305-00012，承诺 2025-03-05 23:59:59 前办结。凭办件编号和手机后4位可查询进度。")
        #expect(CaseMessage.correction(item: "A", number: "N", whatToAdd: "身份证复印件").body == "您的办件 N（A）需要补正：身份证复印件。补正期间不计入办理时限，请到综合窗口或网上补交。")
        #expect(CaseMessage.completed(item: "A", number: "N", decision: "准予", rateLink: "http://x/rate/t").template == "case.completed")
        #expect(CaseMessage.rejected(item: "A", number: "N", reason: "不属于本中心受理范围").template == "case.rejected")
        #expect(CaseMessage.submitted(item: "A", number: "N").body == "您网上申报的“A”已提交，办件编号 N，窗口预审后即受理。")
    }
}
