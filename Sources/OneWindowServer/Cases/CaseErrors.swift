import OneWindowCore
import Vapor

/// Errors of the Cases module.
enum CaseError: DomainError {
    /// The action is not allowed in the case's state (409), with who holds the case, if anyone.
    case transition(CaseTransitionError, holder: String?)
    /// Someone else holds the case (409), named.
    case heldBy(String)
    /// A deadline could not be computed: no calendar for the year (422).
    case calendar(String)
    /// The item cannot take cases (not published, withdrawn, no limits) (422).
    case itemUnavailable(String)
    /// Nobody has taken the case, so there is no holder to act (409).
    case notTaken
    /// A 联办件 cannot be decided while later departments' steps remain (409).
    case stepsRemaining([String])
    /// A case accepted with materials to follow (容缺) cannot be completed before they are in (409).
    case pendingMaterials

    var status: HTTPResponseStatus {
        switch self {
        case .transition, .heldBy, .notTaken, .stepsRemaining, .pendingMaterials: return .conflict
        case .calendar, .itemUnavailable: return .unprocessableEntity
        }
    }

    var code: String {
        switch self {
        case .transition: return "invalid_transition"
        case .heldBy: return "held_by_other"
        case .notTaken: return "not_taken"
        case .stepsRemaining: return "steps_remaining"
        case .pendingMaterials: return "pending_materials"
        case .calendar: return "calendar_unavailable"
        case .itemUnavailable: return "item_unavailable"
        }
    }

    var reason: String {
        switch self {
        case .transition(let error, let holder):
            return error.message + (holder.map { "（当前经办人：\($0)）" } ?? "")
        case .heldBy(let name): return "该办件已由\(name)领取办理，不能重复领取或操作"
        case .notTaken: return "该办件尚无人领取审查，请先领取"
        case .pendingMaterials: return "容缺受理的材料尚未补齐，补齐（点“容缺材料已补齐”）后才能办结"
        case .stepsRemaining(let departments): return "联办件尚有后续部门环节（\(departments.joined(separator: "、"))），请先“转下一部门”"
        case .calendar(let message): return "无法计算办理期限：\(message)"
        case .itemUnavailable(let why): return why
        }
    }

    var field: String? {
        if case .itemUnavailable = self { return "itemCode" }
        return nil
    }
}
