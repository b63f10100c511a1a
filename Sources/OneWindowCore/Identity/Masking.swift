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
}
