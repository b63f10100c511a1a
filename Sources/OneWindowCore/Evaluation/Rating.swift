import Foundation

/// A 好差评 level (GLOSSARY.md `Rating`; RULES.md, 好差评): 非常满意 5, 满意 4, 基本满意 3, 不满意 2, 非常不满意 1.
/// 差评 = 1 or 2.
public enum RatingLevel: Int, CaseIterable, Sendable, Codable, Comparable {
    case veryDissatisfied = 1
    case dissatisfied = 2
    case basicallySatisfied = 3
    case satisfied = 4
    case verySatisfied = 5

    public var label: String {
        switch self {
        case .verySatisfied: return "非常满意"
        case .satisfied: return "满意"
        case .basicallySatisfied: return "基本满意"
        case .dissatisfied: return "不满意"
        case .veryDissatisfied: return "非常不满意"
        }
    }

    /// 差评: 不满意 or 非常不满意.
    public var isBad: Bool { rawValue <= 2 }

    /// Counted as satisfied in a satisfaction rate: 基本满意 and better.
    public var isSatisfied: Bool { rawValue >= 3 }

    /// A score as given: exactly an integer 1…5.
    /// - Throws: `FieldError` on `field` for anything else (0, 6, …).
    public init(score: Int, field: String = "level") throws(FieldError) {
        guard let level = RatingLevel(rawValue: score) else {
            throw FieldError(field: field, message: "评价等级须为 1 至 5 的整数（5 非常满意 … 1 非常不满意）")
        }
        self = level
    }

    /// The 12345 callback's three answers on the five levels: 满意 4, 基本满意 3, 不满意 2.
    public init(_ satisfaction: Satisfaction) {
        switch satisfaction {
        case .satisfied: self = .satisfied
        case .basicallySatisfied: self = .basicallySatisfied
        case .dissatisfied: self = .dissatisfied
        }
    }

    public static func < (lhs: RatingLevel, rhs: RatingLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What is rated: the overall satisfaction and the content options of the national scheme (国务院办公厅
/// 《关于建立政务服务“好差评”制度提高政务服务水平的意见》): online 办事效率, 办事指南精确度, 办事便捷度, 平台操作性;
/// on site 服务效率, 服务水平, 服务态度.
public enum RatingItem: String, CaseIterable, Sendable, Codable {
    case overall
    case efficiency
    case guideAccuracy
    case convenience
    case operability
    case serviceEfficiency
    case serviceLevel
    case attitude

    public var label: String {
        switch self {
        case .overall: return "整体满意度"
        case .efficiency: return "办事效率"
        case .guideAccuracy: return "办事指南精确度"
        case .convenience: return "办事便捷度"
        case .operability: return "平台操作性"
        case .serviceEfficiency: return "服务效率"
        case .serviceLevel: return "服务水平"
        case .attitude: return "服务态度"
        }
    }

    /// The items of a service done online, and of one done on site (the overall first).
    public static let online: [RatingItem] = [.overall, .efficiency, .guideAccuracy, .convenience, .operability]
    public static let onSite: [RatingItem] = [.overall, .serviceEfficiency, .serviceLevel, .attitude]
}

/// Where a rating was given (RULES.md: 一次一评 on the window pad, 一事一评 online, the SMS link, the 12345 callback),
/// or the 7-day default.
public enum RatingChannel: String, CaseIterable, Sendable, Codable {
    case pad
    case online
    case sms
    case callback
    case defaulted

    public var label: String {
        switch self {
        case .pad: return "窗口评价器"
        case .online: return "网上评价"
        case .sms: return "短信评价"
        case .callback: return "12345 回访"
        case .defaulted: return "默认好评"
        }
    }
}

/// The kind of service record rated.
public enum RatingSubjectKind: String, CaseIterable, Sendable, Codable {
    /// A case (办件).
    case caseRecord = "case"
    /// A window service: a queue ticket served at a window.
    case windowService = "ticket"
    /// A 12345 work order (its callback).
    case workOrder = "work_order"
    /// A help-desk interaction.
    case assistance

    public var label: String {
        switch self {
        case .caseRecord: return "办件"
        case .windowService: return "窗口服务"
        case .workOrder: return "12345 工单"
        case .assistance: return "帮办服务"
        }
    }
}

/// RULES.md, 好差评, Decision (Guangdong rule): a completed case left unrated counts as 基本满意, flagged as a default,
/// once 7 natural days have passed: completed on local date D, the default applies from 00:00 of D + 8.
public enum DefaultRating {
    public static let days = 7
    public static let level = RatingLevel.basicallySatisfied

    /// The first local day on which a case completed on `completed` gets its default rating.
    public static func firstDay(afterCompletionOn completed: LocalDate) -> LocalDate { completed.adding(days: days + 1) }

    /// Whether the default applies on local date `today`.
    public static func isDue(completedOn completed: LocalDate, today: LocalDate) -> Bool { today >= firstDay(afterCompletionOn: completed) }
}
