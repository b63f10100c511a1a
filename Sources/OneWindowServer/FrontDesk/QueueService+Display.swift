import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

extension QueueService {
    // MARK: Display

    /// What the calling display shows: the latest calls and the waiting count per category, today.
    struct DisplayState: Content {
        struct Call: Content {
            let number: String
            let window: String
            let name: String?
            let at: String
            let state: String
        }
        struct Waiting: Content {
            let prefix: String
            let name: String
            let count: Int
        }
        let hall: String
        let day: String
        let calls: [Call]
        let waiting: [Waiting]
        let pausedWindows: [String]
        /// The hall's offset from UTC in minutes (the screen's clock shows hall time whatever the PC's zone).
        let offsetMinutes: Int
        /// Set on a live event that announces a call (`请 A023 号到 5 号窗口办理`).
        var announce: String?
    }

    static func displayState(hall: Hall, day: LocalDate, zone: TimeZone, on db: any Database) async throws -> DisplayState {
        let hallID = try hall.requireID()
        let calls = try await Ticket.query(on: db).filter(\.$hall.$id == hallID).filter(\.$serviceDay == day.description)
            // Recent calls, finished ones too (a history for the hall); a ticket sent back to the queue is not a call.
            .filter(\.$calledAt != nil).filter(\.$state != .waiting).sort(\.$calledAt, .descending).limit(8).all()
        let categories = try await TicketCategory.query(on: db).filter(\.$hall.$id == hallID).filter(\.$active == true).sort(\.$position)
            .all()
        let sql = db as! any SQLDatabase
        let counts = try await sql.raw(
            """
            SELECT category_id, COUNT(*) AS n FROM tickets WHERE hall_id = \(bind: hallID) AND service_day = \(bind: day.description) AND state = 'waiting'
            GROUP BY category_id
            """
        ).all().reduce(into: [UUID: Int]()) { counts, row in
            if let id = try? row.decode(column: "category_id", as: UUID.self) {
                counts[id] = (try? row.decode(column: "n", as: Int.self)) ?? 0
            }
        }
        let paused = try await WindowDesk.query(on: db).filter(\.$hall.$id == hallID).filter(\.$paused == true).with(\.$window).all()
        return DisplayState(
            hall: hall.name, day: day.description,
            calls: calls.map {
                .init(
                    number: $0.number, window: $0.windowNumber ?? "", name: $0.maskedName, at: LocalTime.clock($0.calledAt!, in: zone),
                    state: $0.state.label)
            },
            waiting: categories.map { category in
                .init(prefix: category.prefix, name: category.name, count: category.id.flatMap { counts[$0] } ?? 0)
            },
            pausedWindows: paused.map(\.window.number).sorted(), offsetMinutes: zone.secondsFromGMT() / 60, announce: nil)
    }

    /// Tells the hall's live pages the new state (after the change committed).
    func publish(hallID: UUID, announce: String?) async {
        guard bus.hasSubscribers("hall:\(hallID.uuidString)") else { return }
        guard let hall = try? await Hall.find(hallID, on: db),
            var state = try? await Self.displayState(hall: hall, day: today, zone: zone, on: db)
        else { return }
        state.announce = announce
        guard let data = try? JSONEncoder().encode(state), let json = String(data: data, encoding: .utf8) else { return }
        bus.publish(LiveEvent(topic: "hall:\(hallID.uuidString)", json: json))
    }
}
