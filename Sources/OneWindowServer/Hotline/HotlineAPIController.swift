import Fluent
import Foundation
import OneWindowCore
import Vapor

/// `/api/v1/work-orders`: WeChat, the app (mini-program) and other systems file 12345 appeals with their channel
/// recorded, and read the progress of orders that came in through such channels (not phone calls, not imported
/// history). Bearer token with `hotline:write`. Personal data is masked in answers, also inside the texts.
struct HotlineAPIController {
    func register(_ api: any RoutesBuilder) {
        let write = api.grouped(APITokenAuthenticator()).grouped(ScopeGuard("hotline:write"))
        write.post(.apiWorkOrders, use: create)
        write.get(.apiWorkOrder, use: show)
    }

    struct CreateRequest: Content {
        let channel: String?
        let appealType: String?
        let urgency: String?
        let appellantName: String?
        let phone: String?
        let title: String?
        let content: String?
        let address: String?
        let township: String?
        let latitude: Double?
        let longitude: Double?
    }

    struct WorkOrderDTO: Content {
        let number: String
        let channel: String
        let appealType: String
        let urgency: String
        let state: String
        let stateLabel: String
        let appellantName: String?
        let phone: String?
        let title: String
        let content: String
        let address: String
        let category: String?
        let department: String?
        let receivedAt: String
        let replyDueAt: String?
        let reply: String?
        let repliedAt: String?
    }

    /// The channels an API client may declare (the phone line and the window file through the staff pages).
    static let apiChannels: Set<HotlineChannel> = [.wechat, .app, .website, .api, .letter]

    func create(req: Request) async throws -> Response {
        let body = try req.content.decode(CreateRequest.self)
        let channelText = body.channel ?? HotlineChannel.api.rawValue
        guard let channel = HotlineChannel(rawValue: channelText), Self.apiChannels.contains(channel) else {
            throw PlatformError.invalidField(.init(field: "channel", message: "channel 应为 wechat、app、website、letter 或 api"))
        }
        // The JSON API is strict where a web form is lenient: an empty urgency is not one of its values.
        if let urgency = body.urgency, Urgency(rawValue: urgency) == nil {
            throw PlatformError.invalidField(.init(field: "urgency", message: "urgency 应为 normal 或 emergency"))
        }
        let townships = Dictionary(
            try await HotlineIntakeForm.townships(region: req.settings.region.value, on: req.db).map { ($0.code, $0.name) },
            uniquingKeysWith: { a, _ in a })
        let fields: [String: String?] = [
            "appealType": body.appealType, "urgency": body.urgency, "appellantName": body.appellantName, "phone": body.phone,
            "title": body.title, "content": body.content, "address": body.address, "township": body.township,
            "latitude": body.latitude.map { String($0) }, "longitude": body.longitude.map { String($0) },
        ]
        let (intake, errors) = HotlineIntakeForm.read({ fields[$0] ?? nil }, channel: channel, requirePhone: false, townships: townships)
        guard let intake else {
            let (field, message) = errors.sorted { $0.key < $1.key }.first!
            throw PlatformError.invalidField(.init(field: field, message: message))
        }
        let order = try await HotlineService(req).register(intake)
        return try await Self.dto(order, req: req).encodeResponse(status: .created, for: req)
    }

    func show(req: Request) async throws -> WorkOrderDTO {
        guard let number = req.parameters.get("number").flatMap(WorkOrderNumber.init(parsing:)),
            let order = try await WorkOrder.scoped(on: req.db, to: req.settings.region.value)
                .filter(\.$number == number.description).filter(\.$channel ~~ Array(Self.apiChannels)).filter(\.$sourceRef == nil).first()
        else { throw PlatformError.notFound(what: "工单") }
        try await AccessPolicy.require(.view, on: HotlineAccess.relations(of: order, on: req.db), entityID: order.id?.uuidString, req)
        return try await Self.dto(order, req: req)
    }

    static func dto(_ order: WorkOrder, req: Request) async throws -> WorkOrderDTO {
        let zone = req.settings.timeZone
        let tree = try await HotlineCategoryTree.load(region: order.regionCode, on: req.db)
        let department = try await order.$leadDepartment.get(on: req.db)
        return WorkOrderDTO(
            number: order.number, channel: order.channel.rawValue, appealType: order.appealType.rawValue, urgency: order.urgency.rawValue,
            state: order.state.rawValue, stateLabel: order.state.label, appellantName: order.appellantName.map(Masking.name),
            phone: order.phone.map { $0.contains("-") ? String($0.prefix(5)) + "****" : Masking.phone($0) },
            title: HotlineService.shared(order.title, naming: order.appellantName),
            content: HotlineService.shared(order.content, naming: order.appellantName),
            address: HotlineService.shared(order.address, naming: order.appellantName),
            category: order.$category.id.map { tree.label($0) }, department: department?.name,
            receivedAt: LocalTime.iso(order.receivedAt, zone)!, replyDueAt: LocalTime.iso(order.replyDueAt, zone),
            reply: order.reply.map { HotlineService.shared($0, naming: order.appellantName) },
            repliedAt: LocalTime.iso(order.repliedAt, zone))
    }
}
