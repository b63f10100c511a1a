import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The admin home and the audit log.
struct AdminController {
    func register(_ admin: any RoutesBuilder) {
        admin.get(use: home)
        admin.get("audit", use: audit)
    }

    func home(req: Request) async throws -> View {
        struct Counts: Encodable { let halls: Int; let departments: Int; let windows: Int; let staff: Int; let items: Int; let drafts: Int; let years: [Int] }
        struct Context: Encodable { let page: PageChrome; let counts: Counts; let calendarWarning: String? }
        let region = req.settings.region.value
        let regions = CatalogQueries.visibleRegions(for: req.settings.region)
        let counts = Counts(
            halls: try await Hall.query(on: req.db).filter(\.$regionCode == region).count(),
            departments: try await Department.query(on: req.db).filter(\.$regionCode == region).count(),
            windows: try await Window.query(on: req.db).filter(\.$regionCode == region).count(),
            staff: try await Staff.query(on: req.db).filter(\.$regionCode == region).count(),
            items: try await ServiceItem.query(on: req.db).filter(\.$regionCode ~~ regions).filter(\.$status == .published).count(),
            drafts: try await ServiceItem.query(on: req.db).filter(\.$regionCode ~~ regions).filter(\.$status == .draft).count(),
            years: try await CalendarYear.query(on: req.db).sort(\.$id).all().compactMap(\.id))
        let warning = CalendarQueries.missingYearWarning(loaded: counts.years, today: LocalDate(Date(), in: req.settings.timeZone))
        return try await req.view.render("admin/home", Context(page: PageChrome(request: req, title: "中心管理"), counts: counts, calendarWarning: warning))
    }

    func audit(req: Request) async throws -> View {
        struct Row: Encodable {
            let time: String; let actor: String; let action: String; let actionLabel: String; let entity: String; let summary: String; let ip: String
        }
        struct Context: Encodable { let page: PageChrome; let rows: [Row]; let actions: [SelectOption] }
        let action = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "action"))
        let query = AuditEvent.query(on: req.db).filter(\.$regionCode ~~ CatalogQueries.visibleRegions(for: req.settings.region))
            .sort(\.$occurredAt, .descending).limit(300)
        if let action { query.filter(\.$action == action) }
        let rows = try await query.all().map {
            Row(time: LocalTime.format($0.occurredAt, in: req.settings.timeZone), actor: $0.actorName, action: $0.action,
                actionLabel: Audit.labels[$0.action] ?? $0.action,
                entity: [$0.entityType, $0.entityID.map { String($0.prefix(8)) }].compactMap { $0 }.joined(separator: " "),
                summary: $0.summary, ip: $0.ip ?? "—")
        }
        let actions = Audit.labels.sorted { $0.key < $1.key }.map { SelectOption(value: $0.key, label: $0.value, selected: $0.key == action) }
        return try await req.view.render("admin/audit", Context(page: PageChrome(request: req, title: "审计日志"), rows: rows, actions: actions))
    }
}
