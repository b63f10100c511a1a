/// The help 帮办 staff give (GLOSSARY.md `Assistance`): 咨询, 导办, 教办, 帮办, 代办.
public enum AssistanceKind: String, CaseIterable, Sendable, Codable {
    /// 咨询: answered a question.
    case consult
    /// 导办: guided the person to the right window or page.
    case guide
    /// 教办: taught the person to do it themselves (phone, kiosk).
    case teach
    /// 帮办: helped fill in and submit.
    case assist
    /// 代办: did it on the person's behalf, as proxy.
    case proxy

    public var label: String {
        switch self {
        case .consult: return "咨询"
        case .guide: return "导办"
        case .teach: return "教办"
        case .assist: return "帮办"
        case .proxy: return "代办"
        }
    }
}

/// A request for a home visit (上门服务, GLOSSARY.md `HomeVisit`): for elderly, disabled and pregnant applicants.
///
/// ```
/// requested ─confirm(time)─▶ confirmed ─assign(helper)─▶ assigned ─visit─▶ visited
///      └──────────────┴──────────cancel──────────┘
/// ```
/// A helper may be assigned before the time is confirmed; the visit needs both.
public enum HomeVisitState: String, CaseIterable, Sendable, Codable {
    case requested
    case confirmed
    case assigned
    case visited
    case cancelled

    public var label: String {
        switch self {
        case .requested: return "待确认"
        case .confirmed: return "已约定时间"
        case .assigned: return "已派帮办员"
        case .visited: return "已上门办理"
        case .cancelled: return "已取消"
        }
    }

    public var isPending: Bool { self == .requested || self == .confirmed || self == .assigned }
}

/// Who may ask for a home visit.
public enum HomeVisitReason: String, CaseIterable, Sendable, Codable {
    case elderly
    case disabled
    case pregnant

    public var label: String {
        switch self {
        case .elderly: return "高龄老人"
        case .disabled: return "残疾人"
        case .pregnant: return "孕妇"
        }
    }
}

/// A step of a home visit, checked against what is recorded.
public enum HomeVisitStep: Sendable {
    case confirm
    case assign
    case visit
    case cancel

    /// The state after the step, given whether a time and a helper are already recorded.
    /// - Throws: a Chinese message when the step is not allowed.
    public static func state(after step: HomeVisitStep, from state: HomeVisitState, hasTime: Bool, hasHelper: Bool) throws(HomeVisitError)
        -> HomeVisitState
    {
        switch (step, state) {
        case (.confirm, .requested), (.confirm, .confirmed), (.confirm, .assigned):
            return hasHelper ? .assigned : .confirmed
        case (.assign, .requested), (.assign, .confirmed), (.assign, .assigned):
            return hasTime ? .assigned : state
        case (.visit, .assigned):
            guard hasTime, hasHelper else { throw HomeVisitError(message: "须先约定上门时间并指派帮办员") }
            return .visited
        case (.visit, _):
            throw HomeVisitError(message: "须先约定上门时间并指派帮办员（当前：\(state.label)）")
        case (.cancel, let current) where current.isPending:
            return .cancelled
        default:
            throw HomeVisitError(message: "上门服务“\(state.label)”时不能再改")
        }
    }
}

public struct HomeVisitError: Error, Equatable, Sendable {
    public let message: String

    public init(message: String) { self.message = message }
}

/// Where an improvement (局长帮办 finding → 整改事项, GLOSSARY.md `Improvement`) stands.
public enum ImprovementStatus: String, CaseIterable, Sendable, Codable {
    case open
    case inProgress
    case done

    public var label: String {
        switch self {
        case .open: return "待整改"
        case .inProgress: return "整改中"
        case .done: return "已完成"
        }
    }
}
