import OneWindowCore
import Vapor

/// Errors of the FrontDesk module.
enum FrontDeskError: DomainError {
    /// A queue action not allowed in the ticket's state (409).
    case transition(TicketTransitionError)
    /// The slot has no place left (409).
    case slotFull
    /// The person already holds a booking that day (409).
    case alreadyBooked(day: String)
    /// A booking rule refused it (409 for limits, 422 for timing).
    case booking(BookingRules.Refusal)
    /// The window is not signed in, or signed in by someone else (409).
    case windowNotReady(String)
    /// The phone already holds an open ticket of the category (409; one open ticket per phone and category).
    case ticketAlreadyHeld(number: String, state: String)
    /// The ticket is not the one in front of this clerk (409).
    case ticketNotHere(String)
    /// A home-visit step not allowed now (409).
    case homeVisit(String)
    /// Check-in on another day than the slot's, or an unusable booking (409).
    case checkIn(String)

    var status: HTTPResponseStatus {
        switch self {
        case .booking(.started), .booking(.tooFarAhead): return .unprocessableEntity
        default: return .conflict
        }
    }

    var code: String {
        switch self {
        case .transition: return "invalid_transition"
        case .slotFull: return "slot_full"
        case .alreadyBooked: return "already_booked"
        case .booking(.tooMany): return "booking_limit"
        case .booking: return "slot_unavailable"
        case .windowNotReady: return "window_not_ready"
        case .ticketAlreadyHeld: return "ticket_already_held"
        case .ticketNotHere: return "ticket_not_here"
        case .homeVisit: return "invalid_transition"
        case .checkIn: return "check_in_refused"
        }
    }

    var reason: String {
        switch self {
        case .transition(let error): return error.message
        case .slotFull: return "该时段已约满，请选择其他时段"
        case .alreadyBooked(let day): return "您在 \(day) 已有一个有效预约（每人每天限约 1 个），如需更改请先取消原预约"
        case .booking(let refusal): return refusal.message
        case .windowNotReady(let why): return why
        case .ticketAlreadyHeld(let number, let state): return "该手机号已取 \(number) 号，正在排队（\(state)），不能重复取号"
        case .ticketNotHere(let why): return why
        case .homeVisit(let why): return why
        case .checkIn(let why): return why
        }
    }

    var field: String? {
        switch self {
        case .slotFull, .booking(.started), .booking(.tooFarAhead): return "slotId"
        case .alreadyBooked, .booking(.tooMany): return "idNumber"
        case .ticketAlreadyHeld: return "phone"
        default: return nil
        }
    }
}
