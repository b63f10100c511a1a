import Fluent
import Foundation
import OneWindowCore

/// Work orders as Open311 GeoReport v2 service requests (DESIGN.md, Interfaces; RULES.md, Identity and contact
/// data): what is listed, how it is filtered, and what each request shows.
///
/// An order is an Open311 request when its category is a second- or third-level category (its service is then
/// the second-level one) or when it came in through Open311 (`serviceCode`). Its `service_request_id` is the
/// order number (`12345-20250305-00012`).
///
/// **No personal data leaves:** never the appellant's name, phone or an e-mail; the description goes through
/// `Masking.redact` after the stored name (`张*明`) and phone (`138****8000`) are masked wherever they appear in the
/// text; the address keeps its county and township only (`Masking.address`: `天城镇桃溪大****`).
enum Open311Requests {
    /// `open` or `closed` (the spec's two statuses): open while `WorkOrderState.isOpen`.
    enum Status: String, CaseIterable, Sendable {
        case open
        case closed

        init(_ state: WorkOrderState) { self = state.isOpen ? .open : .closed }

        var states: [WorkOrderState] { WorkOrderState.allCases.filter { Status($0) == self } }
    }

    /// The filters of `GET requests`. With `numbers` the others are ignored (the spec). `from`…`until` bound
    /// `requested_datetime` (both inclusive, both applied when both are given).
    struct Filter: Sendable {
        var numbers: [String]?
        var serviceCodes: [String]?
        var from: Date?
        var until: Date?
        var statuses: Set<Status>?
    }

    /// At most this many requests per answer (the spec's default limit).
    static let limit = 1000

    /// The orders matching `filter`, newest first (by intake, then number), at most `limit`.
    static func orders(_ filter: Filter, region: String, catalog: Open311Catalog, on db: any Database) async throws -> [WorkOrder] {
        let query = WorkOrder.scoped(on: db, to: region).with(\.$leadDepartment)
        var codes: Set<String>?
        if let numbers = filter.numbers {
            query.filter(\.$number ~~ numbers)
        } else {
            if let from = filter.from { query.filter(\.$receivedAt >= from) }
            if let until = filter.until { query.filter(\.$receivedAt <= until) }
            if let statuses = filter.statuses { query.filter(\.$state ~~ statuses.flatMap(\.states)) }
            codes = filter.serviceCodes.map(Set.init)
        }
        let services = codes.map { codes in catalog.services.filter { codes.contains($0.code) } } ?? catalog.services
        let categoryIDs = services.flatMap(catalog.categoryIDs(of:))
        query.group(.or) { group in
            if !categoryIDs.isEmpty { group.filter(\.$category.$id ~~ categoryIDs) }
            if let codes { group.filter(\.$serviceCode ~~ Array(codes)) } else { group.filter(\.$serviceCode != nil) }
        }
        let orders = try await query.sort(\.$receivedAt, .descending).sort(\.$number, .descending).limit(limit).all()
        // An order filed under a code by Open311 and moved to another category since is listed under the new one.
        guard let codes else { return orders }
        return orders.filter { serviceCode(of: $0, catalog: catalog).map(codes.contains) ?? false }
    }

    /// The order numbered `number` when it is an Open311 request of `region`.
    static func order(number: String, region: String, catalog: Open311Catalog, on db: any Database) async throws -> WorkOrder? {
        let order = try await WorkOrder.scoped(on: db, to: region).filter(\.$number == number)
            .with(\.$leadDepartment).first()
        guard let order, serviceCode(of: order, catalog: catalog) != nil else { return nil }
        return order
    }

    /// The service code an order is listed under: its category's service, else the code it came in with.
    static func serviceCode(of order: WorkOrder, catalog: Open311Catalog) -> String? {
        catalog.service(ofCategory: order.$category.id)?.code ?? order.serviceCode
    }

    /// What the centre tells the citizen to expect: `投诉类诉求，派单后 5 个工作日内答复` (RULES.md, 12345 limits,
    /// with the category's own limit when it has one); an emergency is answered the same day.
    static func notice(type: AppealType, urgency: Urgency, categoryID: UUID?, catalog: Open311Catalog) -> String {
        var limits = WorkOrderLimits()
        limits.replyOverride = categoryID.flatMap(catalog.tree.replyLimit(of:))
        let days = limits.reply(type: type, urgency: urgency).wholeDays
        if days == 0 { return "\(type.label)类紧急诉求，当日答复" }
        return "\(type.label)类诉求，派单后 \(days) 个工作日内答复"
    }

    /// One `<request>`: the spec's fields in its order. `agency_responsible` is the lead department once
    /// dispatched, the 12345 hotline before; `expected_datetime` the reply deadline once dispatched; datetimes
    /// `2025-03-10T09:30:00+08:00` in `zone`; `lat`/`long` numbers or null; `address_id`, `zipcode` null; `media_url`
    /// always null: a URL someone else typed may carry a phone or ID number (个人信息保护法), and the site republishes
    /// none (it is kept with the order, `work_order_media`).
    static func node(_ order: WorkOrder, catalog: Open311Catalog, zone: TimeZone) -> Open311Node {
        let service = catalog.service(ofCategory: order.$category.id) ?? order.serviceCode.flatMap(catalog.service)
        let agency = order.$leadDepartment.value.flatMap { $0?.name } ?? "12345政务服务便民热线"
        // The place may be the appellant's home: county and township only (`Masking.address`), as in the masked export.
        let address = order.address.isEmpty ? nil : Masking.address(order.address)
        func time(_ date: Date?) -> Open311Node { .text(date.map { Open311DateTime.format($0, zone: zone) }) }
        return .record([
            ("service_request_id", .text(order.number)),
            ("status", .text(Status(order.state).rawValue)),
            ("status_notes", .text(order.state.label)),
            ("service_name", .text(service?.name)),
            ("service_code", .text(serviceCode(of: order, catalog: catalog) ?? "")),
            ("description", .text(Masking.redact(order.content, name: order.appellantName, phone: order.phone, maxLength: 4000))),
            ("agency_responsible", .text(agency)),
            (
                "service_notice",
                .text(notice(type: order.appealType, urgency: order.urgency, categoryID: order.$category.id, catalog: catalog))
            ),
            ("requested_datetime", time(order.receivedAt)),
            ("updated_datetime", time(order.updatedAt)),
            ("expected_datetime", time(order.replyDueAt)),
            ("address", .text(address)),
            ("address_id", .text(nil)),
            ("zipcode", .text(nil)),
            ("lat", .number(order.latitude)),
            ("long", .number(order.longitude)),
            ("media_url", .text(nil)),
        ])
    }

    /// The `<service_requests>` document of `orders`.
    static func document(_ orders: [WorkOrder], catalog: Open311Catalog, zone: TimeZone, on db: any Database) async throws
        -> Open311Document
    {
        Open311Document(
            root: "service_requests",
            value: .list(
                item: "request",
                orders.map {
                    node($0, catalog: catalog, zone: zone)
                }))
    }
}
