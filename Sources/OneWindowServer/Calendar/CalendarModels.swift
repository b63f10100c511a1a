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
    /// Every loaded year, as the Core calendar.
    static func workingCalendar(on db: any Database) async throws -> WorkingCalendar {
        let years = try await CalendarYear.query(on: db).all()
        let days = try await HolidayDay.query(on: db).all()
        var byYear: [Int: [HolidayYear.Day]] = [:]
        for day in days {
            guard let date = LocalDate(iso: day.id ?? "") else { continue }
            byYear[day.year, default: []].append(.init(name: day.name, date: date, isOffDay: day.isOffDay))
        }
        return WorkingCalendar(years.compactMap { year in
            guard let number = year.id else { return nil }
            return HolidayYear(year: number, papers: year.papers.split(separator: "\n").map(String.init), days: byYear[number] ?? [])
        })
    }

    /// Stores (or replaces) one year. Days listed in the file but belonging to another year (a 2023 file lists
    /// 2022-12-31) are stored under the file's year only when that date is not already known.
    static func store(_ year: HolidayYear, source: String, on db: any Database) async throws {
        try await HolidayDay.query(on: db).filter(\.$year == year.year).delete()
        try await CalendarYear.query(on: db).filter(\.$id == year.year).delete()
        let record = CalendarYear()
        record.id = year.year
        record.papers = year.papers.joined(separator: "\n")
        record.source = source
        record.loadedAt = Date()
        try await record.create(on: db)
        for day in year.days {
            let key = day.date.description
            if try await HolidayDay.find(key, on: db) != nil { continue }
            let row = HolidayDay()
            row.id = key
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
