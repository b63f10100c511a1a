/// Masks for personal data on public surfaces (个人信息保护法; RULES.md, Identity):
/// `张*` / `张*明`, `4212**********1234`, `138****8000`.
public enum Masking {
    /// A person's name: the first character kept, and the last one when the name has three or more;
    /// one `*` for each hidden character (`张*`, `张*明`, `欧阳小明` → `欧**明`).
    public static func name(_ name: String) -> String {
        let chars = Array(TextNormalization.normalize(name))
        switch chars.count {
        case 0: return ""
        case 1: return "*"
        case 2: return "\(chars[0])*"
        default: return "\(chars[0])\(String(repeating: "*", count: chars.count - 2))\(chars[chars.count - 1])"
        }
    }

    /// An identity number: the first 4 and the last 4 characters kept (`4212**********1234`).
    /// Shorter text is masked whole.
    public static func residentID(_ id: String) -> String {
        let chars = Array(id)
        guard chars.count > 8 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(4)) + String(repeating: "*", count: chars.count - 8) + String(chars.suffix(4))
    }

    /// A phone number: the first 3 and the last 4 digits kept (`138****8000`).
    public static func phone(_ phone: String) -> String {
        let chars = Array(phone)
        guard chars.count > 7 else { return String(repeating: "*", count: chars.count) }
        return String(chars.prefix(3)) + String(repeating: "*", count: chars.count - 7) + String(chars.suffix(4))
    }

    /// An address: the first 6 characters (county and township level) kept, the rest replaced by `****`.
    public static func address(_ address: String) -> String {
        let chars = Array(TextNormalization.normalize(address))
        guard chars.count > 6 else { return String(chars.prefix(2)) + "****" }
        return String(chars.prefix(6)) + "****"
    }

    /// Free text as a public page may show it: every mainland mobile number (`1[3-9]` + 9 digits) becomes
    /// `138****8000` and every 18-character 身份证号 (17 digits + digit or `X`) `4212**********1234`, wherever they
    /// stand in the text (also when typed full-width). Names cannot be recognised and stay as typed.
    public static func redact(_ text: String) -> String {
        // Full-width digits (typed with an input method) count as digits; the rest of the prose is kept as typed.
        let scalars = text.unicodeScalars.map { scalar -> Unicode.Scalar in
            if (0xFF10...0xFF19).contains(scalar.value) || scalar.value == 0xFF38 || scalar.value == 0xFF58 {
                return Unicode.Scalar(scalar.value - 0xFEE0)!
            }
            return scalar
        }
        func isDigit(_ index: Int) -> Bool { index >= 0 && index < scalars.count && ("0"..."9").contains(scalars[index]) }
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            // A run of digits not glued to other digits.
            guard isDigit(index), !isDigit(index - 1) else {
                output.append(scalars[index])
                index += 1
                continue
            }
            var end = index
            while isDigit(end) { end += 1 }
            let hasCheckX = end - index == 17 && end < scalars.count && (scalars[end] == "X" || scalars[end] == "x")
            let run = String(String.UnicodeScalarView(scalars[index..<(hasCheckX ? end + 1 : end)]))
            if run.count == 18 {
                output.append(contentsOf: residentID(run.uppercased()).unicodeScalars)
            } else if let mobile = [run, run.hasPrefix("86") ? String(run.dropFirst(2)) : ""].first(where: Self.looksMobile) {
                output.append(contentsOf: (String(run.dropLast(11)) + phone(mobile)).unicodeScalars)
            } else {
                output.append(contentsOf: run.unicodeScalars)
            }
            index = hasCheckX ? end + 1 : end
        }
        return String(output)
    }

    private static func looksMobile(_ digits: String) -> Bool {
        guard digits.count == 11, digits.hasPrefix("1"), let second = digits.dropFirst().first else { return false }
        return ("3"..."9").contains(second)
    }
}
