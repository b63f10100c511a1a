import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

@Suite struct DeadlineAPITests {
    @Test func deadlines_over_the_api_are_exact() async throws {
        try await withTestApp { app in
            let response = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-09-26&days=3")
            #expect(response.status == .ok)
            let body = try response.json()
            #expect(body["dueDate"] as? String == "2025-09-30")
            #expect(body["due"] as? String == "2025-09-30T23:59:59+08:00")
            let paused = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-03-03&days=7&pauses=2025-03-04/2025-03-07")
            #expect(try paused.json()["dueDate"] as? String == "2025-03-17")

            let noCalendar = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2026-12-28&days=5")
            #expect(noCalendar.status == .unprocessableEntity)
            #expect(try noCalendar.errorPayload()["code"] == "calendar_unavailable")
            #expect(try noCalendar.errorPayload()["message"]?.contains("2027 年的节假日安排尚未载入") == true)

            let bad = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-02-30&days=3")
            #expect(bad.status == .badRequest)
            #expect(try bad.errorPayload()["field"] == "from")
            for days in ["0.3", "0x10", "1e1", "-1", "abc"] {
                let response = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2025-03-03&days=\(days)")
                #expect(response.status == .badRequest)
                #expect(try response.errorPayload()["field"] == "days")
            }
            let backwards = try await app.testing().sendRequest(
                .GET, "/api/v1/deadline?from=2025-03-03&days=7&pauses=2025-03-07/2025-03-04")
            #expect(backwards.status == .badRequest)
            #expect(try backwards.errorPayload()["field"] == "pauses")
            let year = try await app.testing().sendRequest(.GET, "/api/v1/calendar/abc")
            #expect(try year.errorPayload()["field"] == "year")
            let fullWidth = try await app.testing().sendRequest(.GET, "/api/v1/items/\(Browser.encode("４２１２２３YBJ0001"))")
            #expect(fullWidth.status == .ok)
        }
    }

    @Test func the_openapi_document_lists_every_api_route() async throws {
        try await withTestApp { app in
            let response = try await app.testing().sendRequest(.GET, "/api/v1/openapi.json")
            #expect(response.status == .ok)
            let document = try response.json()
            #expect((document["openapi"] as? String)?.hasPrefix("3.1") == true)
            let paths = try #require(document["paths"] as? [String: Any])
            let routes = app.routes.all.map {
                "/"
                    + $0.path.map { component -> String in
                        if case .parameter(let name) = component { return "{\(name)}" }
                        return component.description
                    }.joined(separator: "/")
            }.filter { $0.hasPrefix("/api/v1/") }
            #expect(!routes.isEmpty)
            for route in routes where route != "/api/v1/openapi.json" {
                #expect(paths[String(route.dropFirst("/api/v1".count))] != nil, "\(route) is not in the OpenAPI document")
            }
        }
    }
}

@Suite struct CalendarAdminTests {
    @Test func missing_years_are_warned_about_before_deadlines_reach_them() {
        let today = LocalDate(iso: "2026-11-29")!
        #expect(
            CalendarQueries.missingYearWarning(loaded: [2023, 2024, 2025, 2026], today: today)
                == "2027 年的节假日安排尚未载入：跨入 2027 年的期限将无法计算。国务院通知发布后（通常在 11 月）请及时载入。")
        #expect(CalendarQueries.missingYearWarning(loaded: [2026, 2027], today: today) == nil)
        #expect(CalendarQueries.missingYearWarning(loaded: [2025], today: today)?.hasPrefix("2026 年（今年）") == true)
    }

    @Test func a_new_year_loads_from_the_admin_page_and_deadlines_reach_it() async throws {
        try await withTestApp { app in
            try await makeStaff(app, username: "cal", roles: [.admin])
            var browser = Browser(app)
            try await browser.signIn("cal", "test-pass-2025")
            let token = try await browser.csrfToken(from: "/admin/calendar")
            let wrongYear = Data(#"{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2028-01-01","isOffDay":true}]}"#.utf8)
            let refused = try await browser.upload(
                "/admin/calendar", fields: [("csrfToken", token)], file: ("file", "2027.json", "application/json", wrongYear))
            #expect(refused.status == .badRequest)
            #expect(refused.body.string.contains("文件标明为 2027 年，但其中没有一天属于 2027 年"))

            let year = Data(
                #"{"year":2027,"papers":["https://www.gov.cn/x"],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true},{"name":"春节","date":"2027-02-20","isOffDay":false}]}"#
                    .utf8)
            let loaded = try await browser.upload(
                "/admin/calendar", fields: [("csrfToken", token)], file: ("file", "2027.json", "application/json", year))
            #expect(loaded.status == .seeOther)
            let page = try await browser.get(try #require(loaded.headers.first(name: .location)))
            #expect(page.body.string.contains("已载入 2027 年节假日安排"))
            #expect(page.body.string.contains("注意：该年只有 1 个休息日"))
            #expect(
                try await AuditEvent.query(on: app.db).filter(\.$action == "calendar.load").first()?.summary
                    == "载入 2027 年节假日安排：休息日 1 天，调休补班 1 天")
            let twice = Data(
                #"{"year":2029,"papers":[],"days":[{"name":"a","date":"2029-01-01","isOffDay":true},{"name":"b","date":"2029-01-01","isOffDay":true}]}"#
                    .utf8)
            let duplicate = try await browser.upload(
                "/admin/calendar", fields: [("csrfToken", token)], file: ("file", "2029.json", "application/json", twice))
            #expect(duplicate.status == .badRequest)
            #expect(duplicate.body.string.contains("日期 2029-01-01 在文件中出现了不止一次"))
            // A stray 2027 day in another year's file cannot take over 2027's own day.
            let stray = Data(
                #"{"year":2028,"papers":[],"days":[{"name":"元旦","date":"2028-01-01","isOffDay":true},{"name":"x","date":"2027-01-01","isOffDay":false}]}"#
                    .utf8)
            _ = try await browser.upload(
                "/admin/calendar", fields: [("csrfToken", token)], file: ("file", "2028.json", "application/json", stray))
            _ = try await browser.upload(
                "/admin/calendar", fields: [("csrfToken", token)], file: ("file", "2027.json", "application/json", year))
            let days = try await app.testing().sendRequest(.GET, "/api/v1/calendar/2027")
            #expect((try days.json()["days"] as? [[String: Any]])?.compactMap { $0["date"] as? String } == ["2027-01-01", "2027-02-20"])
            // 2026-12-28 + 5: 29, 30, 31 Dec; 1 Jan 2027 is off; 4, 5 Jan.
            let due = try await app.testing().sendRequest(.GET, "/api/v1/deadline?from=2026-12-28&days=5")
            #expect(try due.json()["dueDate"] as? String == "2027-01-05")
        }
    }
}
