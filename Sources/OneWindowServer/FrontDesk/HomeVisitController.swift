import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Home visits: the public request form, the staff list of pending requests (with how long each has waited), a
/// request's page (confirm a time, assign a helper, record the visit, file its cases as 代办), and a helper's calendar.
struct HomeVisitController {
    func register(_ web: any RoutesBuilder) {
        web.get("home-visits", "new", use: form)
        web.get("home-visits", "status", use: status)
        web.post("home-visits", "new", use: request)
        let staff = web.grouped(RoleGuard(FrontDeskAccess.homeVisits))
        staff.get("home-visits", use: list)
        staff.post("home-visits", use: staffRequest)
        staff.get("home-visits", "calendar", use: calendar)
        staff.get("home-visits", ":id", use: show)
        staff.post("home-visits", ":id", "personal", use: showPersonal)
        staff.post("home-visits", ":id", ":step", use: step)
    }

    struct FormContext: Encodable {
        let page: PageChrome
        let reasons: [SelectOption]
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
        let done: String?
    }

    func form(req: Request) async throws -> View {
        // Only a request number (SM-20250305-001) is echoed: the page never shows other text from the address.
        let done = (try? req.query.get(String.self, at: "done")).flatMap { text in
            text.count == 15 && text.hasPrefix("SM-") && text.dropFirst(3).allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-") } ? text : nil
        }
        return try await render(req, values: [:], errors: [:], done: done)
    }

    private func render(_ req: Request, values: [String: String], errors: [String: String], done: String? = nil) async throws -> View {
        try await req.view.render("frontdesk/home-visit-form", FormContext(
            page: PageChrome(request: req, title: "预约上门服务", forms: true),
            reasons: HomeVisitReason.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: values["reason"] == $0.rawValue) },
            values: values, errors: errors, errorList: errors.sorted { $0.key < $1.key }.map(\.value), done: done))
    }

    static func input(_ form: FormFields, channel: HomeVisit.Channel) -> (HomeVisitService.RequestInput?, [String: String]) {
        var check = FormCheck()
        let reason = check.choice(form["reason"], field: "reason", label: "服务对象", as: HomeVisitReason.self)
        let id = check.check { () throws(FieldError) in try ResidentID(form["idNumber"] ?? "", field: "idNumber") }
        let name = check.required(form["name"], field: "name", label: "姓名", max: 30)
        let phone = check.check { () throws(FieldError) in try MobileNumber(form["phone"] ?? "", field: "phone") }
        let address = check.required(form["address"], field: "address", label: "上门地址", max: 120)
        let need = check.required(form["need"], field: "need", label: "需要办理的事项", max: 300)
        guard check.isValid, let reason, let id, let phone else { return (nil, check.errors) }
        return (.init(channel: channel, reason: reason, residentID: id, name: name, phone: phone, address: address, need: need), [:])
    }

    func request(req: Request) async throws -> Response {
        let form = try req.formFields()
        let (input, errors) = Self.input(form, channel: .online)
        guard let input else {
            let values = ["reason", "idNumber", "name", "phone", "address", "need"].reduce(into: [String: String]()) { $0[$1] = form[$1] }
            return try await render(req, values: values, errors: errors).encodeResponse(status: .badRequest, for: req)
        }
        let visit = try await HomeVisitService(req).request(input)
        return req.redirect(to: Paths.newHomeVisit + "?done=" + visit.number)
    }

    struct StatusContext: Encodable {
        let page: PageChrome
        let number: String
        let phone4: String
        let error: String?
        let found: Bool
        let state: String
        let visitAt: String?
        let helperAssigned: Bool
        let outcome: String?
    }

    /// `/home-visits/status?number=SM-…&phone4=1234`: a requester follows the request (masked; guesses throttled like
    /// the case progress query).
    func status(req: Request) async throws -> Response {
        let number = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "number")).map { String($0.prefix(20)).uppercased() }
        let phone4 = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "phone4")).map { String($0.prefix(4)) } ?? ""
        func page(_ error: String?, _ visit: HomeVisit? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
            try await req.view.render("frontdesk/home-visit-status", StatusContext(
                page: PageChrome(request: req, title: "上门服务进度"), number: number ?? "", phone4: phone4, error: error, found: visit != nil,
                state: visit?.state.label ?? "", visitAt: visit?.visitAt.map { LocalTime.format($0, in: req.settings.timeZone) },
                helperAssigned: visit?.helperID != nil, outcome: visit?.state == .cancelled ? visit?.outcome.map(Masking.redact) : nil))
                .encodeResponse(status: status, for: req)
        }
        guard let number else { return try await page(nil) }
        guard phone4.count == 4, phone4.allSatisfy({ $0.isASCII && $0.isNumber }) else { return try await page("请填写联系手机的后 4 位数字", status: .badRequest) }
        let throttles = req.application.progressThrottles
        try await throttles.check("hv:" + number, on: req)
        guard let visit = try await HomeVisit.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$number == number).first(),
              visit.phone.hasSuffix(phone4)
        else {
            await throttles.recordFailure("hv:" + number, on: req)
            return try await page("没有找到与该编号和手机后 4 位相符的申请，请核对后再试")
        }
        return try await page(nil, visit)
    }

    /// 电话预约: staff register a request taken by phone.
    func staffRequest(req: Request) async throws -> Response {
        let (input, errors) = Self.input(try req.formFields(), channel: .phone)
        guard let input else {
            let (field, message) = errors.sorted { $0.key < $1.key }.first!
            throw PlatformError.invalidField(FieldError(field: field, message: message))
        }
        let visit = try await HomeVisitService(req).request(input)
        return req.redirect(to: Paths.homeVisit(visit.id!))
    }

    struct Row: Encodable {
        let id: String; let number: String; let reason: String; let name: String; let address: String; let need: String; let state: String
        let waited: String; let visitAt: String?; let helper: String?; let link: String
    }

    static func row(_ visit: HomeVisit, now: Date, zone: TimeZone) -> Row {
        let age = (try? ResidentID(visit.idNumber)).map { "（\($0.age(on: LocalDate(now, in: zone))) 岁）" } ?? ""
        return Row(id: visit.id!.uuidString, number: visit.number, reason: visit.reason.label + age, name: Masking.name(visit.name),
            address: Masking.address(visit.address), need: visit.need, state: visit.state.label,
            waited: waited(from: visit.requestedAt, to: visit.visitedAt ?? now),
            visitAt: visit.visitAt.map { LocalTime.format($0, in: zone) }, helper: visit.helperName, link: Paths.homeVisit(visit.id!))
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
        let pending = try await HomeVisit.query(on: req.db).filter(\.$regionCode == region)
            .filter(\.$state ~~ HomeVisitState.allCases.filter(\.isPending)).sort(\.$requestedAt).all()
        let finished = try await HomeVisit.query(on: req.db).filter(\.$regionCode == region).filter(\.$state ~~ [.visited, .cancelled])
            .sort(\.$requestedAt, .descending).limit(30).all()
        let zone = req.settings.timeZone
        return try await req.view.render("frontdesk/home-visits", ListContext(
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

    /// 查看完整联系方式: the full name, phone and address, to call and to travel; the view is audited.
    func showPersonal(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let visit = try await HomeVisit.find(id, on: req.db),
              visit.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "上门服务申请") }
        try await Audit.record(on: req.db, region: req.settings.region.value, actor: req.actor, action: "personal_data.view", entityType: "home_visit",
                               entityID: id.uuidString, summary: "查看上门服务 \(visit.number) 申请人完整联系方式", at: req.now)
        return try await renderShow(req, error: nil, status: .ok, unmasked: visit)
    }

    private func renderShow(_ req: Request, error: String?, status: HTTPResponseStatus, unmasked: HomeVisit? = nil) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)), let visit = try await HomeVisit.find(id, on: req.db),
              visit.regionCode == req.settings.region.value
        else { throw PlatformError.notFound(what: "上门服务申请") }
        let staff = try req.auth.require(Staff.self)
        let helpers = try await Staff.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$active == true).all()
            .filter { $0.has(.helper) }
        let cases = try await Case.query(on: req.db).filter(\.$homeVisitID == id).sort(\.$caseNumber).all()
        return try await req.view.render("frontdesk/home-visit", ShowContext(
            page: PageChrome(request: req, title: "上门服务 \(visit.number)"), visit: Self.row(visit, now: req.now, zone: req.settings.timeZone),
            phone: Masking.phone(visit.phone),
            full: unmasked.map { ["name": $0.name, "phone": $0.phone, "address": $0.address, "idNumber": $0.idNumber] },
            channel: visit.channel.label, outcome: visit.outcome,
            helpers: helpers.map { SelectOption(value: $0.id!.uuidString, label: $0.displayName, selected: $0.id == visit.helperID) },
            canFile: (visit.state == .assigned || visit.state == .visited) && (visit.helperID == staff.id || staff.has(.admin)),
            fileLink: Paths.newCase + "?homeVisit=" + id.uuidString,
            cases: cases.map { .init(number: $0.caseNumber, item: $0.itemName, state: $0.state.label, link: Paths.case($0.id!)) },
            pending: visit.state.isPending, error: error)).encodeResponse(status: status, for: req)
    }

    func step(req: Request) async throws -> Response {
        guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw PlatformError.notFound(what: "上门服务申请") }
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
                guard let helperID = form["helperId"].flatMap(UUID.init(uuidString:)), let helper = try await Staff.find(helperID, on: req.db) else {
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
            return req.redirect(to: Paths.homeVisit(id))
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
        let helpers = try await Staff.query(on: req.db).filter(\.$regionCode == req.settings.region.value).filter(\.$active == true).all()
            .filter { $0.has(.helper) }
        let chosen = (try? req.query.get(UUID.self, at: "helper")).flatMap { id in helpers.first { $0.id == id } }
            ?? (staff.has(.helper) ? staff : helpers.first)
        let zone = req.settings.timeZone
        let visits = try await HomeVisit.query(on: req.db).filter(\.$helperID == chosen?.id).filter(\.$visitAt != nil).sort(\.$visitAt).all()
            .filter { $0.state != .cancelled }
        let grouped = Dictionary(grouping: visits) { LocalDate($0.visitAt!, in: zone).description }
        return try await req.view.render("frontdesk/helper-calendar", CalendarContext(
            page: PageChrome(request: req, title: "帮办员日程"), helper: chosen?.displayName ?? "—",
            days: grouped.keys.sorted().map { .init(day: $0, visits: grouped[$0]!.map { Self.row($0, now: req.now, zone: zone) }) },
            helpers: helpers.map { SelectOption(value: $0.id!.uuidString, label: $0.displayName, selected: $0.id == chosen?.id) }))
    }
}
