/// An e-licence identifier, 电子证照标识 (GB/T 36904-2018):
/// `1.2.156.3005.2.<type>.<issuer USCC>.<serial>.<version>.<check>`.
///
/// The check character is ISO/IEC 7064 MOD 37,36 (alphabet `0-9A-Z`) over the fields after the OID root
/// `1.2.156.3005.2`, with the dots removed (RULES.md, Identity).
public struct LicenceID: Hashable, Sendable, CustomStringConvertible {
    public static let root = "1.2.156.3005.2"

    public let value: String
    public let typeCode: String
    public let issuer: CreditCode
    public let serial: String
    public let version: String

    /// Parses and checks an identifier.
    /// - Throws: `FieldError` on `field` for a wrong root, a wrong number of fields, an invalid issuer code,
    ///   characters outside `0-9A-Z`, or a wrong check character.
    public init(_ input: String, field: String = "licenceID") throws(FieldError) {
        let text = TextNormalization.normalize(input).uppercased()
        guard text.hasPrefix(Self.root + ".") else {
            throw FieldError(field: field, message: "电子证照标识应以 \(Self.root). 开头")
        }
        let fields = text.dropFirst(Self.root.count + 1).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, fields.allSatisfy({ !$0.isEmpty }) else {
            throw FieldError(field: field, message: "电子证照标识应有 证照类型.颁发机构代码.流水号.版本号.校验位 五段")
        }
        let issuer = try CreditCode(fields[1], field: field)
        let body = fields[0...3].joined()
        guard let expected = Self.checkCharacter(for: body) else {
            throw FieldError(field: field, message: "电子证照标识只能含数字和大写字母")
        }
        guard fields[4] == String(expected) else {
            throw FieldError(field: field, message: "电子证照标识校验位不正确，请核对")
        }
        self.value = text
        self.typeCode = fields[0]
        self.issuer = issuer
        self.serial = fields[2]
        self.version = fields[3]
    }

    /// Builds an identifier, computing its check character; `nil` when a field has characters outside `0-9A-Z`.
    public static func make(typeCode: String, issuer: CreditCode, serial: String, version: String) -> String? {
        let body = typeCode + issuer.value + serial + version
        guard let check = checkCharacter(for: body) else { return nil }
        return [root, typeCode, issuer.value, serial, version, String(check)].joined(separator: ".")
    }

    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

    /// ISO/IEC 7064 hybrid system MOD 37,36: the character `c` such that the whole string checks out.
    public static func checkCharacter(for body: String) -> Character? {
        let m = 36
        var p = m
        for char in body {
            guard let value = alphabet.firstIndex(of: char) else { return nil }
            var s = (p + value) % m
            if s == 0 { s = m }
            p = (2 * s) % (m + 1)
        }
        return alphabet[(m + 1 - p) % m]
    }

    public var description: String { value }
}
