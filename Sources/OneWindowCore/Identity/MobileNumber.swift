/// A mainland mobile number: `1[3-9]` and 9 more digits (RULES.md, Identity). An optional `+86` / `86` prefix,
/// spaces and hyphens are accepted and dropped; no list of operator prefixes is kept.
public struct MobileNumber: Hashable, Sendable, CustomStringConvertible {
    /// The 11 digits.
    public let value: String

    /// - Throws: `FieldError` on `field` when the digits are not a mobile number.
    public init(_ input: String, field: String = "phone") throws(FieldError) {
        var text = TextNormalization.normalize(input).filter { $0 != " " && $0 != "-" }
        if text.hasPrefix("+86") {
            text.removeFirst(3)
        } else if text.hasPrefix("86"), text.count == 13 {
            text.removeFirst(2)
        }
        let chars = Array(text)
        guard chars.count == 11, chars.allSatisfy(\.isASCIIDigit), chars[0] == "1", ("3"..."9").contains(chars[1]) else {
            throw FieldError(field: field, message: "请填写 11 位手机号码（以 13–19 开头）")
        }
        self.value = text
    }

    public var description: String { Masking.phone(value) }
}
