/// A rejected input value: which field, and a user-safe Chinese message saying what is wrong.
///
/// Every validator in Core throws this, so the web layer can name the field in a form or in
/// `{"error": {"code": "invalid_field", "field": ..., "message": ...}}`.
public struct FieldError: Error, Equatable, Sendable {
    public let field: String
    public let message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}
