import Foundation

/// The time limits of a 12345 work order, in working days on the working-day calendar.
///
/// RULES.md, 12345, Decision (default limits, configurable per category): 签收 within 1 working day of dispatch;
/// reply: an emergency the same day, 咨询/求助 3 working days, 投诉/举报/建议 5 working days (表扬 is treated like
/// 建议); one extension of at most 10 working days, asked for before expiry; 退单 within 2 working days of dispatch;
/// 回访 within 2 working days of the reply. Each limit is counted with `WorkingCalendar.deadline(from:limit:)`:
/// the day of the event is day 0 and the limit ends at 23:59:59 of its last working day.
public struct WorkOrderLimits: Equatable, Sendable {
    public var signFor: WorkingDays
    public var returnOrder: WorkingDays
    public var callback: WorkingDays
    public var maxExtension: WorkingDays
    /// A category's own reply limit, replacing the type's default (not an emergency's same-day limit).
    public var replyOverride: WorkingDays?

    public init(
        signFor: WorkingDays = WorkingDays(1), returnOrder: WorkingDays = WorkingDays(2),
        callback: WorkingDays = WorkingDays(2), maxExtension: WorkingDays = WorkingDays(10),
        replyOverride: WorkingDays? = nil
    ) {
        self.signFor = signFor
        self.returnOrder = returnOrder
        self.callback = callback
        self.maxExtension = maxExtension
        self.replyOverride = replyOverride
    }

    /// The reply limit of an order of `type` and `urgency`: 0 (the same day) for an emergency, else the category's
    /// override, else 3 for 咨询/求助 and 5 for 投诉/举报/建议/表扬.
    public func reply(type: AppealType, urgency: Urgency) -> WorkingDays {
        if urgency == .emergency { return WorkingDays(0) }
        if let replyOverride { return replyOverride }
        switch type {
        case .inquiry, .help: return WorkingDays(3)
        case .complaint, .report, .suggestion, .praise: return WorkingDays(5)
        }
    }

    /// Checks an extension request of `days` working days.
    /// - Throws: `FieldError` on `days` when it is not 1…`maxExtension`, when one was already granted, or when the
    ///   reply deadline `due` has passed at `now`. One request per reply period: a refused one counts.
    public func checkExtension(days: Int, alreadyExtended: Bool, due: Date, now: Date) throws(FieldError) {
        guard !alreadyExtended else { throw FieldError(field: "days", message: "每张工单只能申请一次延期") }
        guard days >= 1, days <= maxExtension.wholeDays else {
            throw FieldError(field: "days", message: "延期天数须为 1 至 \(maxExtension.wholeDays) 个工作日")
        }
        guard now <= due else { throw FieldError(field: "days", message: "已超过答复期限，不能再申请延期，须在到期前申请") }
    }
}

/// The 12345 rates of a period (RULES.md, 12345 — each with its definition, shown beside the figure).
public struct HotlineRates: Equatable, Sendable, Codable {
    /// Orders dispatched in the period, and those of them signed for.
    public var dispatched: Int
    public var signedFor: Int
    /// Orders received in the period (merged ones excluded), and those of them closed.
    public var received: Int
    public var closed: Int
    /// Orders replied in the period, and those replied on or before their (extended) reply deadline.
    public var replied: Int
    public var repliedOnTime: Int
    /// Orders replied in the period whose appellant can be called back, those called back, and the satisfied ones.
    public var callbackDue: Int
    public var calledBack: Int
    public var satisfied: Int

    public init(
        dispatched: Int = 0, signedFor: Int = 0, received: Int = 0, closed: Int = 0, replied: Int = 0,
        repliedOnTime: Int = 0, callbackDue: Int = 0, calledBack: Int = 0, satisfied: Int = 0
    ) {
        self.dispatched = dispatched
        self.signedFor = signedFor
        self.received = received
        self.closed = closed
        self.replied = replied
        self.repliedOnTime = repliedOnTime
        self.callbackDue = callbackDue
        self.calledBack = calledBack
        self.satisfied = satisfied
    }

    /// 签收率 = signed for ÷ dispatched.
    public var signForRate: Double? { Self.ratio(signedFor, dispatched) }
    /// 办结率 = closed ÷ received.
    public var closeRate: Double? { Self.ratio(closed, received) }
    /// 按期办结率 = replied on time ÷ replied.
    public var onTimeRate: Double? { Self.ratio(repliedOnTime, replied) }
    /// 回访率 = called back ÷ replied orders with a phone to call.
    public var callbackRate: Double? { Self.ratio(calledBack, callbackDue) }
    /// 回访满意率 = (满意 + 基本满意) ÷ called back.
    public var callbackSatisfactionRate: Double? { Self.ratio(satisfied, calledBack) }

    /// The definitions, in the order 签收率, 办结率, 按期办结率, 回访率, 回访满意率.
    public static let definitions: [(name: String, definition: String)] = [
        ("签收率", "本期派单中已签收的工单数 ÷ 本期派单数（并单不计）"),
        ("办结率", "本期受理工单中已办结的工单数 ÷ 本期受理工单数（并单不重复计）"),
        ("按期办结率", "本期答复的工单中在答复期限（含批准的延期）内答复的数 ÷ 本期答复工单数"),
        ("回访率", "本期答复且留有电话的工单中已回访的数 ÷ 本期答复且留有电话的工单数"),
        ("回访满意率", "首次回访为满意或基本满意的工单数 ÷ 已回访工单数（重办不改变首次回访结果）"),
    ]

    static func ratio(_ part: Int, _ whole: Int) -> Double? { whole == 0 ? nil : Double(part) / Double(whole) }
}
