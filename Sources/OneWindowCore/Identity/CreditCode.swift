/// A unified social credit code, 统一社会信用代码 (GB 32100-2015): 18 characters from
/// `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z).
///
/// Check character: weights 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28 over the first 17 characters'
/// values; check = (31 − sum mod 31) mod 31.
public struct CreditCode: Hashable, Sendable, CustomStringConvertible {
    public let value: String

    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Validates `input` after NFKC normalisation, trimming and upper-casing.
    /// - Throws: `FieldError` on `field` for a wrong length, a character outside the alphabet, or a wrong check.
    public init(_ input: String, field: String = "creditCode") throws(FieldError) {
        let text = TextNormalization.normalize(input).uppercased()
        let chars = Array(text)
        guard chars.count == 18 else {
            throw FieldError(field: field, message: "统一社会信用代码应为 18 位，现在是 \(chars.count) 位")
        }
        var values: [Int] = []
        for char in chars {
            guard let index = Self.alphabet.firstIndex(of: char) else {
                throw FieldError(field: field, message: "统一社会信用代码含有不允许的字符“\(char)”（不使用 I、O、S、V、Z）")
            }
            values.append(index)
        }
        let sum = zip(values.prefix(17), Self.weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard (31 - sum % 31) % 31 == values[17] else {
            throw FieldError(field: field, message: "统一社会信用代码校验位不正确，请核对")
        }
        self.value = text
    }

    public var description: String { value }
}
