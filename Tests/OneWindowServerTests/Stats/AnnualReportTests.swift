import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Testing
import VaporTesting

@testable import OneWindowServer

enum StatsFixtures {
    /// Simulates `profile` with `seed` into the app's database.
    static func simulate(_ app: Application, _ profile: SimulationProfile, seed: UInt64 = 7) async throws -> Simulator.Summary {
        let simulator = Simulator(
            db: app.db, region: app.settings.region.value, zone: app.settings.timeZone,
            calendar: try await CalendarQueries.workingCalendar(on: app.db), profile: profile, seed: seed)
        return try await simulator.run()
    }
}

@Suite("数说成绩单: a simulated 1 % year of the model county, the annual report from its records, drill-down, CSV, access")
struct AnnualReportTests {
    @Test("The 1 % profile through the domain's rules: the report shows its counts exactly, and every figure's list has that many records")
    func onePercentYear() async throws {
        try await withTestApp { app in
            let profile = SimulationProfile.chongyang2024.scaled(by: 0.01)
            final class Reports: @unchecked Sendable { var list: [(Int, Int)] = [] }
            let reported = Reports()
            var simulator = Simulator(
                db: app.db, region: app.settings.region.value, zone: app.settings.timeZone,
                calendar: try await CalendarQueries.workingCalendar(on: app.db), profile: profile, seed: 7)
            let lock = NSLock()
            simulator.progress = { done, total in lock.withLock { reported.list.append((done, total)) } }
            let summary = try await simulator.run()
            #expect(summary.cases == 4_340 && summary.workOrders == 192 && summary.assistance == 2_780)
            #expect(reported.list.count == 366 && reported.list.last! == (7_312, 7_312))

            let figures = try await AnnualFigures.compute(
                year: 2024, region: app.settings.region.value, zone: app.settings.timeZone, on: app.db)
            func value(_ id: String) -> String? { figures.report.line(id)?.value.text }
            #expect(value("hall.consultations") == "2,670")
            #expect(value("cases.approval") == "3,157")
            #expect(value("cases.instant") == "3,101")
            #expect(value("cases.promised") == "56")
            #expect(value("cases.service") == "1,183")
            #expect(value("cases.volume") == "4,340")
            #expect(value("cases.on_time") == "100.0%")
            #expect(value("hotline.orders") == "192")
            #expect(
                [
                    value("hotline.channel.wechat"), value("hotline.channel.website"), value("hotline.channel.app"),
                    value("hotline.channel.phone"),
                ]
                    == ["4", "2", "0", "186"])
            #expect(value("hotline.closed_on_time") == "192")
            #expect(value("hotline.sign_for") == "100.0%")
            #expect(value("hotline.close") == "100.0%")
            // 158 of 192 first callbacks 满意 or 基本满意.
            #expect(figures.current.hotline.satisfied == 158 && figures.current.hotline.calledBack == 192)
            #expect(value("hotline.satisfaction") == "82.3%")
            // The 34 不满意 callbacks (192 − 158) are 差评, each verified, rectified and called back; those called back
            // in January 2025 count in 2025.
            let rectifications = try await Rectification.query(on: app.db).all()
            #expect(rectifications.count == 34 && rectifications.allSatisfy { $0.state == .closed })
            let badNextYear = try await Rating.query(on: app.db).filter(\.$level ~~ [.dissatisfied, .veryDissatisfied])
                .filter(\.$ratedAt >= LocalDate(iso: "2025-01-01")!.instant(in: app.settings.timeZone)).count()
            let badThisYear = 34 - badNextYear
            #expect(value("ratings.bad") == String(badThisYear))
            // Ratings: every completed case has one (its own or the 7-day default); those dated 2025 fall in 2025.
            let caseRatings = try await Rating.query(on: app.db).filter(\.$subjectKind == .caseRecord).count()
            #expect(caseRatings == 4_340)
            let nextYear = try await Rating.query(on: app.db).filter(
                \.$ratedAt >= LocalDate(iso: "2025-01-01")!.instant(in: app.settings.timeZone)
            ).count()
            #expect(figures.report.line("ratings.count")?.value == .count(4_340 + 192 - nextYear))
            #expect(figures.monthly.approvalCases.reduce(0, +) == 3_157 && figures.monthly.workOrders.reduce(0, +) == 192)

            // The records follow the rules: numbers in order per day, every case due by its deadline, on working days only.
            let calendar = try await CalendarQueries.workingCalendar(on: app.db)
            let cases = try await Case.query(on: app.db).sort(\.$caseNumber).all()
            #expect(cases.first?.caseNumber == "421223-20240102-00001")
            #expect(try cases.allSatisfy { try calendar.isWorkingDay(LocalDate(iso: $0.acceptedOn!)!) })
            #expect(cases.allSatisfy { record in record.completedAt! <= record.dueAt! && record.state == .completed })
            let audit = try await AuditEvent.query(on: app.db).filter(\.$entityType == "case").count()
            #expect(audit == 4_340 * 3 + 56 * 2)
            let tickets = try await Ticket.query(on: app.db).all()
            #expect(Set(tickets.map { "\($0.serviceDay)|\($0.number)" }).count == tickets.count)
            #expect(tickets.count == summary.tickets && tickets.allSatisfy { $0.state == .served })

            // Each drill-down list has as many records as its figure.
            let supervisor = try await makeStaff(app, username: "sup1", roles: [.supervisor])
            _ = supervisor
            var browser = Browser(app)
            _ = try await browser.signIn("sup1", "test-pass-2025")
            for (line, total) in [
                ("cases.promised", "56"), ("cases.service", "1,183"), ("hotline.channel.wechat", "4"), ("hall.consultations", "2,670"),
                ("hotline.satisfaction", "192"), ("ratings.bad", String(badThisYear)), ("hotline.closed_on_time", "192"),
            ] {
                let page = try await browser.send(.GET, "/annual/records?year=2024&line=\(line)")
                #expect(page.status == .ok, "\(line)")
                #expect(page.body.string.contains("共 <strong>\(total)</strong> 条记录"), "\(line)")
            }
            let unknown = try await browser.send(.GET, "/annual/records?year=2024&line=nothing")
            #expect(unknown.status == .badRequest)
            let report = try await browser.send(.GET, "/annual?year=2024")
            #expect(report.status == .ok)
            #expect(report.body.string.contains("<strong>3,101</strong>"))
            #expect(
                report.body.string.contains("/annual/records?year=2024&amp;line=cases.instant")
                    || report.body.string.contains("/annual/records?year=2024&line=cases.instant"))
            let badYear = try await browser.send(.GET, "/annual?year=24")
            #expect(badYear.status == .badRequest)
            let csv = try await browser.send(.GET, "/annual.csv?year=2024")
            #expect(Array(csv.body.readableBytesView.prefix(3)) == [0xEF, 0xBB, 0xBF])
            #expect(csv.body.string.contains("\"cases.instant\",\"大厅\",\"其中即办件\",\"3101\",\"0\""))

            // A second run over the same year is refused; nothing is added.
            await #expect(throws: Simulator.SimulationError.self) { try await StatsFixtures.simulate(app, profile) }
            #expect(try await Case.query(on: app.db).count() == 4_340)
        }
    }

    @Test("Two years with the same seed (the README's commands): both stored, the report compares them")
    func twoYears() async throws {
        try await withTestApp { app in
            _ = try await StatsFixtures.simulate(app, SimulationProfile.chongyang2023.scaled(by: 0.001), seed: 1)
            _ = try await StatsFixtures.simulate(app, SimulationProfile.chongyang2024.scaled(by: 0.001), seed: 1)
            let figures = try await AnnualFigures.compute(
                year: 2024, region: app.settings.region.value, zone: app.settings.timeZone, on: app.db)
            let volume = try #require(figures.report.line("cases.volume"))
            #expect([volume.value.text, volume.previous.text, volume.change] == ["434", "211", "+105.7%"])
            let orders = try #require(figures.report.line("hotline.orders"))
            #expect([orders.value.text, orders.previous.text, orders.change] == ["19", "14", "+35.7%"])
        }
    }

    @Test("Local times: deadlines to the second, minutes, clock; seconds truncated; UUID text and SQLite literals")
    func stamps() {
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let cases: [(Double, String)] = [
            (0, "1970-01-01 08:00:00"), (1_709_654_399, "2024-03-05 23:59:59"), (1_709_654_399.6, "2024-03-05 23:59:59"),
            (1_735_660_800, "2025-01-01 00:00:00"), (1_735_689_599, "2025-01-01 07:59:59"),
        ]
        for (seconds, text) in cases {
            #expect(LocalTime.formatDeadline(Date(timeIntervalSince1970: seconds), in: zone) == text)
        }
        #expect(LocalTime.format(Date(timeIntervalSince1970: 1_709_654_399), in: zone) == "2024-03-05 23:59")
        #expect(LocalTime.clock(Date(timeIntervalSince1970: 1_709_603_100), in: zone) == "09:45")
        #expect(
            LocalTime.formatDeadline(Date(timeIntervalSince1970: 1_709_654_399), in: TimeZone(identifier: "UTC")!) == "2024-03-05 15:59:59")
        for _ in 0..<50 {
            let id = UUID()
            #expect(BulkTable.Value.uuidText(id) == id.uuidString)
        }
        var text = ""
        for value in [
            BulkTable.Value.text("O'Brien"), .integer(-3), .real(1_709_654_399.5), .date(Date(timeIntervalSince1970: 1_709_654_400)),
            .bool(true), .null,
        ] {
            value.appendLiteral(to: &text)
            text += "|"
        }
        #expect(text == "'O''Brien'|-3|1709654399.5|1709654400.0|1|NULL|")
    }

    @Test("The same seed gives the same records; only supervisors, directors and admins open the report")
    func deterministicAndGuarded() async throws {
        let profile = SimulationProfile.chongyang2024.scaled(by: 0.001)
        var firstIDs: [UUID] = []
        for run in 0..<2 {
            try await withTestApp { app in
                _ = try await StatsFixtures.simulate(app, profile, seed: 99)
                let ids = try await Case.query(on: app.db).sort(\.$caseNumber).all().map { $0.id! }
                if run == 0 { firstIDs = ids } else { #expect(ids == firstIDs && ids.count == 434) }
                if run == 1 {
                    try await makeStaff(app, username: "clerk9", roles: [.clerk])
                    var browser = Browser(app)
                    _ = try await browser.signIn("clerk9", "test-pass-2025")
                    #expect(try await browser.send(.GET, "/annual?year=2024").status == .forbidden)
                }
            }
        }
    }
}
