import Foundation

/// Where the follow-up of a 差评 stands (GLOSSARY.md `Rectification`: 待核实 → 整改中 → 已整改 / 无法整改 / 无效差评;
/// RULES.md, 好差评).
///
/// ```
/// pendingVerification ─verify(valid)─▶ rectifying ─rectify─▶ rectified ─callBack─▶ closed
///        │                                 │ └─unable─▶ unableToRectify ─callBack─▶ closed
///        └─verify(invalid: 误评/恶意)─▶ appealing ─decide(upheld)─▶ invalid
///                                          └─decide(rejected)─▶ rectifying
/// ```
public enum RectificationState: String, CaseIterable, Sendable, Codable {
    case pendingVerification
    case rectifying
    case appealing
    case rectified
    case unableToRectify
    case invalid
    case closed

    public var label: String {
        switch self {
        case .pendingVerification: return "待核实"
        case .rectifying: return "整改中"
        case .appealing: return "申诉复核中"
        case .rectified: return "已整改，待回访"
        case .unableToRectify: return "无法整改，待回访"
        case .invalid: return "无效差评"
        case .closed: return "已回访办结"
        }
    }

    /// Still needs someone's work.
    public var isOpen: Bool { self != .invalid && self != .closed }
}

/// A step of a rectification.
public enum RectificationAction: String, CaseIterable, Sendable, Codable {
    /// 核实: the bad rating is found valid (→ 整改) or contested as 误评/恶意 (→ 申诉复核).
    case verifyValid
    case verifyInvalid
    /// 申诉复核 decided by a supervisor.
    case upholdAppeal
    case rejectAppeal
    case extend
    case rectify
    case unable
    case callBack

    public var label: String {
        switch self {
        case .verifyValid: return "核实属实"
        case .verifyInvalid: return "申诉（误评/恶意）"
        case .upholdAppeal: return "复核：无效差评"
        case .rejectAppeal: return "复核：差评有效"
        case .extend: return "延期整改"
        case .rectify: return "整改完成"
        case .unable: return "无法整改"
        case .callBack: return "回访"
        }
    }
}

/// A refused rectification step, with its reason in Chinese.
public struct RectificationError: Error, Equatable, Sendable {
    public let action: RectificationAction
    public let state: RectificationState
    public let message: String

    public init(action: RectificationAction, state: RectificationState, message: String) {
        self.action = action
        self.state = state
        self.message = message
    }
}

/// The rectification's part of a step: its state and whether its one extension was used.
public struct RectificationProgress: Equatable, Sendable {
    public var state: RectificationState
    public var extended: Bool

    public init(state: RectificationState, extended: Bool = false) {
        self.state = state
        self.extended = extended
    }

    /// RULES.md, 好差评: 核实 within 1 working day of the rating, 整改 within 15 working days of the 核实, one extension
    /// (of up to 15 working days).
    public static let verifyLimit = WorkingDays(1)
    public static let rectifyLimit = WorkingDays(15)
    public static let maxExtension = WorkingDays(15)

    public func after(_ action: RectificationAction) throws(RectificationError) -> RectificationProgress {
        func refuse(_ message: String) -> RectificationError { RectificationError(action: action, state: state, message: message) }
        var next = self
        switch action {
        case .verifyValid, .verifyInvalid:
            guard state == .pendingVerification else { throw refuse("整改单“\(state.label)”，已核实过") }
            next.state = action == .verifyValid ? .rectifying : .appealing
        case .upholdAppeal, .rejectAppeal:
            guard state == .appealing else { throw refuse("整改单“\(state.label)”，没有待复核的申诉") }
            next.state = action == .upholdAppeal ? .invalid : .rectifying
        case .extend:
            guard state == .rectifying else { throw refuse("整改单“\(state.label)”，不能延期") }
            guard !extended else { throw refuse("整改只能延期一次") }
            next.extended = true
        case .rectify, .unable:
            guard state == .rectifying else { throw refuse("整改单“\(state.label)”，不能登记整改结果") }
            next.state = action == .rectify ? .rectified : .unableToRectify
        case .callBack:
            guard state == .rectified || state == .unableToRectify else { throw refuse("整改单“\(state.label)”，还不能回访") }
            next.state = .closed
        }
        return next
    }
}

/// A complaint about a service (投诉, GB/T 36113 政务服务投诉处理工作规范): 受理 → 调查 → 处理 → 反馈 → 归档, each step by
/// the complaint's owner; the feedback is due within 15 working days of the intake.
public enum ComplaintState: String, CaseIterable, Sendable, Codable {
    case received
    case investigating
    case handling
    case feedback
    case archived

    public var label: String {
        switch self {
        case .received: return "已受理"
        case .investigating: return "调查核实中"
        case .handling: return "处理中"
        case .feedback: return "已反馈"
        case .archived: return "已归档"
        }
    }

    /// The next step's state, or `nil` once archived.
    public var next: ComplaintState? {
        switch self {
        case .received: return .investigating
        case .investigating: return .handling
        case .handling: return .feedback
        case .feedback: return .archived
        case .archived: return nil
        }
    }

    /// What the owner records to move on from this state.
    public var stepLabel: String? {
        switch self {
        case .received: return "开始调查"
        case .investigating: return "登记调查结果"
        case .handling: return "登记处理意见并反馈投诉人"
        case .feedback: return "归档"
        case .archived: return nil
        }
    }

    /// Working days from the intake to the feedback.
    public static let feedbackLimit = WorkingDays(15)
}
