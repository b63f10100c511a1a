import Fluent
import Foundation
import OneWindowCore
import Testing
import VaporTesting

@testable import OneWindowServer

enum DeskFixtures {
    static func hall(_ app: Application, _ code: String = "CY-ZX") async throws -> Hall {
        try #require(try await Hall.query(on: app.db).filter(\.$code == code).first())
    }

    static func category(_ app: Application, _ prefix: String, hall: String = "CY-ZX") async throws -> TicketCategory {
        let hall = try await Self.hall(app, hall)
        return try #require(
            try await TicketCategory.query(on: app.db).filter(\.$hall.$id == hall.requireID()).filter(\.$prefix == prefix).first())
    }

    static func window(_ app: Application, _ number: String) async throws -> Window {
        let hall = try await Self.hall(app)
        return try #require(try await Window.query(on: app.db).filter(\.$hall.$id == hall.requireID()).filter(\.$number == number).first())
    }

    /// The queue service as `staff` would use it, at the app clock's instant.
    static func queue(_ app: Application, staff: Staff? = nil) -> QueueService {
        QueueService(
            db: app.db, zone: app.settings.timeZone, region: app.settings.region.value,
            actor: Actor(id: staff?.id, name: staff?.username ?? "anonymous", ip: nil), staff: staff, now: app.clock.now,
            bus: app.eventBus, settings: app.queueSettings)
    }

    static func appointments(_ app: Application) -> AppointmentService {
        AppointmentService(
            db: app.db, zone: app.settings.timeZone, region: app.settings.region.value, now: app.clock.now,
            rules: app.queueSettings.booking)
    }

    /// Issues a ticket of `prefix` at the current clock.
    @discardableResult
    static func issue(
        _ app: Application, _ prefix: String, id: String? = nil, phone: String? = nil, declared: TicketPriority = .none,
        channel: Ticket.Channel = .kiosk
    ) async throws -> Ticket {
        try await queue(app).issue(
            .init(
                hall: hall(app), category: category(app, prefix), channel: channel,
                residentID: try id.map { try ResidentID($0) }, name: nil, phone: phone, declared: declared))
    }

    /// A valid 身份证号 for a person born on `birth` (`19500101`), with sequence `seq` (3 digits).
    static func residentID(birth: String, seq: Int) -> String {
        let body = "110105" + birth + String(format: "%03d", seq)
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return body + String(Array("10X98765432")[sum % 11])
    }
}
