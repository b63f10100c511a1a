import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// One loaded year of the holiday arrangement. Calendars are national: no `region_code`.
final class CalendarYear: Model, @unchecked Sendable {
    static let schema = "calendar_years"

    @ID(custom: "year", generatedBy: .user) var id: Int?
    /// The State Council notices, newline-separated.
    @Field(key: "papers") var papers: String
    /// Where the file came from (`holiday-cn`, an admin upload …).
    @Field(key: "source") var source: String
    @Field(key: "loaded_at") var loadedAt: Date

    init() {}
}

/// One day that differs from the Monday–Friday rule: a statutory day off or a make-up working day.
final class HolidayDay: Model, @unchecked Sendable {
    static let schema = "holiday_days"

    @ID(custom: "date", generatedBy: .user) var id: String?
    @Field(key: "year") var year: Int
    @Field(key: "name") var name: String
    @Field(key: "is_off_day") var isOffDay: Bool

    init() {}
}

struct M0002_CreateCalendar: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(CalendarYear.schema)
            .field("year", .int, .identifier(auto: false))
            .field("papers", .string, .required)
            .field("source", .string, .required)
            .field("loaded_at", .datetime, .required)
            .create()
        try await database.schema(HolidayDay.schema)
            .field("date", .string, .identifier(auto: false))
            .field("year", .int, .required)
            .field("name", .string, .required)
            .field("is_off_day", .bool, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(HolidayDay.schema).delete()
        try await database.schema(CalendarYear.schema).delete()
    }
}

enum CalendarQueries {
    /// A warning for the admin when this year's or next year's holiday arrangement is not loaded, or `nil`.
    /// Deadlines that reach a year without a calendar are refused, so next year must be loaded before
    /// deadlines start crossing into it (the State Council usually publishes in November).
    static func missingYearWarning(loaded: [Int], today: LocalDate) -> String? {
        if !loaded.contains(today.year) {
            return "\(today.year) 年（今年）的节假日安排尚未载入：今年的所有期限都无法计算，请立即载入。"
        }
        if !loaded.contains(today.year + 1) {
            return "\(today.year + 1) 年的节假日安排尚未载入：跨入 \(today.year + 1) 年的期限将无法计算。国务院通知发布后（通常在 11 月）请及时载入。"
        }
        return nil
    }

    /// A note when a year looks incomplete: a real year has about 25–35 days off.
    static func sanityNote(for year: HolidayYear) -> String? {
        sanityNote(offDays: year.days.filter { $0.isOffDay && $0.date.year == year.year }.count)
    }

    static func sanityNote(offDays: Int) -> String? {
        offDays < 20 ? "注意：该年只有 \(offDays) 个休息日，少于常见的 25–35 天，请核对文件是否完整。" : nil
    }

    /// Every loaded year, as the Core calendar.
    static func workingCalendar(on db: any Database) async throws -> WorkingCalendar {
        let years = try await CalendarYear.query(on: db).all()
        let days = try await HolidayDay.query(on: db).all()
        var byYear: [Int: [HolidayYear.Day]] = [:]
        for day in days {
            guard let date = LocalDate(iso: day.id ?? "") else { continue }
            byYear[day.year, default: []].append(.init(name: day.name, date: date, isOffDay: day.isOffDay))
        }
        return WorkingCalendar(
            years.compactMap { year in
                guard let number = year.id else { return nil }
                return HolidayYear(year: number, papers: year.papers.split(separator: "\n").map(String.init), days: byYear[number] ?? [])
            })
    }

    /// Stores (or replaces) one year with its audit event, in one transaction.
    static func storeAudited(_ year: HolidayYear, source: String, replaced: Bool, region: String, actor: Actor, on db: any Database)
        async throws
    {
        let offDays = year.days.filter { $0.isOffDay && $0.date.year == year.year }.count
        let makeUp = year.days.filter { !$0.isOffDay && $0.date.year == year.year }.count
        try await db.writeTransaction { tx in
            try await store(year, source: source, on: tx)
            try await Audit.record(
                on: tx, region: region, actor: actor, action: replaced ? "calendar.replace" : "calendar.load", entityType: "calendar_year",
                entityID: String(year.year), summary: "\(replaced ? "替换" : "载入") \(year.year) 年节假日安排：休息日 \(offDays) 天，调休补班 \(makeUp) 天")
        }
    }

    /// Stores (or replaces) one year. The file of year Y owns every date in Y and nothing else: all stored days of Y
    /// go, and the file's days of Y come in. Days it lists in other years (a 2023 file lists 2022-12-31) are
    /// ignored: only that year's own file may change that year.
    static func store(_ year: HolidayYear, source: String, on db: any Database) async throws {
        try await HolidayDay.query(on: db).filter(\.$year == year.year).delete()
        try await HolidayDay.query(on: db).filter(\.$id >= "\(year.year)-01-01").filter(\.$id <= "\(year.year)-12-31").delete()
        try await CalendarYear.query(on: db).filter(\.$id == year.year).delete()
        let record = CalendarYear()
        record.id = year.year
        record.papers = year.papers.joined(separator: "\n")
        record.source = source
        record.loadedAt = Date()
        try await record.create(on: db)
        for day in year.days where day.date.year == year.year {
            let row = HolidayDay()
            row.id = day.date.description
            row.year = year.year
            row.name = day.name
            row.isOffDay = day.isOffDay
            try await row.create(on: db)
        }
    }
}

/// The working calendar the app computes with, cached and reloaded after an admin loads a year.
actor CalendarCache {
    private var cached: WorkingCalendar?
    private var loadedAt: Date = .distantPast
    /// Other instances may load a year; re-read at most this often (seconds).
    private let maxAge: TimeInterval = 60

    func calendar(on db: any Database) async throws -> WorkingCalendar {
        if let cached, Date().timeIntervalSince(loadedAt) < maxAge { return cached }
        let fresh = try await CalendarQueries.workingCalendar(on: db)
        cached = fresh
        loadedAt = Date()
        return fresh
    }

    func invalidate() {
        cached = nil
    }
}

extension Application {
    private struct CalendarCacheKey: StorageKey { typealias Value = CalendarCache }

    var calendarCache: CalendarCache {
        if let cache = storage[CalendarCacheKey.self] { return cache }
        let cache = CalendarCache()
        storage[CalendarCacheKey.self] = cache
        return cache
    }
}

extension Request {
    /// The working-day calendar of every loaded year.
    func workingCalendar() async throws -> WorkingCalendar {
        try await application.calendarCache.calendar(on: db)
    }
}

extension WorkingCalendar {
    /// The instant a limit of `limit` working days from local date `start` ends in `zone`, or `nil` when the calendar
    /// does not reach that far yet (RULES.md, Decision (counting)).
    ///
    /// The one rule for a deadline past the published calendar (RULES.md, Time): it is never counted — no Monday to
    /// Friday guess. A record that cannot wait (a 12345 order, a 差评's follow-up) keeps its deadline pending, shows
    /// 待定 and why (`PendingDeadline.note`), and gets it counted when the year is loaded (`PendingDeadlines`); a
    /// 承诺件 is not accepted (its 受理通知书 must state the date; the API answers 422).
    func dueInstant(from start: LocalDate, _ limit: WorkingDays, in zone: TimeZone) -> Date? {
        (try? deadline(from: start, limit: limit))??.instant(in: zone)
    }
}

extension CalendarCache: WorkingCalendarSource {}
