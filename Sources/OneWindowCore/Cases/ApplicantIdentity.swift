/// Who applies (申请人): a person by 公民身份号码 (GB 11643) or an organisation by 统一社会信用代码 (GB 32100).
///
/// One identity is one applicant record however it was typed: the number is NFKC-normalised (full-width digits
/// accepted) and upper-cased before it is checked, and the normalised number is the key.
public enum ApplicantIdentity: Hashable, Sendable {
    case person(ResidentID)
    case organisation(CreditCode)

    public enum Kind: String, CaseIterable, Sendable, Codable {
        case person
        case organisation

        public var label: String { self == .person ? "自然人" : "法人或其他组织" }
        /// The label of the number field.
        public var numberLabel: String { self == .person ? "公民身份号码" : "统一社会信用代码" }
    }

    /// Validates `number` as `kind`.
    /// - Throws: `FieldError` on `field` with the validator's message (15- and 17-digit ID numbers named).
    public init(kind: Kind, number: String, field: String = "idNumber") throws(FieldError) {
        switch kind {
        case .person: self = .person(try ResidentID(number, field: field))
        case .organisation: self = .organisation(try CreditCode(number, field: field))
        }
    }

    public var kind: Kind {
        switch self {
        case .person: return .person
        case .organisation: return .organisation
        }
    }

    /// The normalised number: 18 characters, upper case.
    public var number: String {
        switch self {
        case .person(let id): return id.value
        case .organisation(let code): return code.value
        }
    }

    /// The number as a public surface may show it: a person's masked (`1101**********1028`), an organisation's
    /// in full (a credit code is public).
    public var maskedNumber: String {
        switch self {
        case .person(let id): return Masking.residentID(id.value)
        case .organisation(let code): return code.value
        }
    }
}
