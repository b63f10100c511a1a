/// Why a ticket goes through the 绿色通道 (GLOSSARY.md `priority`).
public enum TicketPriority: String, CaseIterable, Sendable, Codable {
    case none
    /// Age at least `PriorityRule.elderlyAge` on the day, computed from the 身份证号.
    case elderly
    /// Declared disability, marked by staff.
    case disabled
    /// Pregnancy, marked by staff.
    case pregnant
    /// Checked in for an appointment (预约), called when its slot is due.
    case appointment

    public var label: String {
        switch self {
        case .none: return "普通"
        case .elderly: return "绿色通道·老年人"
        case .disabled: return "绿色通道·残疾人"
        case .pregnant: return "绿色通道·孕妇"
        case .appointment: return "预约"
        }
    }

    public var isPriority: Bool { self != .none }
}

/// Who gets a priority ticket at the kiosk.
///
/// **Decision:** age ≥ 70 on the day (configurable); disability and pregnancy are declared to staff, who mark the
/// ticket, never computed.
public struct PriorityRule: Sendable, Equatable {
    public var elderlyAge: Int

    public init(elderlyAge: Int = 70) { self.elderlyAge = elderlyAge }

    /// The priority of a ticket taken with `id` on `day`, or `.none`.
    public func priority(for id: ResidentID?, on day: LocalDate) -> TicketPriority {
        guard let id else { return .none }
        return id.age(on: day) >= elderlyAge ? .elderly : .none
    }
}

/// Which waiting ticket a window calls next.
///
/// Order: appointments whose slot has started (earliest slot first), then 绿色通道 tickets, then first come first
/// served — each group by arrival time. Normal tickets must not starve: after `maxPriorityInARow` priority calls
/// (appointments or 绿色通道) in a row at a window, the next call takes the longest-waiting normal ticket if one
/// waits. A ticket transferred to this window is called before all others.
public struct CallPolicy: Sendable, Equatable {
    public var maxPriorityInARow: Int

    public init(maxPriorityInARow: Int = 3) { self.maxPriorityInARow = maxPriorityInARow }

    /// A waiting ticket as the policy sees it.
    public struct Candidate: Sendable, Equatable {
        public let id: String
        public let priority: TicketPriority
        /// Arrival time (kept across transfers), seconds since any fixed origin.
        public let arrivedAt: Double
        /// Start of the booked slot, for appointments.
        public let slotStartsAt: Double?
        /// Transferred to this very window.
        public let directed: Bool
        /// Breaks ties of equal arrival times: the order of issue (the ticket's daily sequence).
        public let sequence: Int

        public init(
            id: String, priority: TicketPriority, arrivedAt: Double, slotStartsAt: Double? = nil, directed: Bool = false, sequence: Int = 0
        ) {
            self.id = id
            self.priority = priority
            self.arrivedAt = arrivedAt
            self.slotStartsAt = slotStartsAt
            self.directed = directed
            self.sequence = sequence
        }
    }

    /// The ticket to call, or `nil` when nobody waits.
    /// - Parameters:
    ///   - now: the current instant, same origin as `arrivedAt`.
    ///   - priorityStreak: priority calls made in a row at this window so far.
    public func next(_ candidates: [Candidate], now: Double, priorityStreak: Int) -> Candidate? {
        let byArrival = candidates.sorted { ($0.arrivedAt, $0.sequence, $0.id) < ($1.arrivedAt, $1.sequence, $1.id) }
        if let directed = byArrival.first(where: \.directed) { return directed }
        let normal = byArrival.first { !$0.priority.isPriority }
        if priorityStreak >= maxPriorityInARow, let normal { return normal }
        let dueAppointments = byArrival.filter { $0.priority == .appointment && ($0.slotStartsAt ?? .infinity) <= now }
            .sorted { ($0.slotStartsAt!, $0.arrivedAt, $0.sequence) < ($1.slotStartsAt!, $1.arrivedAt, $1.sequence) }
        if let appointment = dueAppointments.first { return appointment }
        if let priority = byArrival.first(where: { $0.priority.isPriority && $0.priority != .appointment }) { return priority }
        // An appointment checked in early waits like everyone else once no one is ahead of it.
        return normal ?? byArrival.first
    }

    /// The streak after calling `called`: priority calls add one, a normal call resets it.
    public func streak(after called: Candidate, previous: Int) -> Int {
        called.priority.isPriority && !called.directed ? previous + 1 : 0
    }
}
