import Fluent
import OneWindowCore

/// Loads the holiday arrangements shipped with the product (2023–2026, holiday-cn).
struct M0011_LoadCalendars: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.writeTransaction { db in
            for year in ReferenceData.calendarYears {
                let holidayYear = try HolidayYear.decode(ReferenceData.data("holiday-cn/\(year).json"))
                try await CalendarQueries.store(holidayYear, source: "holiday-cn", on: db)
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await HolidayDay.query(on: database).delete()
        try await CalendarYear.query(on: database).delete()
    }
}
