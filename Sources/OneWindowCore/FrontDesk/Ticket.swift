/// Where a queue ticket (取号 / 排队号, GLOSSARY.md `Ticket`) stands, and the queue actions at a window
/// (叫号 `call`, 重呼 `recall`, 过号 `skip`, 转移 `transfer`).
///
/// ```
/// waiting ─call─▶ called ─begin─▶ serving ─finish─▶ served
///    ▲              │ ▲recall         │
///    └──transfer────┴─┴───────────────┘        called ─skip (after N recalls)─▶ noShow
/// ```
/// A transfer puts the ticket back in `waiting` (in another category or for one window) with its original
/// arrival time, so it keeps its place in the line.
public enum TicketState: String, CaseIterable, Sendable, Codable {
    case waiting
    case called
    case serving
    case served
    case noShow

    public var label: String {
        switch self {
        case .waiting: return "等候中"
        case .called: return "已叫号"
        case .serving: return "办理中"
        case .served: return "已办结"
        case .noShow: return "过号"
        }
    }

    public var isOpen: Bool { self == .waiting || self == .called || self == .serving }
}

/// A queue action at a window.
public enum TicketAction: String, CaseIterable, Sendable, Codable {
    case call
    case recall
    case begin
    case finish
    case skip
    case transfer

    public var label: String {
        switch self {
        case .call: return "叫号"
        case .recall: return "重呼"
        case .begin: return "开始办理"
        case .finish: return "办结"
        case .skip: return "过号"
        case .transfer: return "转移"
        }
    }
}

/// A refused queue action: what was asked, in which state, and why (in Chinese for the clerk).
public struct TicketTransitionError: Error, Equatable, Sendable {
    public let action: TicketAction
    public let state: TicketState
    public let message: String

    public init(action: TicketAction, state: TicketState, message: String) {
        self.action = action
        self.state = state
        self.message = message
    }
}

/// The ticket's part of a queue action: its state and recall count before, the rule's parameter.
public struct TicketProgress: Equatable, Sendable {
    public var state: TicketState
    /// How many times the ticket has been called again (重呼) since its last call.
    public var recalls: Int

    public init(state: TicketState, recalls: Int) {
        self.state = state
        self.recalls = recalls
    }

    /// The progress after `action`.
    ///
    /// - Parameter recallsBeforeNoShow: N of "no-show after N recalls": 过号 is allowed only once the ticket has been
    ///   recalled N times, and a recall beyond N is refused (the clerk marks 过号 instead).
    /// - Throws: `TicketTransitionError` when the action is not allowed in the state.
    public func after(_ action: TicketAction, recallsBeforeNoShow: Int) throws(TicketTransitionError) -> TicketProgress {
        func refuse(_ message: String) -> TicketTransitionError { TicketTransitionError(action: action, state: state, message: message) }
        switch (action, state) {
        case (.call, .waiting):
            return TicketProgress(state: .called, recalls: 0)
        case (.recall, .called):
            guard recalls < recallsBeforeNoShow else {
                throw refuse("已重呼 \(recalls) 次仍未到窗口，请按“过号”处理")
            }
            return TicketProgress(state: .called, recalls: recalls + 1)
        case (.begin, .called):
            return TicketProgress(state: .serving, recalls: recalls)
        case (.finish, .serving), (.finish, .called):
            return TicketProgress(state: .served, recalls: recalls)
        case (.skip, .called):
            guard recalls >= recallsBeforeNoShow else {
                throw refuse("过号前须重呼 \(recallsBeforeNoShow) 次（已重呼 \(recalls) 次）")
            }
            return TicketProgress(state: .noShow, recalls: recalls)
        case (.transfer, .called), (.transfer, .serving), (.transfer, .waiting):
            return TicketProgress(state: .waiting, recalls: 0)
        default:
            throw refuse("号票“\(state.label)”时不能\(action.label)")
        }
    }
}

/// A ticket's display number: the category's prefix letter and a 3-digit daily sequence (`A023`), more digits
/// past 999 (`A1000`).
public struct TicketNumber: Hashable, Sendable, CustomStringConvertible {
    public let prefix: String
    public let sequence: Int

    public init(prefix: String, sequence: Int) {
        self.prefix = prefix
        self.sequence = sequence
    }

    public var description: String {
        let digits = String(sequence)
        return prefix + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// What the calling display says: "请 A023 号到 5 号窗口办理".
    public func announcement(window: String) -> String { "请 \(description) 号到 \(window) 号窗口办理" }
}
