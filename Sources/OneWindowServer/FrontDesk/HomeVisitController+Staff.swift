import Fluent
import Foundation
import OneWindowCore
import Vapor

extension HomeVisitController {
    func staffRequest(req: Request) async throws -> Response {
        let (input, errors) = Self.input(try req.formFields(), channel: .phone)
        guard let input else {
            let (field, message) = errors.sorted { $0.key < $1.key }.first!
            throw PlatformError.invalidField(FieldError(field: field, message: message))
        }
        let visit = try await HomeVisitService(req).request(input)
        return req.redirect(to: SiteRoute.homeVisit.path(visit.id!))
    }

    struct Row: Encodable {
        let id: String; let number: String; let reason: String; let name: String; let address: String; let need: String; let state: String
        let waited: String; let visitAt: String?; let helper: String?; let link: String
    }

    static func row(_ visit: HomeVisit, now: Date, zone: TimeZone) -> Row {
        let age = (try? ResidentID(visit.idNumber)).map { "（\($0.age(on: LocalDate(now, in: zone))) 岁）" } ?? ""
        return Row(
            id: visit.id!.uuidString, number: visit.number, reason: visit.reason.label + age, name: Masking.name(visit.name),
            address: Masking.address(visit.address), need: visit.need, state: visit.state.label,
            waited: waited(from: visit.requestedAt, to: visit.visitedAt ?? now),
            visitAt: visit.visitAt.map { LocalTime.format($0, in: zone) }, helper: visit.helperName,
            link: SiteRoute.homeVisit.path(visit.id!))
    }

    /// `2天3小时` / `5小时12分`.
    static func waited(from: Date, to: Date) -> String {
        let minutes = max(0, Int(to.timeIntervalSince(from) / 60))
        if minutes >= 1440 { return "\(minutes / 1440)天\(minutes % 1440 / 60)小时" }
        return "\(minutes / 60)小时\(minutes % 60)分"
    }

    struct ListContext: Encodable {
        let page: PageChrome
        let pending: [Row]
        let done: [Row]
        let reasons: [SelectOption]
    }

    func list(req: Request) async throws -> View {
        let region = req.settings.region.value
        let pending = try await HomeVisit.scoped(on: req.db, to: region)
            .filter(\.$state ~~ HomeVisitState.allCases.filter(\.isPending)).sort(\.$requestedAt).all()
        let finished = try await HomeVisit.scoped(on: req.db, to: region).filter(\.$state ~~ [.visited, .cancelled])
            .sort(\.$requestedAt, .descending).limit(30).all()
        let zone = req.settings.timeZone
        return try await req.view.render(
            "frontdesk/home-visits",
            ListContext(
                page: PageChrome(request: req, title: "上门服务"),
                pending: pending.map { Self.row($0, now: req.now, zone: zone) },
                done: finished.map { Self.row($0, now: req.now, zone: zone) },
                reasons: HomeVisitReason.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: false) }))
    }

    struct ShowContext: Encodable {
        struct LinkedCase: Encodable { let number: String; let item: String; let state: String; let link: String }
        let page: PageChrome
        let visit: Row
        let phone: String
        /// Full name, phone and address after 查看完整联系方式 (audited).
        let full: [String: String]?
        let channel: String
        let outcome: String?
        let helpers: [SelectOption]
        let canFile: Bool
        let fileLink: String
        let cases: [LinkedCase]
        let pending: Bool
        let error: String?
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, error: nil, status: .ok)
    }

    /// 查看完整联系方式: the full name, phone and address, to call and to travel, when the access policy allows it
    /// (403, audited, otherwise); the view is audited.
    func showPersonal(req: Request) async throws -> Response {
        let visit = try await Self.find(req, for: .personal)
        let id = try visit.requireID()
        try await Audit.record(
            on: req.db, region: req.settings.region.value, actor: req.actor, action: "personal_data.view", entityType: "home_visit",
            entityID: id.uuidString, summary: "查看上门服务 \(visit.number) 申请人完整联系方式", at: req.now)
        return try await renderShow(req, error: nil, status: .ok, unmasked: visit)
    }

    /// The home visit of the path, when the access policy allows `access` (403, audited, if not).
    static func find(_ req: Request, for access: RecordAccess) async throws -> HomeVisit {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)),
            let visit = try await HomeVisit.find(id, in: req.settings.region.value, on: req.db)
        else { throw PlatformError.notFound(what: "上门服务申请") }
        try await AccessPolicy.require(access, on: relations(of: visit), entityID: id.uuidString, req)
        return visit
    }

    /// A home visit's relations for the kernel's `AccessPolicy`: its assigned helper; at the window until a helper is
    /// assigned (the centre calls to agree the time).
    static func relations(of visit: HomeVisit) -> RecordRelations {
        RecordRelations(
            kind: .homeVisit, regionCode: visit.regionCode, staff: Set([visit.helperID].compactMap { $0 }),
            atWindow: visit.helperID == nil && visit.state.isPending)
    }

    func renderShow(_ req: Request, error: String?, status: HTTPResponseStatus, unmasked: HomeVisit? = nil) async throws -> Response {
        let visit = try await Self.find(req, for: .view)
        let id = try visit.requireID()
        let staff = try req.auth.require(Staff.self)
        let helpers = try await Staff.scoped(on: req.db, to: req.settings.region.value).filter(\.$active == true).all()
            .filter { $0.has(.helper) }
        let cases = try await Case.query(on: req.db).filter(\.$homeVisitID == id).sort(\.$caseNumber).all()
        return try await req.view.render(
            "frontdesk/home-visit",
            ShowContext(
                page: PageChrome(request: req, title: "上门服务 \(visit.number)"),
                visit: Self.row(visit, now: req.now, zone: req.settings.timeZone),
                phone: Masking.phone(visit.phone),
                full: unmasked.map { ["name": $0.name, "phone": $0.phone, "address": $0.address, "idNumber": $0.idNumber] },
                channel: visit.channel.label, outcome: visit.outcome,
                helpers: helpers.map { SelectOption(value: $0.id!.uuidString, label: $0.displayName, selected: $0.id == visit.helperID) },
                canFile: (visit.state == .assigned || visit.state == .visited) && (visit.helperID == staff.id || staff.has(.admin)),
                fileLink: SiteRoute.newCase.path(query: ["homeVisit": id.uuidString]),
                cases: cases.map {
                    .init(number: $0.caseNumber, item: $0.itemName, state: $0.state.label, link: SiteRoute.caseRecord.path($0.id!))
                },
                pending: visit.state.isPending, error: error)
        ).encodeResponse(status: status, for: req)
    }

    func step(req: Request) async throws -> Response {
        let id = try await Self.find(req, for: .view).requireID()
        let form = try req.formFields()
        let service = HomeVisitService(req)
        do {
            switch req.parameters.get("step") {
            case "confirm":
                guard let time = Self.localDateTime(form["visitAt"], zone: req.settings.timeZone) else {
                    throw PlatformError.invalidField(FieldError(field: "visitAt", message: "请选择上门日期和时间"))
                }
                _ = try await service.confirm(id, at: time)
            case "assign":
                guard let helperID = form["helperId"].flatMap(UUID.init(uuidString:)),
                    let helper = try await Staff.find(helperID, on: req.db)
                else {
                    throw PlatformError.invalidField(FieldError(field: "helperId", message: "请选择帮办员"))
                }
                _ = try await service.assign(id, helper: helper)
            case "visit":
                var check = FormCheck()
                let outcome = check.required(form["outcome"], field: "outcome", label: "上门办理情况", max: 500)
                if let error = check.errors.first { throw PlatformError.invalidField(FieldError(field: error.key, message: error.value)) }
                _ = try await service.recordVisit(id, outcome: outcome, by: try req.auth.require(Staff.self))
            case "cancel":
                var check = FormCheck()
                let reason = check.required(form["reason"], field: "reason", label: "取消原因", max: 200)
                if let error = check.errors.first { throw PlatformError.invalidField(FieldError(field: error.key, message: error.value)) }
                _ = try await service.cancel(id, reason: reason)
            default:
                throw PlatformError.notFound(what: "操作")
            }
            return req.redirect(to: SiteRoute.homeVisit.path(id))
        } catch let error as any DomainError where error.status == .badRequest || error.status == .conflict {
            return try await renderShow(req, error: error.reason, status: error.status)
        }
    }

    /// `2025-03-06T09:30` (an `<input type="datetime-local">`) in the deployment's zone.
    static func localDateTime(_ text: String?, zone: TimeZone) -> Date? {
        guard let text = text.map(TextNormalization.normalize), text.count >= 16 else { return nil }
        let parts = text.split(separator: "T")
        guard parts.count == 2, let day = LocalDate(iso: String(parts[0])) else { return nil }
        let clock = parts[1].split(separator: ":")
        guard clock.count >= 2, let h = Int(clock[0]), let m = Int(clock[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return day.instant(hour: h, minute: m, in: zone)
    }

    struct CalendarContext: Encodable {
        struct Day: Encodable { let day: String; let visits: [Row] }
        let page: PageChrome
        let helper: String
        let days: [Day]
        let helpers: [SelectOption]
    }

    /// A helper's calendar: their confirmed visits by local day (the signed-in helper's by default).
    func calendar(req: Request) async throws -> View {
        let staff = try req.auth.require(Staff.self)
        let helpers = try await Staff.scoped(on: req.db, to: req.settings.region.value).filter(\.$active == true).all()
            .filter { $0.has(.helper) }
        let chosen =
            (try? req.query.get(UUID.self, at: "helper")).flatMap { id in helpers.first { $0.id == id } }
            ?? (staff.has(.helper) ? staff : helpers.first)
        let zone = req.settings.timeZone
        let visits = try await HomeVisit.query(on: req.db).filter(\.$helperID == chosen?.id).filter(\.$visitAt != nil).sort(\.$visitAt)
            .all()
            .filter { $0.state != .cancelled }
        let grouped = Dictionary(grouping: visits) { LocalDate($0.visitAt!, in: zone).description }
        return try await req.view.render(
            "frontdesk/helper-calendar",
            CalendarContext(
                page: PageChrome(request: req, title: "帮办员日程"), helper: chosen?.displayName ?? "—",
                days: grouped.keys.sorted().map { .init(day: $0, visits: grouped[$0]!.map { Self.row($0, now: req.now, zone: zone) }) },
                helpers: helpers.map { SelectOption(value: $0.id!.uuidString, label: $0.displayName, selected: $0.id == chosen?.id) }))
    }
}
