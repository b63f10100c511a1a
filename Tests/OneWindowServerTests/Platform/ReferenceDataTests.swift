import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct ReferenceDataTests {
    @Test func first_start_loads_divisions_calendars_the_demo_organisation_and_the_starter_catalogue() async throws {
        try await withTestApp { app in
            // 31 provinces + 342 cities + 2,978 counties − 3 repeated codes + 1,475 Hubei townships.
            #expect(try await Region.query(on: app.db).count() == 4823)
            let townships = try await Region.query(on: app.db).filter(\.$parentCode == "421223000000").sort(\.$id).all()
            #expect(townships.count == 13)
            #expect(townships.first?.name == "天城镇")
            #expect(townships.first?.id == "421223100000")
            #expect(try await Region.find("421223000000", on: app.db)?.name == "崇阳县")

            #expect(try await CalendarYear.query(on: app.db).sort(\.$id).all().compactMap(\.id) == [2023, 2024, 2025, 2026])

            let halls = try await Hall.query(on: app.db).filter(\.$regionCode == "421223000000").all()
            #expect(halls.count == 13)
            #expect(halls.filter { $0.level == .county }.map(\.name) == ["崇阳县政务服务中心"])
            #expect(halls.contains { $0.divisionCode == "421223203000" && $0.name == "高枧乡便民服务中心" })
            // 15 of the demo organisation and the 4 the 12345 categories need (生态环境, 教育, 农业农村, 商务).
            #expect(try await Department.query(on: app.db).count() == 19)
            #expect(try await HotlineCategory.query(on: app.db).filter(\.$level == 1).count() == 15)
            #expect(try await HotlineCategory.query(on: app.db).filter(\.$level == 2).count() == 118)
            #expect(try await HotlineCategory.query(on: app.db).filter(\.$level == 3).count() == 517)
            #expect(try await HotlineCategory.query(on: app.db).filter(\.$path == "城乡建设/城市建设和市政管理/城市公共设施").first()?.code == "010204")
            let windows = try await Window.query(on: app.db).all()
            #expect(windows.count == 38)
            #expect(windows.filter { $0.kind == .comprehensive }.count == 32)
            #expect(windows.filter { $0.kind == .directorDesk }.count == 1)

            let items = try await ServiceItem.query(on: app.db).filter(\.$status == .published).all()
            #expect(items.count == 12)
            #expect(
                Set(items.map(\.name)).isSuperset(of: [
                    "灵活就业人员参保登记", "不动产转移登记", "道路货物运输经营许可", "异地就医备案",
                    "就业困难人员社保补贴申领", "危险化学品经营许可证补领", "就业失业登记", "发票票种核定",
                    "企业设立登记", "残疾人证办理",
                ]))
            #expect(try await MaterialRequirement.query(on: app.db).count() == 38)
        }
    }

    @Test func health_reports_the_database() async throws {
        try await withTestApp { app in
            let response = try await app.testing().sendRequest(.GET, "/health")
            #expect(response.status == .ok)
            #expect(try response.json()["status"] as? String == "ok")
        }
    }

    @Test func the_audit_log_refuses_updates_and_deletes() async throws {
        try await withTestApp { app in
            try await Audit.record(
                on: app.db, region: "421223000000", actor: .system, action: "test.event", entityType: "test",
                entityID: nil, summary: "一条测试记录")
            let event = try #require(try await AuditEvent.query(on: app.db).filter(\.$action == "test.event").first())
            event.summary = "改过"
            await #expect(throws: (any Error).self) { try await event.update(on: app.db) }
            await #expect(throws: (any Error).self) { try await event.delete(on: app.db) }
            #expect(try await AuditEvent.query(on: app.db).filter(\.$action == "test.event").first()?.summary == "一条测试记录")
        }
    }
}
