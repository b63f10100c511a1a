import Foundation

/// One year of the State Council's holiday arrangement: the statutory days off and the make-up working days
/// (调休/补班) that differ from the plain Monday–Friday rule.
///
/// The data format is the one of `holiday-cn` (`{year, papers[], days[{name, date, isOffDay}]}`);
/// `isOffDay: false` marks a make-up working day. RULES.md, Time.
public struct HolidayYear: Sendable, Equatable {
    public struct Day: Sendable, Equatable, Codable {
        public let name: String
        public let date: LocalDate
        public let isOffDay: Bool

        public init(name: String, date: LocalDate, isOffDay: Bool) {
            self.name = name
            self.date = date
            self.isOffDay = isOffDay
        }
    }

    public let year: Int
    public let papers: [String]
    public let days: [Day]

    public init(year: Int, papers: [String], days: [Day]) {
        self.year = year
        self.papers = papers
        self.days = days
    }

    private struct File: Decodable {
        let year: Int
        let papers: [String]?
        let days: [Day]
    }

    /// Decodes a `holiday-cn` year file. Days outside the file's year are kept in `days` but only the year's own
    /// days are ever stored (a 2023 file lists 2022-12-31; it must not change 2022).
    /// - Throws: `CalendarError.malformedYearFile` when the JSON is not of that shape, and
    ///   `CalendarError.unpublishedYear` when it lists no day at all (the notice is not out yet: loading it
    ///   would silently treat every weekday of that year as a working day).
    public static func decode(_ data: Data) throws -> HolidayYear {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw CalendarError.malformedYearFile
        }
        guard (2000...2100).contains(file.year) else { throw CalendarError.malformedYearFile }
        guard !file.days.isEmpty else { throw CalendarError.unpublishedYear(file.year) }
        let inYear = file.days.filter { $0.date.year == file.year }
        guard !inYear.isEmpty else { throw CalendarError.noDaysInYear(file.year) }
        var seen = Set<LocalDate>()
        for day in file.days where !seen.insert(day.date).inserted {
            throw CalendarError.duplicateDate(day.date)
        }
        return HolidayYear(year: file.year, papers: file.papers ?? [], days: file.days)
    }
}

/// Errors of the working-day calendar.
public enum CalendarError: Error, Equatable, Sendable {
    /// A computation reached a year whose holiday arrangement is not loaded.
    case noCalendar(year: Int)
    /// The year file lists no days: the State Council notice is not published yet.
    case unpublishedYear(Int)
    /// The file says `year` but none of its days falls in that year.
    case noDaysInYear(Int)
    /// The same date is listed twice.
    case duplicateDate(LocalDate)
    case malformedYearFile

    /// A user-safe Chinese message.
    public var message: String {
        switch self {
        case .noCalendar(let year):
            return "\(year) 年的节假日安排尚未载入，无法计算该年的工作日与期限。请管理员先导入 \(year) 年的国务院节假日安排。"
        case .unpublishedYear(let year):
            return "\(year) 年的节假日文件没有任何日期：国务院通知可能尚未发布，不能载入。"
        case .duplicateDate(let date):
            return "日期 \(date) 在文件中出现了不止一次，请检查。"
        case .noDaysInYear(let year):
            return "文件标明为 \(year) 年，但其中没有一天属于 \(year) 年，请检查 year 与 date 字段。"
        case .malformedYearFile:
            return "节假日文件格式不正确：应为 {year, papers, days:[{name, date, isOffDay}]}，year 在 2000–2100 之间。"
        }
    }
}

/// The working-day calendar: Monday–Friday, minus statutory days off, plus make-up working days.
///
/// Only years that were loaded are known; asking about any other year throws `CalendarError.noCalendar`
/// (RULES.md: refuse to compute a deadline in a year with no calendar).
public struct WorkingCalendar: Sendable {
    public private(set) var years: Set<Int> = []
    private var overrides: [LocalDate: Bool] = [:]  // date → isWorkingDay

    public init(_ holidayYears: [HolidayYear] = []) {
        for year in holidayYears { add(year) }
    }

    /// Adds (or replaces the days of) one year.
    public mutating func add(_ holidayYear: HolidayYear) {
        years.insert(holidayYear.year)
        for day in holidayYear.days {
            overrides[day.date] = !day.isOffDay
        }
    }

    /// Whether `date` is a working day.
    /// - Throws: `CalendarError.noCalendar` when `date`'s year is not loaded.
    public func isWorkingDay(_ date: LocalDate) throws(CalendarError) -> Bool {
        guard years.contains(date.year) else { throw .noCalendar(year: date.year) }
        if let value = overrides[date] { return value }
        return !date.isWeekend
    }

    /// The first working day on or after `date`.
    public func workingDay(onOrAfter date: LocalDate) throws(CalendarError) -> LocalDate {
        var current = date
        while try !isWorkingDay(current) { current = current.adding(days: 1) }
        return current
    }

    /// Working days in the half-open range `[from, to)`.
    public func workingDays(from: LocalDate, to: LocalDate) throws(CalendarError) -> Int {
        var count = 0
        var current = from
        while current < to {
            if try isWorkingDay(current) { count += 1 }
            current = current.adding(days: 1)
        }
        return count
    }
}
