import Fluent
import Foundation
import OneWindowCore
import Vapor

/// The citizen's side of 12345 on the portal: the appeal form (channel 网站) with its receipt, and the status page
/// (work order number plus the phone's last 4 digits; guesses throttled like `/progress`; the reply is shown with
/// phone and ID numbers masked).
struct HotlinePortalController {
    func register(_ web: any RoutesBuilder) {
        web.get(.hotlineAppeal, use: form)
        web.post(.hotlineAppeal, use: submit)
        web.get(.hotlineStatus, use: status)
    }

    struct FormContext: Encodable {
        let page: PageChrome
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
        let types: [SelectOption]
        let townships: [SelectOption]
        let done: String?
    }

    func form(req: Request) async throws -> View {
        let done = (try? req.query.get(String.self, at: "done")).flatMap(WorkOrderNumber.init(parsing:))?.description
        return try await render(req, values: [:], errors: [:], done: done)
    }

    private func render(_ req: Request, values: [String: String], errors: [String: String], done: String? = nil) async throws -> View {
        let townships = try await HotlineIntakeForm.townships(region: req.settings.region.value, on: req.db)
        return try await req.view.render(
            "hotline/appeal",
            FormContext(
                page: PageChrome(request: req, title: "12345 网上诉求", forms: true), values: values, errors: errors,
                errorList: errors.sorted { $0.key < $1.key }.map(\.value),
                types: AppealType.allCases.map {
                    SelectOption(value: $0.rawValue, label: $0.label, selected: values["appealType"] == $0.rawValue)
                },
                townships: townships.map { SelectOption(value: $0.code, label: $0.name, selected: values["township"] == $0.code) },
                done: done))
    }

    func submit(req: Request) async throws -> Response {
        let form = try req.formFields()
        let townships = Dictionary(
            try await HotlineIntakeForm.townships(region: req.settings.region.value, on: req.db).map { ($0.code, $0.name) },
            uniquingKeysWith: { a, _ in a })
        var (intake, errors) = HotlineIntakeForm.read({ form[$0] }, channel: .website, requirePhone: true, townships: townships)
        // A citizen cannot mark an appeal 紧急: the agent judges urgency.
        intake?.urgency = .normal
        guard let intake, errors.isEmpty else {
            let values = HotlineIntakeForm.fields.reduce(into: [String: String]()) { $0[$1] = form[$1] }
            errors = errors.isEmpty ? ["content": "请检查填写内容"] : errors
            return try await render(req, values: values, errors: errors).encodeResponse(status: .badRequest, for: req)
        }
        try await req.application.appealLimits.admit(phone: intake.phone ?? "", on: req)
        let order = try await HotlineService(req).register(intake)
        return req.redirect(to: SiteRoute.hotlineAppeal.path(query: ["done": order.number]))
    }

    struct StatusContext: Encodable {
        let page: PageChrome
        let number: String
        let phone4: String
        let error: String?
        let found: Bool
        let state: String
        let received: String
        let title: String
        let reply: String?
        let replied: String?
    }

    func status(req: Request) async throws -> Response {
        let typed = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "number")).map { String($0.prefix(30)) }
        let phone4 = TextNormalization.normalizedOrNil(try? req.query.get(String.self, at: "phone4")).map { String($0.prefix(4)) } ?? ""
        let zone = req.settings.timeZone
        func page(_ error: String?, _ order: WorkOrder? = nil, status: HTTPResponseStatus = .ok) async throws -> Response {
            // A merged order shows its master's progress and reply.
            var shown = order
            if let master = try await order?.$mergedInto.get(on: req.db) { shown = master }
            return try await req.view.render(
                "hotline/status",
                StatusContext(
                    page: PageChrome(request: req, title: "12345 诉求进度"), number: typed ?? "", phone4: phone4, error: error,
                    found: order != nil,
                    state: shown.map { Self.citizenLabel($0.state) } ?? "",
                    received: order.map { LocalTime.format($0.receivedAt, in: zone) } ?? "",
                    title: order.map { Masking.redactTitle($0.title, of: $0.content, name: $0.appellantName, phone: $0.phone) } ?? "",
                    // A master's reply may name the master's appellant too.
                    reply: (order?.reply ?? shown?.reply).map {
                        Masking.redact($0, names: [order?.appellantName, shown?.appellantName].compactMap { $0 }, phone: order?.phone)
                    },
                    replied: (order?.repliedAt ?? shown?.repliedAt).map { LocalTime.format($0, in: zone) })
            ).encodeResponse(status: status, for: req)
        }
        guard let typed else { return try await page(nil) }
        guard let number = WorkOrderNumber(parsing: typed) else {
            return try await page("工单编号格式应为 12345-20250305-00012", status: .badRequest)
        }
        if let problem = PublicLookups.phone4Problem(phone4, phone: "联系电话") { return try await page(problem, status: .badRequest) }
        guard
            let order = try await req.application.publicLookups.find(
                "wo:" + number.description, phone4: phone4, on: req,
                load: {
                    try await WorkOrder.scoped(on: req.db, to: req.settings.region.value)
                        .filter(\.$number == number.description).first()
                }, phone: { $0.phone })
        else { return try await page("没有找到与该编号和电话后 4 位相符的诉求，请核对后再试") }
        return try await page(nil, order)
    }

    /// The state in words an appellant understands.
    static func citizenLabel(_ state: WorkOrderState) -> String {
        switch state {
        case .registered, .returned: return "已受理，正在交办"
        case .dispatched: return "已交承办单位"
        case .handling: return "承办单位正在办理"
        case .replied: return "已答复，热线将回访"
        case .calledBack, .closed: return "已办结"
        case .merged: return "已与相同诉求合并办理"
        }
    }
}

/// Limits the public appeal form: 10 appeals per phone number and 30 per client address in an hour (a family or a
/// village office may share an address; a flood from one source is refused with 429 and the time to wait).
final class AppealLimits: Sendable {
    let perPhone = RateLimiter(window: 60 * 60, limit: 10)
    let perAddress = RateLimiter(window: 60 * 60, limit: 30)

    /// Counts one appeal, or throws `PlatformError.tooManyAttempts` when a limit is reached (nothing counted then).
    func admit(phone: String, on req: Request) async throws {
        let address = PublicLookups.address(req)
        try await perPhone.check(phone)
        try await perAddress.check(address)
        await perPhone.record(phone)
        await perAddress.record(address)
    }
}

extension Application {
    private struct AppealLimitsKey: StorageKey { typealias Value = AppealLimits }

    var appealLimits: AppealLimits { storage.memo(AppealLimitsKey.self, AppealLimits()) }
}
