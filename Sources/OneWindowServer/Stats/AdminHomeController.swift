import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The admin home (`/admin`): the county's halls, departments, windows, staff, published items and drafts, the
/// holiday years loaded, and a warning when next year's calendar is missing.
struct AdminHomeController {
    func register(_ admin: any RoutesBuilder) {
        admin.get(.admin, use: home)
    }

    func home(req: Request) async throws -> View {
        struct Counts: Encodable {
            let halls: Int; let departments: Int; let windows: Int; let staff: Int; let items: Int; let drafts: Int; let years: [Int]
        }
        struct Context: Encodable { let page: PageChrome; let counts: Counts; let calendarWarning: String? }
        let region = req.settings.region.value
        let regions = RegionScope.visible(for: req.settings.region)
        let counts = Counts(
            halls: try await Hall.scoped(on: req.db, to: region).count(),
            departments: try await Department.scoped(on: req.db, to: region).count(),
            windows: try await Window.scoped(on: req.db, to: region).count(),
            staff: try await Staff.scoped(on: req.db, to: region).count(),
            items: try await ServiceItem.scoped(on: req.db, to: regions).filter(\.$status == .published).count(),
            drafts: try await ServiceItem.scoped(on: req.db, to: regions).filter(\.$status == .draft).count(),
            years: try await CalendarYear.query(on: req.db).sort(\.$id).all().compactMap(\.id))
        let warning = CalendarQueries.missingYearWarning(loaded: counts.years, today: LocalDate(Date(), in: req.settings.timeZone))
        return try await req.view.render(
            "admin/home", Context(page: PageChrome(request: req, title: "中心管理"), counts: counts, calendarWarning: warning))
    }
}
