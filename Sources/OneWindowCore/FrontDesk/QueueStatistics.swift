/// Order statistics for waiting and service times (seconds).
///
/// Percentiles are by the nearest-rank method: the p-th percentile of n sorted values is the value at rank
/// ⌈p/100 × n⌉ (1-based). The median is the 50th percentile by the same rule, so it is always an observed value.
public enum QueueStatistics {
    /// The `p`-th percentile (0 < p ≤ 100) of `values`, or `nil` for no values.
    public static func percentile(_ p: Double, of values: [Double]) -> Double? {
        guard !values.isEmpty, p > 0, p <= 100 else { return nil }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// A duration in seconds as the figures show it: `4分05秒`, `1小时02分`.
    public static func format(seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)小时" + pad(total % 3600 / 60) + "分" }
        return "\(total / 60)分" + pad(total % 60) + "秒"
    }

    private static func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// 过号率 = tickets marked no-show ÷ tickets called at least once, in the period.
public enum NoShowRate {
    public static let definition = "过号率 = 过号（重呼后仍未到窗口）的号数 ÷ 被叫过的号数"
}
