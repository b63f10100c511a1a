import OneWindowCore
import Vapor

/// Errors of the Hotline module.
enum HotlineError: DomainError, Equatable {
    /// A step not allowed in the work order's state (409).
    case transition(WorkOrderTransitionError)
    /// A step only the assigned department (or the hotline) may take (403).
    case notAssigned(String)
    /// A step refused for a reason of the flow (409): 退单 past its limit, an extension already decided …
    case refused(String)

    var status: HTTPResponseStatus {
        switch self {
        case .transition, .refused: return .conflict
        case .notAssigned: return .forbidden
        }
    }

    var code: String {
        switch self {
        case .transition: return "invalid_transition"
        case .notAssigned: return "not_assigned"
        case .refused: return "refused"
        }
    }

    var reason: String {
        switch self {
        case .transition(let error): return error.message
        case .notAssigned(let why), .refused(let why): return why
        }
    }

    var field: String? { nil }
}
