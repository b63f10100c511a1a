import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The help desk (帮办台): one click logs an interaction (咨询, 导办, 教办, 帮办, 代办), optionally with the item and a
/// note; today's counts for the helper and the centre.
struct AssistController {
    func register(_ web: any RoutesBuilder) {
        let staff = web.grouped(RoleGuard(FrontDeskAccess.assist))
        staff.get(.assist, use: page)
        staff.post(.assist, use: log)
    }

    struct Context: Encodable {
        struct Kind: Encodable { let value: String; let label: String; let mine: Int; let all: Int }
        struct Recent: Encodable { let at: String; let kind: String; let item: String?; let note: String? }
        let page: PageChrome
        let kinds: [Kind]
        let recent: [Recent]
        let done: String?
        let error: String?
        let item: String
        let note: String
    }

    func page(req: Request) async throws -> View {
        try await render(
            req, done: (try? req.query.get(String.self, at: "done")).flatMap(AssistanceKind.init(rawValue:))?.label, error: nil)
    }

    private func render(_ req: Request, done: String?, error: String?, item: String = "", note: String = "") async throws -> View {
        let staff = try req.auth.require(Staff.self)
        let zone = req.settings.timeZone
        let today = LocalDate(req.now, in: zone).description
        let entries = try await Assistance.scoped(on: req.db, to: req.settings.region.value).filter(\.$day == today)
            .all()
        let mine = entries.filter { $0.staffID == staff.id }
        return try await req.view.render(
            "frontdesk/assist",
            Context(
                page: PageChrome(request: req, title: "帮办台"),
                kinds: AssistanceKind.allCases.map { kind in
                    .init(
                        value: kind.rawValue, label: kind.label, mine: mine.filter { $0.kind == kind }.count,
                        all: entries.filter { $0.kind == kind }.count)
                },
                recent: mine.sorted { $0.occurredAt > $1.occurredAt }.prefix(10).map {
                    .init(at: LocalTime.clock($0.occurredAt, in: zone), kind: $0.kind.label, item: $0.itemName, note: $0.note)
                },
                done: done, error: error, item: item, note: note))
    }

    func log(req: Request) async throws -> Response {
        let staff = try req.auth.require(Staff.self)
        let form = try req.formFields()
        var check = FormCheck()
        let kind = check.choice(form["kind"], field: "kind", label: "帮办类型", as: AssistanceKind.self)
        let note = check.optional(form["note"], field: "note", label: "备注", max: 500)
        let code = TextNormalization.normalizedOrNil(form["item"])
        var item: (String, String)?
        if let code {
            let byCode = try await ServiceItem.query(on: req.db).filter(\.$itemCode == code.uppercased()).first()
            let byName =
                byCode == nil
                ? try await ServiceItem.query(on: req.db).filter(\.$name == code).filter(\.$status == .published).first() : nil
            if let found = byCode ?? byName {
                item = (found.itemCode, found.name)
            } else {
                check.fail("item", "没有编码或名称为“\(code)”的事项（可留空）")
            }
        }
        guard check.isValid, let kind else {
            return try await render(
                req, done: nil, error: check.errors.sorted { $0.key < $1.key }.map(\.value).joined(separator: "；"),
                item: code ?? "", note: note ?? ""
            ).encodeResponse(status: .badRequest, for: req)
        }
        try await AssistanceLog.record(
            kind: kind, staffID: staff.id, staffName: staff.displayName, hallID: staff.$hall.id, item: item, note: note,
            region: req.settings.region.value, zone: req.settings.timeZone, at: req.now, on: req.db)
        return req.redirect(to: SiteRoute.assist.path(query: ["done": kind.rawValue]))
    }
}
