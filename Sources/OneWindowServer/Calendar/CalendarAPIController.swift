import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `GET /api/v1/deadline`: the deadline of a limit counted on the working-day calendar (RULES.md, Time);
/// `GET /api/v1/calendar/{year}`: a loaded year's days off and make-up working days.
struct CalendarAPIController {
    func register(_ api: any RoutesBuilder) {
        api.get(.apiDeadline, use: deadline)
        api.get(.apiCalendarYear, use: year)
    }

    struct DeadlineDTO: Content {
        /// The start event's local date (day 0).
        let from: String
        /// The limit in working days (0.5 steps).
        let days: Double
        /// The local due date.
        let dueDate: String
        /// The due instant, ISO 8601 with the deployment's offset (`2025-09-30T23:59:59+08:00`).
        let due: String
        let timeZone: String
    }

    /// Query: `from=YYYY-MM-DD`, `days=N` (0.5 steps), optional `pauses=YYYY-MM-DD/YYYY-MM-DD,...` (start inclusive,
    /// resume exclusive).
    func deadline(req: Request) async throws -> DeadlineDTO {
        let fromText = (try? req.query.get(String.self, at: "from")) ?? ""
        guard let from = LocalDate(iso: TextNormalization.normalize(fromText)) else {
            throw FieldError(field: "from", message: "from 应为 YYYY-MM-DD 格式的日期")
        }
        let daysText = (try? req.query.get(String.self, at: "days")) ?? ""
        guard let limit = WorkingDays(parsing: daysText) else {
            throw FieldError(field: "days", message: "days 应为不小于 0 的数，且为 0.5 的整数倍")
        }
        var pauses: [Pause] = []
        if let raw = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "pauses")) {
            for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
                let ends = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                guard ends.count == 2, let start = LocalDate(iso: ends[0]), let end = LocalDate(iso: ends[1]) else {
                    throw FieldError(field: "pauses", message: "pauses 应为 开始日期/恢复日期，多段用逗号分隔")
                }
                pauses.append(Pause(from: start, until: end))
            }
        }
        let calendar = try await req.workingCalendar()
        guard let due = try Self.due(calendar, from: from, limit: limit, pauses: pauses) else {
            throw FieldError(field: "pauses", message: "暂停尚未恢复，期限待定")
        }
        let zone = req.settings.timeZone
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        return DeadlineDTO(
            from: from.description, days: limit.days, dueDate: due.date.description,
            due: formatter.string(from: due.instant(in: zone)), timeZone: zone.identifier)
    }

    /// The deadline, with a bad pause reported on the `pauses` field.
    private static func due(_ calendar: WorkingCalendar, from: LocalDate, limit: WorkingDays, pauses: [Pause]) throws -> DueTime? {
        let result = Result { () throws(DeadlineError) in try calendar.deadline(from: from, limit: limit, pauses: pauses) }
        if case .failure(.invalidPause(let why)) = result {
            throw FieldError(field: "pauses", message: "暂停时段不正确：\(why)")
        }
        return try result.get()
    }

    struct YearDTO: Content {
        struct Day: Content { let date: String; let name: String; let isOffDay: Bool }
        let year: Int
        let papers: [String]
        let days: [Day]
    }

    func year(req: Request) async throws -> YearDTO {
        guard let raw = req.parameters.get("year"), raw.count == 4, raw.allSatisfy({ $0.isASCII && $0.isNumber }), let year = Int(raw)
        else {
            throw FieldError(field: "year", message: "year 应为四位年份，如 2025")
        }
        guard let record = try await CalendarYear.find(year, on: req.db) else {
            throw PlatformError.notFound(what: "\(year) 年的节假日安排（尚未载入）")
        }
        let days = try await HolidayDay.query(on: req.db).filter(\.$year == year).sort(\.$id).all()
        return YearDTO(
            year: year, papers: record.papers.split(separator: "\n").map(String.init),
            days: days.map { .init(date: $0.id ?? "", name: $0.name, isOffDay: $0.isOffDay) })
    }
}
