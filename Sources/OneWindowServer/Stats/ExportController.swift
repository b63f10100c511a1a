import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `/exports`: a form per export the signed-in roles may use, and the CSV downloads
/// (`/exports/cases.csv?from=2024-01-01&to=2024-12-31&full=1`, `work-orders.csv`, `ratings.csv`, `tickets.csv`).
struct ExportController {
    /// Everyone who may use at least one export.
    static let roles: Set<Role> = ExportKind.allCases.reduce(into: Set<Role>()) { $0.formUnion($1.roles) }

    func register(_ web: any RoutesBuilder) {
        web.grouped(RoleGuard(Self.roles)).get(.exports, use: page)
        for kind in ExportKind.allCases {
            web.grouped(RoleGuard(kind.roles)).get(.export(kind.rawValue)) { req in try await Self.download(req, kind: kind) }
        }
    }

    struct Context: Encodable {
        struct Form: Encodable {
            let key: String
            let label: String
            let action: String
            let dateDefinition: String
            let mayFull: Bool
        }
        let page: PageChrome
        let forms: [Form]
        let from: String
        let to: String
    }

    func page(req: Request) async throws -> View {
        let staff = try req.auth.require(Staff.self)
        let today = LocalDate(req.now, in: req.settings.timeZone)
        let forms = ExportKind.allCases.filter { !$0.roles.isDisjoint(with: staff.roles) }.map {
            Context.Form(
                key: $0.rawValue, label: $0.label, action: $0.path, dateDefinition: $0.dateDefinition,
                mayFull: !$0.fullRoles.isDisjoint(with: staff.roles))
        }
        return try await req.view.render(
            "stats/exports",
            Context(
                page: PageChrome(request: req, title: "数据导出"), forms: forms,
                from: LocalDate(year: today.year, month: 1, day: 1)!.description, to: today.description))
    }

    /// The CSV, streamed page by page. `full=1` asks for full personal data: 403 for a role that may not see it; otherwise
    /// one `export.unmasked` audit event with the record count is written before the first byte.
    static func download(_ req: Request, kind: ExportKind) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let zone = req.settings.timeZone
        let range = try ExportRange.parse(
            from: try? req.query.get(String.self, at: "from"), to: try? req.query.get(String.self, at: "to"),
            today: LocalDate(req.now, in: zone), zone: zone)
        let full = ["1", "true", "on"].contains((try? req.query.get(String.self, at: "full")) ?? "")
        if full && kind.fullRoles.isDisjoint(with: staff.roles) {
            let reason = "您的岗位不能导出含完整个人信息的\(kind.label)（个人信息按需知悉）"
            try await Audit.record(
                on: req.db, region: req.settings.region.value, actor: req.actor, action: "access.refused", entityType: "export",
                entityID: kind.rawValue, summary: "拒绝导出\(kind.label)（含完整个人信息）：\(reason)", at: req.now)
            throw AccessRefused(reason: reason)
        }
        let source = ExportSource(kind: kind, range: range, region: req.settings.region.value, zone: zone, full: full, now: req.now)
        let db = req.db
        if full {
            let count = try await source.count(on: db)
            try await Audit.record(
                on: db, region: source.region, actor: req.actor, action: "export.unmasked", entityType: "export",
                entityID: kind.rawValue,
                summary: "导出\(kind.label)（含完整个人信息）\(range.from) 至 \(range.to)，共 \(count) 条", at: req.now)
        }
        return try CSVExport.streamingResponse(filename: source.filename, header: kind.header) { emit in
            _ = try await source.stream(on: db, emit: emit)
        }
    }
}
