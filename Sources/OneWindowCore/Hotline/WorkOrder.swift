import Foundation

/// 来源渠道 (GLOSSARY.md `Channel`): where a 12345 work order came in. RULES.md, 12345: 7×24 intake on every channel.
public enum HotlineChannel: String, CaseIterable, Sendable, Codable {
    case phone
    case wechat
    case website
    case app
    case window
    case letter
    /// Open311 GeoReport v2 and other systems.
    case api

    public var label: String {
        switch self {
        case .phone: return "电话"
        case .wechat: return "微信"
        case .website: return "网站"
        case .app: return "APP/小程序"
        case .window: return "窗口"
        case .letter: return "来信"
        case .api: return "接口"
        }
    }
}

/// 诉求类型: 咨询, 求助, 投诉, 举报, 建议, 表扬.
public enum AppealType: String, CaseIterable, Sendable, Codable {
    case inquiry
    case help
    case complaint
    case report
    case suggestion
    case praise

    public var label: String {
        switch self {
        case .inquiry: return "咨询"
        case .help: return "求助"
        case .complaint: return "投诉"
        case .report: return "举报"
        case .suggestion: return "建议"
        case .praise: return "表扬"
        }
    }
}

extension AppealType {
    /// The hotline answers these on the call itself (当场答复, no dispatch): 咨询, 求助 and 表扬. 投诉, 举报 and 建议
    /// always go to the responsible department.
    public var isAnsweredOnTheCall: Bool {
        switch self {
        case .inquiry, .help, .praise: return true
        case .complaint, .report, .suggestion: return false
        }
    }
}

/// 紧急程度: 一般 or 紧急 (an emergency is answered the same day).
public enum Urgency: String, CaseIterable, Sendable, Codable {
    case normal
    case emergency

    public var label: String { self == .normal ? "一般" : "紧急" }
}

/// 回访满意度: the citizen's answer at the callback.
public enum Satisfaction: String, CaseIterable, Sendable, Codable {
    case satisfied
    case basicallySatisfied
    case dissatisfied

    public var label: String {
        switch self {
        case .satisfied: return "满意"
        case .basicallySatisfied: return "基本满意"
        case .dissatisfied: return "不满意"
        }
    }

    /// 满意 and 基本满意 count as satisfied in 回访满意率 (RULES.md).
    public var countsAsSatisfied: Bool { self != .dissatisfied }
}

/// Where a 12345 work order stands (RULES.md, 12345: 受理 → 派单 → 签收 → 办理 → 答复 → 回访 → 办结).
///
/// ```
/// registered ─dispatch─▶ dispatched ─signFor─▶ handling ─reply─▶ replied ─callback─▶ calledBack ─close─▶ closed
///     │  ▲                   │ returnOrder        ▲                 │ callback 不满意 (once): reopen
///     │  └──── returned ◀────┘ (dispatch again)   └─────────────────┘
///     ├─reply (the agent answers a 咨询 on the call)─▶ replied
///     └─merge (并单, also from dispatched/handling)─▶ merged
/// ```
/// `replied` may also be closed without a callback when the appellant left no phone (anonymous).
public enum WorkOrderState: String, CaseIterable, Sendable, Codable {
    case registered
    case dispatched
    case returned
    case handling
    case replied
    case calledBack
    case closed
    case merged

    public var label: String {
        switch self {
        case .registered: return "待派单"
        case .dispatched: return "待签收"
        case .returned: return "已退单待改派"
        case .handling: return "办理中"
        case .replied: return "已答复待回访"
        case .calledBack: return "已回访待办结"
        case .closed: return "已办结"
        case .merged: return "已并单"
        }
    }

    /// Still needs work from the hotline or a department.
    public var isOpen: Bool { self != .closed && self != .merged }
}

/// A step of the work-order flow.
public enum WorkOrderAction: String, CaseIterable, Sendable, Codable {
    case dispatch
    case signFor
    case returnOrder
    case reply
    case callback
    case close
    case merge

    public var label: String {
        switch self {
        case .dispatch: return "派单"
        case .signFor: return "签收"
        case .returnOrder: return "退单"
        case .reply: return "答复"
        case .callback: return "回访"
        case .close: return "办结"
        case .merge: return "并单"
        }
    }
}

/// A refused work-order step, with the reason in Chinese for the agent or handler.
public struct WorkOrderTransitionError: Error, Equatable, Sendable {
    public let action: WorkOrderAction
    public let state: WorkOrderState
    public let message: String

    public init(action: WorkOrderAction, state: WorkOrderState, message: String) {
        self.action = action
        self.state = state
        self.message = message
    }
}

/// The work order's part of a step: its state and how often it was reopened.
public struct WorkOrderProgress: Equatable, Sendable {
    public var state: WorkOrderState
    /// 重办 count: a 不满意 callback reopens the order once; a second 不满意 is recorded and the order goes on to close.
    public var reopenCount: Int
    /// Whether the appellant can be called back (left a phone number).
    public var canCallBack: Bool

    public init(state: WorkOrderState, reopenCount: Int = 0, canCallBack: Bool = true) {
        self.state = state
        self.reopenCount = reopenCount
        self.canCallBack = canCallBack
    }

    /// At most one 重办 per order (RULES.md: the citizen's dissatisfaction can reopen an order; issue 5: once).
    public static let maxReopens = 1

    /// The progress after `action`; `satisfaction` is the callback's answer (only for `.callback`).
    /// - Throws: `WorkOrderTransitionError` when the step is not allowed in the state.
    public func after(_ action: WorkOrderAction, satisfaction: Satisfaction? = nil) throws(WorkOrderTransitionError) -> WorkOrderProgress {
        func refuse(_ message: String) -> WorkOrderTransitionError {
            WorkOrderTransitionError(action: action, state: state, message: message)
        }
        var next = self
        switch action {
        case .dispatch:
            guard state == .registered || state == .returned else { throw refuse("工单“\(state.label)”，不能派单") }
            next.state = .dispatched
        case .signFor:
            guard state == .dispatched else { throw refuse("工单“\(state.label)”，不能签收") }
            next.state = .handling
        case .returnOrder:
            guard state == .dispatched || state == .handling else { throw refuse("工单“\(state.label)”，不能退单") }
            next.state = .returned
        case .reply:
            guard state == .handling || state == .registered else { throw refuse("工单“\(state.label)”，不能答复") }
            next.state = .replied
        case .callback:
            guard state == .replied else { throw refuse("工单“\(state.label)”，不能回访") }
            guard canCallBack else { throw refuse("诉求人未留电话，无法回访") }
            guard let satisfaction else { throw refuse("请选择回访满意度") }
            if satisfaction == .dissatisfied && reopenCount < Self.maxReopens {
                next.state = .handling
                next.reopenCount += 1
            } else {
                next.state = .calledBack
            }
        case .close:
            if state == .calledBack || (state == .replied && !canCallBack) {
                next.state = .closed
            } else if state == .replied {
                throw refuse("诉求人留有电话，须先回访再办结")
            } else {
                throw refuse("工单“\(state.label)”，不能办结")
            }
        case .merge:
            guard state == .registered || state == .dispatched || state == .handling || state == .returned else {
                throw refuse("工单“\(state.label)”，不能并单")
            }
            next.state = .merged
        }
        return next
    }
}
