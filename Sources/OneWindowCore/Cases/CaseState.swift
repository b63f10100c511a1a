import Foundation

/// Where a case (办件) stands. GLOSSARY.md: 受理 / 不予受理, 补正, 特殊环节, 审查 / 决定, 办结, 送达.
///
/// ```
/// submitted ─accept─▶ accepted ─take─▶ inReview ─decide─▶ decided ─complete─▶ completed ─deliver─▶ delivered
///     │                  ▲                │  ▲ │
///     └─reject─▶ rejected└──passStep──────┘  │ └─pause─▶ paused ─resume─┘
/// ```
/// A window acceptance creates the case directly in `accepted`; a 即办件 goes on to `completed` in the same sitting.
public enum CaseState: String, CaseIterable, Sendable, Codable {
    /// 待预审: applied for online, waiting for a clerk's pre-review.
    case submitted
    /// 已受理: in the department's queue, nobody has taken it.
    case accepted
    /// 审查中: an approver has taken it.
    case inReview
    /// 暂停: 补正 or 特殊环节; the clock stops.
    case paused
    /// 已决定: 准予 or 不予许可, result being prepared.
    case decided
    /// 已办结.
    case completed
    /// 已送达.
    case delivered
    /// 不予受理.
    case rejected

    public var label: String {
        switch self {
        case .submitted: return "待预审"
        case .accepted: return "已受理，待审查"
        case .inReview: return "审查中"
        case .paused: return "暂停计时"
        case .decided: return "已决定"
        case .completed: return "已办结"
        case .delivered: return "已送达"
        case .rejected: return "不予受理"
        }
    }

    /// Still running against its deadline (accepted and not yet completed).
    public var isRunning: Bool { [.accepted, .inReview, .paused, .decided].contains(self) }

    /// The states whose clock is running (accepted, not paused, not finished): a case in one of them is overdue once
    /// its promised deadline has passed (红灯; RULES.md). A paused case is not overdue while paused.
    public static let clockRunning: [CaseState] = [.accepted, .inReview, .decided]

    /// Overdue (超期): the clock runs and the promised deadline `due` lies before `now`.
    public func isOverdue(due: Date?, now: Date) -> Bool {
        guard let due else { return false }
        return Self.clockRunning.contains(self) && due < now
    }

    /// Finished: completed (and perhaps delivered).
    public var isFinished: Bool { self == .completed || self == .delivered }
}

/// The decision of a department (准予 / 不予许可).
public enum CaseDecision: String, CaseIterable, Sendable, Codable {
    case approve
    case deny

    public var label: String { self == .approve ? "准予" : "不予许可" }
}

/// How a result reaches the applicant (送达方式).
public enum DeliveryMethod: String, CaseIterable, Sendable, Codable {
    case window
    case post
    case electronic

    public var label: String {
        switch self {
        case .window: return "窗口领取"
        case .post: return "邮寄送达"
        case .electronic: return "电子送达"
        }
    }
}

/// What someone does to a case.
public enum CaseAction: Sendable, Equatable {
    case accept
    case reject
    case take
    case pause(Pause.Reason)
    case resume
    /// A step of a 联办件 is done; the case goes to the next department's queue.
    case passStep
    case decide(CaseDecision)
    case complete
    case deliver(DeliveryMethod)
    case changeLimit
    /// The materials promised under 容缺受理 have been handed in.
    case receivePending

    /// `case.accept` …: the audit action name.
    public var name: String {
        switch self {
        case .accept: return "accept"
        case .reject: return "reject"
        case .take: return "take"
        case .pause: return "pause"
        case .resume: return "resume"
        case .passStep: return "pass_step"
        case .decide: return "decide"
        case .complete: return "complete"
        case .deliver: return "deliver"
        case .changeLimit: return "change_limit"
        case .receivePending: return "receive_pending"
        }
    }

    public var label: String {
        switch self {
        case .accept: return "受理"
        case .reject: return "不予受理"
        case .take: return "领取审查"
        case .pause(.correction): return "补正（暂停计时）"
        case .pause(.specialProcedure): return "特殊环节（暂停计时）"
        case .resume: return "恢复计时"
        case .passStep: return "本环节办毕，转下一部门"
        case .decide(let decision): return "决定：\(decision.label)"
        case .complete: return "办结"
        case .deliver(let method): return "送达（\(method.label)）"
        case .changeLimit: return "变更时限"
        case .receivePending: return "容缺材料已补齐"
        }
    }
}

/// An action not allowed in the case's current state (HTTP 409).
public struct CaseTransitionError: Error, Equatable, Sendable {
    public let action: CaseAction
    public let state: CaseState

    public init(action: CaseAction, state: CaseState) {
        self.action = action
        self.state = state
    }

    public var message: String {
        if case .pause = action, state == .paused { return "该办件已在暂停计时中，不能重复暂停" }
        return "办件当前为“\(state.label)”，不能执行“\(action.label)”"
    }
}

extension CaseState {
    /// The state after `action`, or the reason it is not allowed.
    ///
    /// - Parameter instant: the case is a 即办件, which the window may complete straight from `accepted` or
    ///   `inReview` (the decision is made on the spot).
    /// - Throws: `CaseTransitionError` (pausing a paused case among them: RULES.md, Decision (pauses)).
    public func after(_ action: CaseAction, instant: Bool = false) throws(CaseTransitionError) -> CaseState {
        switch (self, action) {
        case (.submitted, .accept): return .accepted
        case (.submitted, .reject): return .rejected
        case (.accepted, .take): return .inReview
        case (.inReview, .pause): return .paused
        case (.paused, .resume): return .inReview
        case (.inReview, .passStep): return .accepted
        case (.inReview, .decide): return .decided
        case (.decided, .complete): return .completed
        case (.accepted, .complete), (.inReview, .complete): if instant { return .completed }
        case (.completed, .deliver): return .delivered
        case (.accepted, .changeLimit), (.inReview, .changeLimit), (.paused, .changeLimit): return self
        case (.accepted, .receivePending), (.inReview, .receivePending), (.paused, .receivePending), (.decided, .receivePending):
            return self
        default: break
        }
        throw CaseTransitionError(action: action, state: self)
    }
}
