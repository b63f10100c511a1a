import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The audit log for admins (`/admin/audit`): the latest 300 events of the county and the divisions above it,
/// filterable by action.
struct AuditLogController {
    func register(_ admin: any RoutesBuilder) {
        admin.get(.adminAudit, use: audit)
    }

    func audit(req: Request) async throws -> View {
        struct Row: Encodable {
            let time: String; let actor: String; let action: String; let actionLabel: String; let entity: String; let summary: String;
            let ip: String
        }
        struct Context: Encodable { let page: PageChrome; let rows: [Row]; let actions: [SelectOption] }
        let action = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "action"))
        let query = AuditEvent.scoped(on: req.db, to: RegionScope.visible(for: req.settings.region)).sort(\.$occurredAt, .descending).limit(
            300)
        if let action { query.filter(\.$action == action) }
        let rows = try await query.all().map {
            Row(
                time: LocalTime.format($0.occurredAt, in: req.settings.timeZone), actor: $0.actorName, action: $0.action,
                actionLabel: Audit.labels[$0.action] ?? $0.action,
                entity: [$0.entityType, $0.entityID.map { String($0.prefix(8)) }].compactMap { $0 }.joined(separator: " "),
                summary: $0.summary, ip: $0.ip ?? "—")
        }
        let actions = Audit.labels.sorted { $0.key < $1.key }.map {
            SelectOption(value: $0.key, label: $0.value, selected: $0.key == action)
        }
        return try await req.view.render(
            "admin/audit", Context(page: PageChrome(request: req, title: "审计日志"), rows: rows, actions: actions))
    }
}
