import ConsoleKit
import Foundation
import OneWindowCore
import Vapor

/// Calendar: the working-day calendars (holiday years), the deadline and calendar API, the admin's 节假日 page and
/// `onewindow import calendar FILE.json`. Owns `calendar_years`, `holiday_days`.
enum CalendarModule: ServerModule {
    static func register(_ app: Application) throws {
        app.workingCalendars = app.calendarCache
        app.migrationPlan.add("0002", M0002_CreateCalendar())
        app.migrationPlan.add("0011", M0011_LoadCalendars())
        CalendarAPIController().register(app.site.api)
        CalendarAdminController().register(app.site.admin)
        app.uploadLimits.set(.adminCalendar, 1 << 20)
        app.importers.add(Importer(kind: "calendar", help: "a holiday-cn JSON year", run: importCalendar))
        app.startUpTasks.add { app in
            let counted = try await PendingDeadline.countAll(app)
            if counted > 0 { app.logger.info("\(counted) pending deadlines counted with the loaded calendar") }
        }
    }

    /// `onewindow import calendar FILE.json`: stores (or replaces) the year, audited, and prints its day counts.
    @Sendable static func importCalendar(file: String, region: String?, app: Application, console: any Console) async throws {
        let data = try Importer.read(file, console: console)
        let year: HolidayYear
        do {
            year = try HolidayYear.decode(data)
        } catch let error as CalendarError {
            console.error(error.message)
            throw ExitCode(1)
        }
        let replaced = try await CalendarYear.find(year.year, on: app.db) != nil
        try await CalendarQueries.storeAudited(
            year, source: "cli:\((file as NSString).lastPathComponent)", replaced: replaced,
            region: app.settings.region.value, actor: .commandLine, on: app.db)
        console.print(
            "已\(replaced ? "替换" : "载入") \(year.year) 年节假日安排：\(year.days.count) 天（补班 \(year.days.filter { !$0.isOffDay }.count) 天）")
        if let note = CalendarQueries.sanityNote(for: year) { console.warning(note) }
        await app.calendarCache.invalidate()
        let counted = try await PendingDeadline.countAll(app)
        if counted > 0 { console.print("已计算 \(counted) 件记录此前待定的期限") }
    }
}
