import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// Tickets: issue, call, recall, begin, finish, skip, transfer; and the state the calling display shows.
///
/// Each step is one write transaction; numbers come from `DailyCounter` keyed by hall, prefix and the local day of
/// the hall's zone (so they restart at local midnight and have no gap or duplicate under concurrency). Calls in a
/// hall are serialised by the hall's row lock, so two windows never call the same ticket. After the commit, the
/// hall's display is told through the `EventBus`.
struct QueueService {
    let db: any Database
    let zone: TimeZone
    let region: String
    let actor: Actor
    let staff: Staff?
    let now: Date
    let bus: any EventBus
    let settings: QueueSettings

    init(
        db: any Database, zone: TimeZone, region: String, actor: Actor, staff: Staff?, now: Date, bus: any EventBus, settings: QueueSettings
    ) {
        self.db = db
        self.zone = zone
        self.region = region
        self.actor = actor
        self.staff = staff
        self.now = now
        self.bus = bus
        self.settings = settings
    }

    init(_ req: Request) {
        self.init(
            db: req.db, zone: req.settings.timeZone, region: req.settings.region.value, actor: req.actor, staff: req.auth.get(Staff.self),
            now: req.now, bus: req.application.eventBus, settings: req.application.queueSettings)
    }

    var today: LocalDate { LocalDate(now, in: zone) }

    // MARK: Issue

    struct IssueInput: Sendable {
        var hall: Hall
        var category: TicketCategory
        var channel: Ticket.Channel
        var residentID: ResidentID?
        var name: String?
        var phone: String?
        /// Declared to staff (disability, pregnancy); elderly is computed from the ID.
        var declared: TicketPriority = .none
        var appointment: (id: UUID, slotStartsAt: Date)?
    }

    /// Issues the next number of the category for today (local day of the hall's zone).
    func issue(_ input: IssueInput) async throws -> Ticket {
        try await issueCounting(input).ticket
    }

    /// Issues as `issue(_:)` and returns the people ahead of the new ticket (`ahead(of:on:)`), read once, in the
    /// issuing transaction (`nil` for a phone ticket, which does not read it).
    func issueCounting(_ input: IssueInput) async throws -> (ticket: Ticket, ahead: Int?) {
        let service = self
        let issued = try await db.writeTransaction { tx in try await service.issueCounting(input, on: tx) }
        await publish(hallID: try input.hall.requireID(), announce: nil)
        return issued
    }

    /// Issues inside the caller's write transaction (the caller publishes after the commit).
    func issue(_ input: IssueInput, on tx: any Database) async throws -> Ticket {
        try await issueCounting(input, on: tx).ticket
    }

    /// Issues inside the caller's write transaction: counter, people ahead, one INSERT of the ticket (its 即将到号 flag
    /// already set), one of its event.
    func issueCounting(_ input: IssueInput, on tx: any Database) async throws -> (ticket: Ticket, ahead: Int?) {
        let day = today
        let priority: TicketPriority =
            input.appointment != nil
            ? .appointment
            : input.declared != .none ? input.declared : settings.priority.priority(for: input.residentID, on: day)
        // One open ticket per phone and category a day: a phone cannot hold places it will not use.
        if let phone = input.phone,
            let held = try await Ticket.query(on: tx).filter(\.$hall.$id == input.hall.requireID())
                .filter(\.$serviceDay == day.description).filter(\.$category.$id == input.category.requireID()).filterSealed(
                    "phone", hash: "phone_hash", equals: phone
                )
                .filter(\.$state ~~ [.waiting, .called, .serving]).first()
        {
            throw FrontDeskError.ticketAlreadyHeld(number: held.number, state: held.state.label)
        }
        let sequence = try await DailyCounter.next(
            "ticket:\(input.hall.code):\(input.category.prefix)", region: region,
            day: day.description, on: tx)
        let ticket = Ticket()
        ticket.id = UUID()
        ticket.regionCode = region
        ticket.$hall.id = try input.hall.requireID()
        ticket.$category.id = try input.category.requireID()
        ticket.prefix = input.category.prefix
        ticket.sequence = sequence
        ticket.number = TicketNumber(prefix: input.category.prefix, sequence: sequence).description
        ticket.serviceDay = day.description
        ticket.channel = input.channel
        ticket.priority = priority
        ticket.idNumber = input.residentID?.value
        ticket.name = input.name
        ticket.phone = input.phone
        ticket.followToken = RandomToken.readable()
        ticket.issuedAt = now
        ticket.arrivedAt = now
        ticket.state = .waiting
        ticket.recalls = 0
        ticket.transfers = 0
        ticket.appointmentID = input.appointment?.id
        ticket.slotStartsAt = input.appointment?.slotStartsAt
        ticket.soonNotified = false
        // Someone in the hall who takes a ticket with 3 or fewer ahead already knows; a phone ticket is told anyway.
        // Counted before the insert: the count leaves the ticket out by id, so the result is the same.
        let ahead = input.channel == .remote ? nil : try await Self.ahead(of: ticket, on: tx)
        if let ahead, ahead <= settings.soonAhead { ticket.soonNotified = true }
        try await ticket.create(on: tx)
        try await log(ticket, "issue", note: ticket.priority == .none ? nil : ticket.priority.label, on: tx)
        return (ticket, ahead)
    }

    /// Waiting tickets ahead of `ticket` in its category (arrived earlier, or at the same instant with a lower
    /// sequence; not sent to one window; for a 绿色通道 ticket only the priority ones, an approximation of
    /// `CallPolicy` that ignores the starvation rule). The ticket itself is excluded by id: an instant read back from the database
    /// and bound again can differ from the stored value in its last bit, so a comparison alone could count it.
    static func ahead(of ticket: Ticket, on db: any Database) async throws -> Int {
        guard ticket.state == .waiting, let id = ticket.id else { return 0 }
        // A 绿色通道 ticket is called before normal ones: only priority tickets that came earlier are ahead of it.
        let priorities: [TicketPriority] = ticket.priority == .none ? TicketPriority.allCases : [.elderly, .disabled, .pregnant]
        return try await Ticket.query(on: db).filter(\.$priority ~~ priorities)
            .filter(\.$category.$id == ticket.$category.id).filter(\.$serviceDay == ticket.serviceDay)
            .filter(\.$state == .waiting).filter(\.$directedWindowID == nil).filter(\.$id != id)
            .group(.or) { earlier in
                earlier.filter(\.$arrivedAt < ticket.arrivedAt)
                earlier.group(.and) { $0.filter(\.$arrivedAt == ticket.arrivedAt).filter(\.$sequence < ticket.sequence) }
            }
            .count()
    }

    // MARK: Windows

    /// Signs the current staff member into `window`, calling the given categories (all of the hall's when empty).
    func signIn(window: Window, categories: [UUID]) async throws -> WindowDesk {
        guard let staff else { throw PlatformError.signInRequired }
        let service = self
        return try await db.writeTransaction { tx in
            let all = try await TicketCategory.query(on: tx).filter(\.$hall.$id == window.$hall.id).filter(\.$active == true).all()
            let chosen = categories.isEmpty ? all.compactMap(\.id) : categories.filter { id in all.contains { $0.id == id } }
            guard !chosen.isEmpty else { throw PlatformError.invalidField(FieldError(field: "categories", message: "请至少选择一个叫号类别")) }
            let desk = try await WindowDesk.query(on: tx).filter(\.$window.$id == window.requireID()).first() ?? WindowDesk()
            desk.regionCode = service.region
            desk.$window.id = try window.requireID()
            desk.$hall.id = window.$hall.id
            desk.staffID = staff.id
            desk.staffName = staff.displayName
            desk.categoriesText = chosen.map(\.uuidString).joined(separator: ",")
            desk.paused = false
            desk.priorityStreak = desk.id == nil ? 0 : desk.priorityStreak
            desk.signedInAt = service.now
            try await desk.save(on: tx)
            return desk
        }
    }

    /// The window's desk, signed in by the current staff member.
    func desk(for window: Window, on db: any Database) async throws -> WindowDesk {
        guard let desk = try await WindowDesk.query(on: db).filter(\.$window.$id == window.requireID()).first(), desk.staffID != nil else {
            throw FrontDeskError.windowNotReady("请先登录 \(window.number) 号窗口")
        }
        guard desk.staffID == staff?.id else {
            throw FrontDeskError.windowNotReady("\(window.number) 号窗口已由\(desk.staffName ?? "其他工作人员")登录")
        }
        return desk
    }

    func setPaused(_ paused: Bool, window: Window) async throws {
        let service = self
        try await db.writeTransaction { tx in
            let desk = try await service.desk(for: window, on: tx)
            desk.paused = paused
            try await desk.save(on: tx)
        }
        await publish(hallID: window.$hall.id, announce: nil)
    }

    /// Frees a window left signed in (supervisor or admin): its called or served tickets wait again, keeping their
    /// arrival time, and the release is audited. - Returns: the tickets put back.
    func release(window: Window) async throws -> [String] {
        let service = self
        let returned = try await db.writeTransaction { tx in
            try await RowLock.lock(Hall.schema, id: window.$hall.id, on: tx)
            guard let desk = try await WindowDesk.query(on: tx).filter(\.$window.$id == window.requireID()).first(),
                let holder = desk.staffName
            else {
                return [String]()
            }
            let open = try await Ticket.query(on: tx).filter(\.$window.$id == window.requireID()).filter(\.$state ~~ [.called, .serving])
                .all()
            for ticket in open {
                ticket.state = .waiting
                ticket.recalls = 0
                ticket.$window.id = nil
                ticket.windowNumber = nil
                ticket.servingAt = nil
                try await ticket.save(on: tx)
                try await service.log(ticket, "release", window: window.number, note: "窗口被强制退出，重新排队", on: tx)
            }
            desk.staffID = nil
            desk.staffName = nil
            desk.paused = false
            try await desk.save(on: tx)
            try await Audit.record(
                on: tx, region: service.region, actor: service.actor, action: "window.release", entityType: "window",
                entityID: window.id?.uuidString,
                summary: "强制退出 \(window.number) 号窗口（原登录：\(holder)）"
                    + (open.isEmpty ? "" : "，\(open.map(\.number).joined(separator: "、")) 重新排队"),
                at: service.now)
            return open.map(\.number)
        }
        await publish(hallID: window.$hall.id, announce: nil)
        return returned
    }

    func signOut(window: Window) async throws {
        let service = self
        try await db.writeTransaction { tx in
            let desk = try await service.desk(for: window, on: tx)
            if let open = try await Ticket.query(on: tx).filter(\.$window.$id == window.requireID()).filter(
                \.$state ~~ [.called, .serving]
            ).first() {
                throw FrontDeskError.windowNotReady("\(open.number) 号还在本窗口（\(open.state.label)），请先办结、过号或转移再退出窗口")
            }
            desk.staffID = nil
            desk.staffName = nil
            desk.paused = false
            try await desk.save(on: tx)
        }
        await publish(hallID: window.$hall.id, announce: nil)
    }
}
