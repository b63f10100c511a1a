/// 事项类型: the kind of administrative power or public service an item is (GLOSSARY.md).
public enum ItemCategory: String, CaseIterable, Sendable, Codable {
    case licensing
    case confirmation
    case benefit
    case adjudication
    case award
    case filing
    case otherPower
    case publicService

    /// 行政许可, 行政确认 …
    public var label: String {
        switch self {
        case .licensing: return "行政许可"
        case .confirmation: return "行政确认"
        case .benefit: return "行政给付"
        case .adjudication: return "行政裁决"
        case .award: return "行政奖励"
        case .filing: return "行政备案"
        case .otherPower: return "其他行政权力"
        case .publicService: return "公共服务"
        }
    }

    /// The category named by its Chinese label, or `nil`.
    public init?(label: String) {
        guard let match = Self.allCases.first(where: { $0.label == label }) else { return nil }
        self = match
    }
}

/// 办件类型 (GLOSSARY.md): 即办件 done on the spot, 承诺件 within the promised limit, 联办件 with several
/// departments, 上报件 referred to a higher level.
public enum CaseType: String, CaseIterable, Sendable, Codable {
    case instant
    case promised
    case joint
    case referred

    public var label: String {
        switch self {
        case .instant: return "即办件"
        case .promised: return "承诺件"
        case .joint: return "联办件"
        case .referred: return "上报件"
        }
    }

    public init?(label: String) {
        guard let match = Self.allCases.first(where: { $0.label == label }) else { return nil }
        self = match
    }
}
