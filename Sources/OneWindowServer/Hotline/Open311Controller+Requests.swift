import Fluent
import Foundation
import OneWindowCore
import Vapor

/// Open311 GeoReport v2 service requests: create, list, one by id, one by token.
extension Open311Controller {
    /// `GET requests`: filters `service_request_id` (comma list; then the other filters are ignored, as the spec
    /// says), `service_code` (comma list), `start_date` / `end_date` (`Open311DateTime`; both bounds apply when both
    /// are given; no dates = the last 90 days), `status` (`open`, `closed`, comma list). Newest first, at most 1000.
    /// - Throws: `Open311Error` 400 naming the parameter that is not understood.
    func requests(_ req: Request, _ format: Open311Format) async throws -> Response {
        let parameters = try Self.parameters(req)
        let zone = req.settings.timeZone
        var filter = Open311Requests.Filter()
        if let ids = Self.list(parameters["service_request_id"]) {
            filter.numbers = ids.map { WorkOrderNumber(parsing: $0)?.description ?? $0 }
        } else {
            filter.serviceCodes = Self.list(parameters["service_code"])
            if let statuses = Self.list(parameters["status"]) {
                filter.statuses = Set(
                    try statuses.map { text in
                        guard let status = Open311Requests.Status(rawValue: text.lowercased()) else {
                            throw Open311Error.badParameter("status", "只能是 open 或 closed（可用逗号分隔）")
                        }
                        return status
                    })
            }
            func date(_ name: String) throws -> Open311DateTime.Parsed? {
                guard let text = parameters[name] else { return nil }
                guard let parsed = Open311DateTime.parse(text, zone: zone) else {
                    throw Open311Error.badParameter(name, "须为 W3C 日期时间，如 2025-03-05T10:00:00+08:00 或 2025-03-05T02:00:00Z")
                }
                return parsed
            }
            let start = try date("start_date")
            let end = try date("end_date")
            // A bare end date covers its whole local day.
            let until = end.map { $0.dayEnd.map { $0.addingTimeInterval(-0.001) } ?? $0.instant }
            if let start, let until, until < start.instant {
                throw Open311Error.badParameter("end_date", "不能早于 start_date")
            }
            let ninetyDays: TimeInterval = 90 * 86_400
            filter.from = start?.instant ?? (until ?? req.now).addingTimeInterval(-ninetyDays)
            filter.until = until
        }
        let catalog = try await Self.catalog(req)
        let orders = try await Open311Requests.orders(filter, region: req.settings.region.value, catalog: catalog, on: req.db)
        return try await Open311Requests.document(orders, catalog: catalog, zone: zone, on: req.db).response(format)
    }

    /// `GET requests/12345-20250305-00012.json`: an array with the one request.
    /// - Throws: `Open311Error` 404 for an unknown number.
    func request(_ req: Request) async throws -> Response {
        let (id, format) = try Self.file(req)
        _ = try Self.parameters(req)
        let catalog = try await Self.catalog(req)
        let number = WorkOrderNumber(parsing: id)?.description ?? id
        guard let order = try await Open311Requests.order(number: number, region: req.settings.region.value, catalog: catalog, on: req.db)
        else {
            throw Open311Error.notFound("没有服务请求 \(id)")
        }
        return try await Open311Requests.document([order], catalog: catalog, zone: req.settings.timeZone, on: req.db).response(format)
    }

    /// `GET tokens/{token}.json` (also without the extension, as JSON): `[{"service_request_id", "token"}]`.
    /// - Throws: `Open311Error` 404 for an unknown token.
    func token(_ req: Request) async throws -> Response {
        let file = req.parameters.get("file") ?? ""
        let (token, format) = Open311Format.split(file).map { ($0.name, $0.format) } ?? (file, .json)
        _ = try Self.parameters(req)
        guard token.count <= 100,
            let order = try await WorkOrder.scoped(on: req.db, to: req.settings.region.value)
                .filter(\.$open311Token == token).first()
        else { throw Open311Error.notFound("没有令牌 \(token) 对应的服务请求") }
        return Open311Document(
            root: "service_requests",
            value: .list(
                item: "request",
                [
                    .record([("service_request_id", .text(order.number)), ("token", .text(token))])
                ])
        ).response(format)
    }

    /// `POST requests`: files a work order (channel `.api`, state 待派单) for the hotline to dispatch.
    ///
    /// Parameters (form or JSON): `api_key` (token with `hotline:write`), `jurisdiction_id`, `service_code`
    /// (a service of `services`), `lat` + `long` (WGS-84 degrees, inside the county) or `address_string`,
    /// `description` (≤ 4000 characters), `first_name`, `last_name`, `phone` (mobile or landline), `email`,
    /// `device_id`, `account_id` (accepted, not stored), `media_url` (http/https), `attribute[subcategory]` (a
    /// third-level code of the service; else the service's category), `attribute[appeal_type]` (`inquiry` …
    /// `praise`; default `help`).
    ///
    /// Answers 201 `[{"service_request_id": "12345-…", "token": "…", "service_notice": "…", "account_id": null}]`.
    /// - Throws: `Open311Error` 403 without a valid key, 400 naming a bad parameter.
    func create(_ req: Request, _ format: Open311Format) async throws -> Response {
        let parameters = try Open311Parameters.body(of: req)
        let staff = try await Self.staff(forKey: parameters["api_key"], req)
        try Self.checkJurisdiction(parameters, req)
        let catalog = try await Self.catalog(req)
        guard let code = parameters["service_code"] else { throw Open311Error.badParameter("service_code", "必填") }
        guard let service = catalog.service(code) else {
            throw Open311Error.badParameter("service_code", "没有服务 \(code)（见 services）")
        }
        let latitude = try open311Coordinate(parameters["lat"], name: "lat")
        let longitude = try open311Coordinate(parameters["long"], name: "long")
        try GeoBounds.demoCounty.check(latitude: latitude, longitude: longitude)
        let address = parameters["address_string"].map(TextNormalization.trimmed) ?? ""
        guard latitude != nil || !address.isEmpty else {
            throw Open311Error.badParameter("lat", "请提供位置：lat 与 long，或 address_string")
        }
        guard address.count <= 200 else { throw Open311Error.badParameter("address_string", "不能超过 200 字") }
        let description = parameters["description"].map(TextNormalization.trimmed) ?? ""
        guard !description.isEmpty else { throw Open311Error.badParameter("description", "必填") }
        guard TextNormalization.length(description) <= 4000 else { throw Open311Error.badParameter("description", "不能超过 4000 字") }
        let appealType =
            try parameters["attribute[appeal_type]"].map { text in
                guard let type = AppealType(rawValue: text) else {
                    throw Open311Error.badParameter(
                        "attribute[appeal_type]", "须为 " + AppealType.allCases.map(\.rawValue).joined(separator: "、") + " 之一")
                }
                return type
            } ?? .help
        let subcategory = parameters["attribute[subcategory]"].flatMap { code in
            catalog.subcategories(of: service).first { $0.code == code }
        }
        let phone = try parameters["phone"].map { try ContactPhone.normalise($0, field: "phone") }
        let mediaURL = try parameters["media_url"].map(Self.mediaURL)
        let name = try Self.appellantName(first: parameters["first_name"], last: parameters["last_name"])

        req.auth.login(staff)
        let token = UUID().uuidString.lowercased()
        let categoryID = subcategory?.id ?? service.id
        let intake = HotlineService.Intake(
            channel: .api, appealType: appealType, appellantName: name, phone: phone,
            title: String(description.replacingOccurrences(of: "\n", with: " ").prefix(30)), content: description, address: address,
            latitude: latitude, longitude: longitude, categoryID: categoryID, serviceCode: service.code, open311Token: token)
        let hotline = try await HotlineService(req)
        let order = try await hotline.register(intake)
        if let mediaURL {
            try await WorkOrderMedia(
                regionCode: order.regionCode, workOrderID: order.requireID(), url: mediaURL, createdAt: order.receivedAt
            )
            .create(on: req.db)
        }
        let notice = Open311Requests.notice(type: appealType, urgency: .normal, categoryID: categoryID, catalog: catalog)
        return Open311Document(
            root: "service_requests",
            value: .list(
                item: "request",
                [
                    .record([
                        ("service_request_id", .text(order.number)),
                        ("token", .text(token)),
                        ("service_notice", .text("已受理，工单号 \(order.number)；\(notice)")),
                        ("account_id", .text(nil)),
                    ])
                ])
        ).response(format, status: .created)
    }

    // MARK: Parameters

    /// The staff account of a valid API token holding `hotline:write`.
    /// - Throws: `Open311Error` 403 when the key is missing, unknown, revoked, without the scope, or its account
    ///   is inactive or still has to change its first password.
    static func staff(forKey key: String?, _ req: Request) async throws -> Staff {
        guard let key else { throw Open311Error.forbidden("缺少 api_key：提交诉求须提供具有 hotline:write 权限的接口令牌") }
        guard let (_, token) = try await APITokens.authenticate(key, on: req),
            token.regionCode == req.settings.region.value, token.scopes.contains("hotline:write"),
            let staff = req.auth.get(Staff.self)
        else { throw Open311Error.forbidden("api_key 无效、已撤销或没有 hotline:write 权限") }
        return staff
    }

    /// `张三` from last name `张` and first name `三`; `John Smith` when either part is in Latin letters; `nil` when
    /// neither is given.
    /// - Throws: `Open311Error` 400 when a part is longer than 50 characters.
    static func appellantName(first: String?, last: String?) throws -> String? {
        let first = TextNormalization.normalizedOrNil(first)
        let last = TextNormalization.normalizedOrNil(last)
        for (name, value) in [("first_name", first), ("last_name", last)] where (value?.count ?? 0) > 50 {
            throw Open311Error.badParameter(name, "不能超过 50 字")
        }
        let parts = [first, last].compactMap { $0 }
        guard !parts.isEmpty else { return nil }
        if parts.joined().unicodeScalars.allSatisfy({ !$0.isASCII }) { return (last ?? "") + (first ?? "") }
        return parts.joined(separator: " ")
    }

    /// A media URL: `http` or `https` with a host, at most 2,000 characters.
    /// - Throws: `Open311Error` 400 on `media_url` otherwise.
    static func mediaURL(_ text: String) throws -> String {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else { throw Open311Error.badParameter("media_url", "须为 http 或 https 网址，不超过 2000 字") }
        return text
    }

    /// A comma list without blanks; `nil` when absent or empty.
    static func list(_ text: String?) -> [String]? {
        let items = (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return items.isEmpty ? nil : items
    }
}
