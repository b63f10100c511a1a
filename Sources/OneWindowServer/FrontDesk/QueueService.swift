import Fluent
import Foundation
import OneWindowCore
import SQLKit
import Vapor

/// The queue rules a deployment may tune, from the environment at start-up:
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `ONEWINDOW_PRIORITY_IN_A_ROW` | 3 | priority calls in a row at a window before a waiting normal ticket is called (1–20) |
/// | `ONEWINDOW_RECALLS_BEFORE_NO_SHOW` | 2 | recalls before 过号 is allowed (0–10) |
/// | `ONEWINDOW_ELDERLY_AGE` | 70 | age from which the 身份证号 gives a 绿色通道 ticket (50–100) |
struct QueueSettings: Sendable {
    /// Priority (绿色通道 and appointment) calls in a row at one window before a waiting normal ticket must be called.
    var maxPriorityInARow = 3
    /// Recalls (重呼) before a ticket may be marked 过号.
    var recallsBeforeNoShow = 2
    /// "即将到号" is sent when this many people are ahead.
    var soonAhead = 3
    var priority = PriorityRule()
    var booking = BookingRules()

    /// - Throws: a start-up error naming the variable when a value is not a whole number in its range.
    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> QueueSettings {
        func number(_ name: String, _ range: ClosedRange<Int>, _ fallback: Int) throws -> Int {
            guard let text = env[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw Abort(.internalServerError, reason: "\(name)=\(text) should be a whole number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        var settings = QueueSettings()
        settings.maxPriorityInARow = try number("ONEWINDOW_PRIORITY_IN_A_ROW", 1...20, 3)
        settings.recallsBeforeNoShow = try number("ONEWINDOW_RECALLS_BEFORE_NO_SHOW", 0...10, 2)
        settings.priority = PriorityRule(elderlyAge: try number("ONEWINDOW_ELDERLY_AGE", 50...100, 70))
        return settings
    }
}

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

    init(db: any Database, zone: TimeZone, region: String, actor: Actor, staff: Staff?, now: Date, bus: any EventBus, settings: QueueSettings) {
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
        self.init(db: req.db, zone: req.settings.timeZone, region: req.settings.region.value, actor: req.actor, staff: req.auth.get(Staff.self),
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
        let service = self
        let ticket = try await db.writeTransaction { tx in try await service.issue(input, on: tx) }
        await publish(hallID: try input.hall.requireID(), announce: nil)
        return ticket
    }

    /// Issues inside the caller's write transaction (the caller publishes after the commit).
    func issue(_ input: IssueInput, on tx: any Database) async throws -> Ticket {
        let day = today
        let priority: TicketPriority = input.appointment != nil ? .appointment
            : input.declared != .none ? input.declared : settings.priority.priority(for: input.residentID, on: day)
        let sequence = try await DailyCounter.next("ticket:\(input.hall.code):\(input.category.prefix)", region: region,
                                                   day: day.description, on: tx)
        let ticket = Ticket()
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
        ticket.followToken = Self.randomToken()
        ticket.issuedAt = now
        ticket.arrivedAt = now
        ticket.state = .waiting
        ticket.recalls = 0
        ticket.transfers = 0
        ticket.appointmentID = input.appointment?.id
        ticket.slotStartsAt = input.appointment?.slotStartsAt
        ticket.soonNotified = false
        try await ticket.create(on: tx)
        // Someone who takes a ticket with 3 or fewer ahead already knows: "即将到号" is for those who went away.
        if try await Self.ahead(of: ticket, on: tx) <= settings.soonAhead {
            ticket.soonNotified = true
            try await ticket.save(on: tx)
        }
        try await log(ticket, "issue", note: ticket.priority == .none ? nil : ticket.priority.label, on: tx)
        return ticket
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        return String((0..<20).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    /// Waiting tickets ahead of `ticket` in its category (arrived earlier, or at the same instant with a lower
    /// sequence; not sent to one window). The ticket itself is excluded by id: an instant read back from the database
    /// and bound again can differ from the stored value in its last bit, so a comparison alone could count it.
    static func ahead(of ticket: Ticket, on db: any Database) async throws -> Int {
        guard ticket.state == .waiting, let id = ticket.id else { return 0 }
        return try await Ticket.query(on: db)
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

    func signOut(window: Window) async throws {
        let service = self
        try await db.writeTransaction { tx in
            let desk = try await service.desk(for: window, on: tx)
            if let open = try await Ticket.query(on: tx).filter(\.$window.$id == window.requireID()).filter(\.$state ~~ [.called, .serving]).first() {
                throw FrontDeskError.windowNotReady("\(open.number) 号还在本窗口（\(open.state.label)），请先办结、过号或转移再退出窗口")
            }
            desk.staffID = nil
            desk.staffName = nil
            desk.paused = false
            try await desk.save(on: tx)
        }
        await publish(hallID: window.$hall.id, announce: nil)
    }

    // MARK: Calling

    /// 叫号: the next ticket for `window` by `CallPolicy`, or `nil` when nobody waits.
    /// - Throws: `FrontDeskError.windowNotReady` when the window is not signed in by the caller or is paused.
    func callNext(window: Window) async throws -> Ticket? {
        let service = self
        let hallID = window.$hall.id
        let called: Ticket? = try await db.writeTransaction { tx in
            try await RowLock.lock(Hall.schema, id: hallID, on: tx)
            let desk = try await service.desk(for: window, on: tx)
            guard !desk.paused else { throw FrontDeskError.windowNotReady("窗口已暂停叫号，请先恢复") }
            let windowID = try window.requireID()
            if let open = try await Ticket.query(on: tx).filter(\.$window.$id == windowID).filter(\.$state ~~ [.called, .serving]).first() {
                throw FrontDeskError.windowNotReady("\(open.number) 号还在本窗口（\(open.state.label)），请先办结、过号或转移")
            }
            let waiting = try await Ticket.query(on: tx).filter(\.$hall.$id == hallID).filter(\.$serviceDay == service.today.description)
                .filter(\.$state == .waiting).all()
                .filter { $0.directedWindowID == windowID || ($0.directedWindowID == nil && desk.categoryIDs.contains($0.$category.id)) }
            let candidates = waiting.map {
                CallPolicy.Candidate(id: $0.id!.uuidString, priority: $0.priority, arrivedAt: $0.arrivedAt.timeIntervalSince1970,
                                     slotStartsAt: $0.slotStartsAt?.timeIntervalSince1970, directed: $0.directedWindowID == windowID,
                                     sequence: $0.sequence)
            }
            let policy = CallPolicy(maxPriorityInARow: service.settings.maxPriorityInARow)
            guard let next = policy.next(candidates, now: service.now.timeIntervalSince1970, priorityStreak: desk.priorityStreak),
                  let ticket = waiting.first(where: { $0.id!.uuidString == next.id })
            else { return nil }
            desk.priorityStreak = policy.streak(after: next, previous: desk.priorityStreak)
            try await desk.save(on: tx)
            try await service.move(ticket, .call, window: window, on: tx)
            try await service.notifySoon(categoryID: ticket.$category.id, day: ticket.serviceDay, on: tx)
            return ticket
        }
        if let called {
            await publish(hallID: hallID, announce: called.ticketNumber.announcement(window: window.number))
        }
        return called
    }

    /// A queue action on a ticket at `window` (recall, begin, finish, skip) or a transfer.
    /// - Parameters:
    ///   - toCategory: for `.transfer`, the category to queue in (same hall).
    ///   - toWindow: for `.transfer`, one window that will call it next.
    func act(_ action: TicketAction, ticketID: UUID, window: Window, toCategory: TicketCategory? = nil, toWindow: Window? = nil) async throws -> Ticket {
        let service = self
        let hallID = window.$hall.id
        let ticket = try await db.writeTransaction { tx in
            try await RowLock.lock(Hall.schema, id: hallID, on: tx)
            _ = try await service.desk(for: window, on: tx)
            guard let ticket = try await Ticket.find(ticketID, on: tx), ticket.$hall.id == hallID else { throw PlatformError.notFound(what: "号票") }
            guard ticket.$window.id == window.id else {
                throw FrontDeskError.windowNotReady("\(ticket.number) 号不在 \(window.number) 号窗口")
            }
            if action == .transfer {
                guard toCategory != nil || toWindow != nil else {
                    throw PlatformError.invalidField(FieldError(field: "target", message: "请选择转往的类别或窗口"))
                }
                if let toCategory, toCategory.$hall.id != hallID { throw PlatformError.notFound(what: "叫号类别") }
                if let toWindow, toWindow.$hall.id != hallID || toWindow.id == window.id {
                    throw PlatformError.invalidField(FieldError(field: "target", message: "请选择本大厅的其他窗口"))
                }
                if let toWindow, try await WindowDesk.query(on: tx).filter(\.$window.$id == toWindow.requireID()).filter(\.$staffID != nil).first() == nil {
                    throw FrontDeskError.windowNotReady("\(toWindow.number) 号窗口现在没有人登录，不能转过去")
                }
            }
            try await service.move(ticket, action, window: window, toCategory: toCategory, toWindow: toWindow, on: tx)
            return ticket
        }
        let announce = action == .recall ? ticket.ticketNumber.announcement(window: window.number) : nil
        await publish(hallID: hallID, announce: announce)
        return ticket
    }

    private func move(_ ticket: Ticket, _ action: TicketAction, window: Window, toCategory: TicketCategory? = nil, toWindow: Window? = nil,
                      on tx: any Database) async throws {
        let next: TicketProgress
        do {
            next = try TicketProgress(state: ticket.state, recalls: ticket.recalls).after(action, recallsBeforeNoShow: settings.recallsBeforeNoShow)
        } catch {
            throw FrontDeskError.transition(error)
        }
        var note: String?
        switch action {
        case .call, .recall:
            ticket.$window.id = window.id
            ticket.windowNumber = window.number
            ticket.calledAt = now
            if ticket.firstCalledAt == nil { ticket.firstCalledAt = now }
            ticket.directedWindowID = nil
            ticket.staffID = staff?.id
            ticket.staffName = staff?.displayName
        case .begin:
            ticket.servingAt = now
        case .finish:
            if ticket.servingAt == nil { ticket.servingAt = ticket.calledAt ?? now }
            ticket.finishedAt = now
        case .skip, .cancel:
            ticket.finishedAt = now
        case .transfer:
            ticket.transfers += 1
            ticket.$window.id = nil
            ticket.windowNumber = nil
            ticket.servingAt = nil
            ticket.directedWindowID = toWindow?.id
            if let toCategory { ticket.$category.id = try toCategory.requireID() }
            note = [toCategory.map { "转往 \($0.prefix) \($0.name)" }, toWindow.map { "转往 \($0.number) 号窗口" }].compactMap { $0 }.joined(separator: "，")
        }
        ticket.state = next.state
        ticket.recalls = next.recalls
        try await ticket.save(on: tx)
        try await log(ticket, action.rawValue, window: window.number, note: note, on: tx)
    }

    private func log(_ ticket: Ticket, _ action: String, window: String? = nil, note: String? = nil, on tx: any Database) async throws {
        let event = TicketEvent()
        event.regionCode = region
        event.$ticket.id = try ticket.requireID()
        event.action = action
        event.windowNumber = window
        event.staffName = staff?.displayName
        event.note = note
        event.occurredAt = now
        try await event.create(on: tx)
    }

    /// Queues "即将到号" for waiting tickets of the category with at most `soonAhead` people ahead (once each).
    private func notifySoon(categoryID: UUID, day: String, on tx: any Database) async throws {
        let waiting = try await Ticket.query(on: tx).filter(\.$category.$id == categoryID).filter(\.$serviceDay == day)
            .filter(\.$state == .waiting).filter(\.$directedWindowID == nil).sort(\.$arrivedAt).sort(\.$sequence).all()
        for (ahead, ticket) in waiting.enumerated() where ahead <= settings.soonAhead {
            guard !ticket.soonNotified, let phone = ticket.phone else { continue }
            ticket.soonNotified = true
            try await ticket.save(on: tx)
            try await Outbox.enqueue(on: tx, region: region, to: phone, template: "ticket.soon",
                                     body: "您的 \(ticket.number) 号前面还有 \(ahead) 人，即将到号，请回到大厅留意叫号屏。",
                                     entityType: "ticket", entityID: ticket.id?.uuidString, at: now)
        }
    }

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
        /// Set on a live event that announces a call (`请 A023 号到 5 号窗口办理`).
        var announce: String?
    }

    static func displayState(hall: Hall, day: LocalDate, zone: TimeZone, on db: any Database) async throws -> DisplayState {
        let hallID = try hall.requireID()
        let calls = try await Ticket.query(on: db).filter(\.$hall.$id == hallID).filter(\.$serviceDay == day.description)
            .filter(\.$calledAt != nil).filter(\.$state ~~ [.called, .serving]).sort(\.$calledAt, .descending).limit(8).all()
        let categories = try await TicketCategory.query(on: db).filter(\.$hall.$id == hallID).filter(\.$active == true).sort(\.$position).all()
        let sql = db as! any SQLDatabase
        let counts = try await sql.raw("""
            SELECT category_id, COUNT(*) AS n FROM tickets WHERE hall_id = \(bind: hallID) AND service_day = \(bind: day.description) AND state = 'waiting'
            GROUP BY category_id
            """).all().reduce(into: [UUID: Int]()) { counts, row in
                if let id = try? row.decode(column: "category_id", as: UUID.self) { counts[id] = (try? row.decode(column: "n", as: Int.self)) ?? 0 }
            }
        let paused = try await WindowDesk.query(on: db).filter(\.$hall.$id == hallID).filter(\.$paused == true).with(\.$window).all()
        return DisplayState(
            hall: hall.name, day: day.description,
            calls: calls.map {
                .init(number: $0.number, window: $0.windowNumber ?? "", name: $0.maskedName, at: LocalTime.clock($0.calledAt!, in: zone),
                      state: $0.state.label)
            },
            waiting: categories.map { category in
                .init(prefix: category.prefix, name: category.name, count: category.id.flatMap { counts[$0] } ?? 0)
            },
            pausedWindows: paused.map(\.window.number).sorted(), announce: nil)
    }

    /// Tells the hall's live pages the new state (after the change committed).
    func publish(hallID: UUID, announce: String?) async {
        guard bus.hasSubscribers("hall:\(hallID.uuidString)") else { return }
        guard let hall = try? await Hall.find(hallID, on: db), var state = try? await Self.displayState(hall: hall, day: today, zone: zone, on: db)
        else { return }
        state.announce = announce
        guard let data = try? JSONEncoder().encode(state), let json = String(data: data, encoding: .utf8) else { return }
        bus.publish(LiveEvent(topic: "hall:\(hallID.uuidString)", json: json))
    }
}

extension Application {
    private struct QueueSettingsKey: StorageKey { typealias Value = QueueSettings }

    var queueSettings: QueueSettings {
        get { storage[QueueSettingsKey.self] ?? QueueSettings() }
        set { storage[QueueSettingsKey.self] = newValue }
    }
}
