import Foundation

/// A rate with the counts behind it, so every figure can be traced (数说成绩单) and shown with its definition.
public struct Ratio: Sendable, Equatable, Codable {
    public let numerator: Double
    public let denominator: Double

    public init(_ numerator: Double, _ denominator: Double) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// `nil` when there is nothing to divide by.
    public var value: Double? { denominator == 0 ? nil : numerator / denominator }

    /// `97.5%` (one decimal, rounded half away from zero), or `—` when undefined.
    public var percent: String {
        guard let value else { return "—" }
        let tenths = (value * 1000).rounded(.toNearestOrAwayFromZero)
        let whole = Int(tenths) / 10, fraction = abs(Int(tenths) % 10)
        return "\(whole).\(fraction)%"
    }
}

/// The case and item figures of RULES.md, Cases (Metrics), each beside its definition.
public enum CaseMetrics {
    /// The limits of one catalogue item.
    public struct ItemLimits: Sendable, Equatable {
        public let statutory: WorkingDays?
        public let promised: WorkingDays?
        public let caseType: CaseType?
        public let fullyOnline: Bool

        public init(statutory: WorkingDays?, promised: WorkingDays?, caseType: CaseType?, fullyOnline: Bool) {
            self.statutory = statutory
            self.promised = promised
            self.caseType = caseType
            self.fullyOnline = fullyOnline
        }
    }

    public static let onTimeDefinition = "按时办结率 = 期间内在承诺时限内办结的办件数 ÷ 期间内办结的办件数"
    public static let aggregateCompressionDefinition = "办理时限压缩比率（总量法）= Σ(法定时限 − 承诺时限) ÷ Σ法定时限，只计法定时限大于 0 的事项"
    public static let meanCompressionDefinition = "办理时限压缩比率（平均法）= 各事项 (1 − 承诺时限 ÷ 法定时限) 的平均值，只计法定时限大于 0 的事项"
    public static let instantDefinition = "即办件占比 = 即办件事项数 ÷ 事项数"
    public static let fullyOnlineDefinition = "全程网办率 = 可全程网办的事项数 ÷ 事项数"
    public static let onlineCaseDefinition = "网上申报占比 = 期间内受理的办件中网上申报的件数 ÷ 期间内受理的办件数"

    /// 按时办结率: completed on or before their deadline ÷ completed. A case with no deadline recorded counts as late.
    /// - Parameter completed: each completed case's completion instant and promised due instant.
    public static func onTimeRate(_ completed: [(completedAt: Date, dueAt: Date?)]) -> Ratio {
        let onTime = completed.filter { entry in entry.dueAt.map { entry.completedAt <= $0 } ?? false }.count
        return Ratio(Double(onTime), Double(completed.count))
    }

    /// 办理时限压缩比率, aggregate form: Σ(法定 − 承诺) ÷ Σ法定 over items whose statutory limit is above 0 and
    /// whose promised limit is known.
    public static func aggregateCompression(_ items: [ItemLimits]) -> Ratio {
        let counted = items.compactMap(limits)
        return Ratio(counted.reduce(0) { $0 + $1.statutory - $1.promised }, counted.reduce(0) { $0 + $1.statutory })
    }

    /// 办理时限压缩比率, mean form: the average of (1 − 承诺 ÷ 法定) per item, same items as the aggregate form.
    public static func meanCompression(_ items: [ItemLimits]) -> Ratio {
        let counted = items.compactMap(limits)
        return Ratio(counted.reduce(0) { $0 + (1 - $1.promised / $1.statutory) }, Double(counted.count))
    }

    /// 即办件占比: instant items ÷ items.
    public static func instantShare(_ items: [ItemLimits]) -> Ratio {
        Ratio(Double(items.filter { $0.caseType == .instant }.count), Double(items.count))
    }

    /// 全程网办率 (item-based): fully-online items ÷ items.
    public static func fullyOnlineShare(_ items: [ItemLimits]) -> Ratio {
        Ratio(Double(items.filter(\.fullyOnline).count), Double(items.count))
    }

    private static func limits(_ item: ItemLimits) -> (statutory: Double, promised: Double)? {
        guard let statutory = item.statutory, statutory.halfDays > 0, let promised = item.promised else { return nil }
        return (statutory.days, promised.days)
    }
}
