/// 行政区划代码: a 12-digit division code (崇阳县 = `421223000000`), the shard key of every business row.
///
/// The statistical codes come as 2 (province), 4 (city), 6 (county) and 9 (township) digits; padded with
/// zeros to 12 they name the same division.
public struct RegionCode: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public enum Level: Int, Sendable, Comparable {
        case province = 1, city, county, township, village
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The 12 digits.
    public let value: String

    /// Accepts 2, 4, 6, 9 or 12 digits and pads to 12.
    /// - Throws: `FieldError` on `field` for anything else.
    public init(_ input: String, field: String = "regionCode") throws(FieldError) {
        let text = TextNormalization.normalize(input)
        guard [2, 4, 6, 9, 12].contains(text.count), text.allSatisfy(\.isASCIIDigit) else {
            throw FieldError(field: field, message: "行政区划代码应为 12 位数字（如 421223000000）")
        }
        self.value = text + String(repeating: "0", count: 12 - text.count)
    }

    public var level: Level {
        let chars = Array(value)
        if chars[9...11].contains(where: { $0 != "0" }) { return .village }
        if chars[6...8].contains(where: { $0 != "0" }) { return .township }
        if chars[4...5].contains(where: { $0 != "0" }) { return .county }
        if chars[2...3].contains(where: { $0 != "0" }) { return .city }
        return .province
    }

    /// The enclosing divisions, nearest first (`421223100000` → county, city, province).
    public var ancestors: [RegionCode] {
        let cuts: [(Level, Int)] = [(.county, 6), (.city, 4), (.province, 2)]
        return cuts.compactMap { level, digits in
            guard level < self.level else { return nil }
            return try? RegionCode(String(value.prefix(digits)))
        }
    }

    public var description: String { value }
    public static func < (lhs: RegionCode, rhs: RegionCode) -> Bool { lhs.value < rhs.value }
}
