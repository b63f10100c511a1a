import Fluent
import Foundation
import OneWindowCore
import SnapshotTesting
import Testing
import VaporTesting

@testable import OneWindowServer

/// The printed documents, line by line against the HTML committed in `__Snapshots__/PrintedDocumentSnapshotTests/`.
/// A changed word, figure or link fails the test with a line diff; to accept an intended change, delete the
/// snapshot file, run once (it is recorded and that run fails), review the new file and commit it.
@Suite("Printed documents: the HTML of the 受理通知书, the 一次性告知书 and the 数说成绩单 as printed")
struct PrintedDocumentSnapshotTests {
    /// The item of both notices: 道路货物运输经营许可 (a 承诺件 with several materials).
    static let itemCode = "421223JTYS0001"

    /// The clerk's intake form for a company applicant, with `provisions` (requirement id, `original` …) as the materials.
    static func intakeForm(csrf: String, provisions: [(String, String)]) -> [(String, String)] {
        [
            ("csrfToken", csrf), ("itemCode", itemCode), ("applicantKind", "organisation"), ("idNumber", "91421223MA4F0ABD1H"),
            ("name", "崇阳县通达物流有限公司"), ("phone", "13871500005"), ("intent", "accept"),
        ] + provisions.map { ("m_\($0.0)", $0.1) }
    }

    @Test func acceptance_notice_prints_number_deadline_and_follow_up() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let csrf = try await clerk.csrfToken(from: "/cases/new?item=\(Self.itemCode)")
            let materials = try await CaseWebFlowTests.requirementIDs(app, Self.itemCode)

            let accepted = try await clerk.post(
                "/cases", form: Self.intakeForm(csrf: csrf, provisions: materials.map { ($0.id, "original") }))
            let notice = try await clerk.get(CaseWebFlowTests.location(accepted))

            #expect(CaseWebFlowTests.location(accepted).hasSuffix("/acceptance-notice"))
            #expect(notice.status == .ok)
            let html = PrintedHTML.normalized(notice.body.string)
            #expect(html.contains("<strong>421223-20250303-00001</strong>"))
            #expect(html.contains("<strong>2025-03-10 23:59:59</strong> 前"))
            assertSnapshot(of: html, as: .lines)
        }
    }

    @Test func one_time_notice_lists_the_missing_material_and_where_to_bring_it() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "clerk1", roles: [.clerk])
            var clerk = Browser(app)
            try await clerk.signIn("clerk1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-03-03 09:00")
            let csrf = try await clerk.csrfToken(from: "/cases/new?item=\(Self.itemCode)")
            let materials = try await CaseWebFlowTests.requirementIDs(app, Self.itemCode)
            // The second material is not brought; every other one is an original.
            let brought = materials.enumerated().filter { $0.offset != 1 }.map { ($0.element.id, "original") }

            let refused = try await clerk.post("/cases", form: Self.intakeForm(csrf: csrf, provisions: brought))
            let notice = try await clerk.get(CaseWebFlowTests.location(refused))

            #expect(CaseWebFlowTests.location(refused).hasPrefix("/notices/"))
            #expect(notice.status == .ok)
            let html = PrintedHTML.normalized(notice.body.string)
            #expect(html.contains("<strong>421223-20250303-G0001</strong>"))
            #expect(html.contains("<td>1</td><td>\(materials[1].name)</td><td>未提交</td>"))
            #expect(try await Case.query(on: app.db).count() == 0)
            assertSnapshot(of: html, as: .lines)
        }
    }

    /// Simulates the 1 % year once (as `AnnualReportTests` does); that is most of this test's time.
    @Test func annual_report_2024_prints_every_figure_of_the_simulated_one_percent_year() async throws {
        try await withTestApp { app in
            _ = try await StatsFixtures.simulate(app, SimulationProfile.chongyang2024.scaled(by: 0.01))
            try await makeStaff(app, username: "sup1", roles: [.supervisor])
            var supervisor = Browser(app)
            try await supervisor.signIn("sup1", "test-pass-2025")
            CaseFixtures.setClock(app, "2025-01-15 10:00")

            let report = try await supervisor.get("/annual?year=2024")

            #expect(report.status == .ok)
            let html = PrintedHTML.normalized(report.body.string)
            #expect(html.contains("<strong>3,101</strong>"))
            #expect(html.contains("统计用时 {seconds} 秒"))
            assertSnapshot(of: html, as: .lines)
        }
    }
}

/// Makes a rendered page the same on every run and every database engine. What still varies per run is replaced
/// by a fixed placeholder; everything else (numbers, dates under the fixed clock, names, links) stays as rendered:
/// - record ids (UUIDs, also percent-encoded in the 长辈版 switch's `return=`) → `{uuid-1}`, `{uuid-2}` … in order
///   of first appearance, so two links to the same record still read as the same;
/// - the session's CSRF token → `{csrf}`;
/// - the annual report's 统计用时 (how long the queries took) → `{seconds}`.
/// Session ids travel in cookies only, never in the HTML.
enum PrintedHTML {
    static func normalized(_ html: String) -> String {
        var ids: [String: Int] = [:]
        let uuid = #/[0-9A-Fa-f]{8}(?:-|%2D)[0-9A-Fa-f]{4}(?:-|%2D)[0-9A-Fa-f]{4}(?:-|%2D)[0-9A-Fa-f]{4}(?:-|%2D)[0-9A-Fa-f]{12}/#
        var text = html.replacing(uuid) { match in
            let key = match.output.replacingOccurrences(of: "%2D", with: "-").uppercased()
            if ids[key] == nil { ids[key] = ids.count + 1 }
            return "{uuid-\(ids[key]!)}"
        }
        text = text.replacing(#/name="csrfToken" value="[^"]*"/#, with: #"name="csrfToken" value="{csrf}""#)
        text = text.replacing(#/统计用时 [0-9.]+ 秒/#, with: "统计用时 {seconds} 秒")
        return text
    }
}
