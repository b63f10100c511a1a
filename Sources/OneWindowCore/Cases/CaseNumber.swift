/// 办件编号: `421223-20250305-00012` — the county's 6-digit division code, the local date of registration and
/// the day's sequence number (5 digits), unique per county and day.
public struct CaseNumber: Hashable, Sendable, CustomStringConvertible, Comparable {
    public let county: String
    public let date: LocalDate
    public let sequence: Int

    /// - Parameter county: the first 6 digits of a region code.
    public init(county: String, date: LocalDate, sequence: Int) {
        self.county = String(county.prefix(6))
        self.date = date
        self.sequence = sequence
    }

    /// Parses `421223-20250305-00012` (NFKC-normalised, so full-width digits are read too).
    /// - Throws: `FieldError` on `field` when the text is not a case number.
    public init(parsing input: String, field: String = "caseNumber") throws(FieldError) {
        // Dashes of any kind (-－—–) or none: 19 digits alone are read as 6 + 8 + 5.
        var text = TextNormalization.normalize(input).replacingOccurrences(of: " ", with: "")
        for dash in ["—", "–", "‐", "−"] { text = text.replacingOccurrences(of: dash, with: "-") }
        if text.count == 19, text.allSatisfy(\.isASCIIDigit) {
            text = "\(text.prefix(6))-\(text.dropFirst(6).prefix(8))-\(text.suffix(5))"
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let fail = FieldError(field: field, message: "办件编号格式应为“6 位区划码-8 位日期-5 位序号”，如 421223-20250305-00012")
        guard parts.count == 3, parts[0].count == 6, parts[1].count == 8, parts[2].count == 5,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[1].prefix(4)), let month = Int(parts[1].dropFirst(4).prefix(2)), let day = Int(parts[1].suffix(2)),
            let date = LocalDate(year: year, month: month, day: day), let sequence = Int(parts[2]), sequence > 0
        else { throw fail }
        self.init(county: parts[0], date: date, sequence: sequence)
    }

    /// The key of the day's counter: county and date (`421223-20250305`).
    public var dayKey: String { "\(county)-\(Self.compact(date))" }

    public var description: String {
        let digits = String(sequence)
        return "\(dayKey)-\(String(repeating: "0", count: max(0, 5 - digits.count)))\(digits)"
    }

    public static func < (lhs: CaseNumber, rhs: CaseNumber) -> Bool { lhs.description < rhs.description }

    static func compact(_ date: LocalDate) -> String { date.description.replacingOccurrences(of: "-", with: "") }
}
