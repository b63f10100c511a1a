import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Home visits: the public request form, the staff list of pending requests (with how long each has waited), a
/// request's page (confirm a time, assign a helper, record the visit, file its cases as 代办), and a helper's calendar.
struct HomeVisitController {
    func register(_ web: any RoutesBuilder) {
        web.get(.newHomeVisit, use: form)
        web.get(.homeVisitStatus, use: status)
        web.post(.newHomeVisit, use: request)
        let staff = web.grouped(RoleGuard(FrontDeskAccess.homeVisits))
        staff.get(.homeVisits, use: list)
        staff.post(.homeVisits, use: staffRequest)
        staff.get(.helperCalendar, use: calendar)
        staff.get(.homeVisit, use: show)
        staff.post(.homeVisitPersonal, use: showPersonal)
        staff.post(.homeVisitStep, use: step)
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
            text.count == 15 && text.hasPrefix("SM-") && text.dropFirst(3).allSatisfy { $0.isASCII && ($0.isNumber || $0 == "-") }
                ? text : nil
        }
        return try await render(req, values: [:], errors: [:], done: done)
    }

    func render(_ req: Request, values: [String: String], errors: [String: String], done: String? = nil) async throws -> View {
        try await req.view.render(
            "frontdesk/home-visit-form",
            FormContext(
                page: PageChrome(request: req, title: "预约上门服务", forms: true),
                reasons: HomeVisitReason.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: values["reason"] == $0.rawValue)
                },
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
        return req.redirect(to: SiteRoute.newHomeVisit.path(query: ["done": visit.number]))
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
        let number = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "number")).map {
            String($0.prefix(20)).uppercased()
        }
        let phone4 = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "phone4")).map { String($0.prefix(4)) } ?? ""
        func page(_ error: String?, _ visit: HomeVisit? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
            try await req.view.render(
                "frontdesk/home-visit-status",
                StatusContext(
                    page: PageChrome(request: req, title: "上门服务进度"), number: number ?? "", phone4: phone4, error: error,
                    found: visit != nil,
                    state: visit?.state.label ?? "", visitAt: visit?.visitAt.map { LocalTime.format($0, in: req.settings.timeZone) },
                    helperAssigned: visit?.helperID != nil,
                    // The staff-typed reason of a cancellation may name the requester: masked with their name and phone.
                    outcome: visit.flatMap { visit in
                        visit.state == .cancelled ? visit.outcome.map { Masking.redact($0, name: visit.name, phone: visit.phone) } : nil
                    })
            )
            .encodeResponse(status: status, for: req)
        }
        guard let number else { return try await page(nil) }
        if let problem = PublicLookups.phone4Problem(phone4) { return try await page(problem, status: .badRequest) }
        guard
            let visit = try await req.application.publicLookups.find(
                "hv:" + number, phone4: phone4, on: req,
                load: { try await HomeVisit.scoped(on: req.db, to: req.settings.region.value).filter(\.$number == number).first() },
                phone: { $0.phone })
        else { return try await page("没有找到与该编号和手机后 4 位相符的申请，请核对后再试") }
        return try await page(nil, visit)
    }

    /// 电话预约: staff register a request taken by phone.
}
