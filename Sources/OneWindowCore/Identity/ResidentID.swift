/// A citizen identity number, 公民身份号码 (GB 11643-1999): 6-digit region, 8-digit birth date,
/// 3-digit sequence, 1 check character.
///
/// The check character: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over the first 17 digits; the sum mod 11
/// indexes `1 0 X 9 8 7 6 5 4 3 2`. The stored form has an upper-case `X`.
public struct ResidentID: Hashable, Sendable, CustomStringConvertible {
    /// The 18 characters, upper-case `X`.
    public let value: String
    public let birthDate: LocalDate

    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkChars: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// Validates `input` after NFKC normalisation and trimming.
    /// - Throws: `FieldError` on `field` for a wrong length (15-digit numbers included), a non-digit, an
    ///   impossible birth date, or a wrong check character.
    public init(_ input: String, field: String = "residentID") throws(FieldError) {
        let text = TextNormalization.normalize(input).uppercased()
        let chars = Array(text)
        guard chars.count == 18 else {
            if chars.count == 15, chars.allSatisfy(\.isASCIIDigit) {
                throw FieldError(field: field, message: "请填写 18 位公民身份号码（15 位旧号码已停止使用）")
            }
            throw FieldError(field: field, message: "公民身份号码应为 18 位，现在是 \(chars.count) 位")
        }
        guard chars[0..<17].allSatisfy(\.isASCIIDigit), chars[17].isASCIIDigit || chars[17] == "X" else {
            throw FieldError(field: field, message: "公民身份号码前 17 位应为数字，最后一位为数字或 X")
        }
        let digits = chars[0..<17].map { Int(String($0))! }
        guard
            let birth = LocalDate(
                year: digits[6...9].reduce(0) { $0 * 10 + $1 },
                month: digits[10] * 10 + digits[11],
                day: digits[12] * 10 + digits[13])
        else {
            throw FieldError(field: field, message: "公民身份号码中的出生日期不存在")
        }
        let sum = zip(digits, Self.weights).reduce(0) { $0 + $1.0 * $1.1 }
        guard Self.checkChars[sum % 11] == chars[17] else {
            throw FieldError(field: field, message: "公民身份号码校验位不正确，请核对")
        }
        self.value = text
        self.birthDate = birth
    }

    /// Age in whole years on `date`.
    public func age(on date: LocalDate) -> Int {
        var age = date.year - birthDate.year
        if (date.month, date.day) < (birthDate.month, birthDate.day) { age -= 1 }
        return age
    }

    public var description: String { Masking.residentID(value) }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
