/// A time limit in working days, in steps of half a day (承诺办结时限 may be 0.5, 2.5 …).
///
/// Stored exactly as a count of half days; `0` is a 即办件 limit.
public struct WorkingDays: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The limit in half days (`7` = 3.5 working days).
    public let halfDays: Int

    public init(halfDays: Int) {
        precondition(halfDays >= 0, "a limit cannot be negative")
        self.halfDays = halfDays
    }

    /// Whole working days.
    public init(_ days: Int) { self.init(halfDays: days * 2) }

    /// Converts a decimal number of days; `nil` when negative or not a multiple of 0.5.
    public init?(exactly days: Double) {
        guard days.isFinite, days >= 0, days <= 100_000 else { return nil }
        let doubled = days * 2
        guard doubled == doubled.rounded() else { return nil }
        self.init(halfDays: Int(doubled))
    }

    /// Parses a decimal number of days as people write it: `3`, `2.5`, `20.0` (full-width digits accepted);
    /// `nil` for anything else (`0x10`, `1e1`, `-1`, `2.3`, `inf`).
    public init?(parsing text: String) {
        let value = TextNormalization.normalize(text)
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCIIDigit) }),
            let number = Double(value)
        else { return nil }
        self.init(exactly: number)
    }

    /// Whole days in the limit (3 for 3.5).
    public var wholeDays: Int { halfDays / 2 }
    /// Whether the limit ends at noon (N.5).
    public var hasHalfDay: Bool { halfDays % 2 == 1 }
    /// The limit as a decimal number of days.
    public var days: Double { Double(halfDays) / 2 }

    /// `3`, `0.5`, `2.5`.
    public var description: String {
        hasHalfDay ? "\(wholeDays).5" : "\(wholeDays)"
    }

    public static func < (lhs: WorkingDays, rhs: WorkingDays) -> Bool { lhs.halfDays < rhs.halfDays }
}
