import Foundation
import Vapor

/// The fields of a submitted form (URL-encoded or multipart), decoded once per request and kept on it.
///
/// A multipart body with scans is parsed exactly once, whatever asks for its fields (the CSRF check, the handler
/// reading dozens of fields); reading fields one by one through `req.content` would parse the whole body each time.
struct FormFields: Decodable, Sendable {
    private(set) var texts: [String: String] = [:]
    private(set) var lists: [String: [String]] = [:]
    /// File parts that came with a name (an empty file input sends a part with an empty name and no bytes).
    private(set) var files: [String: File] = [:]

    private struct Key: CodingKey {
        let stringValue: String
        let intValue: Int? = nil
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if let file = try? container.decode(File.self, forKey: key), !file.filename.isEmpty || file.data.readableBytes > 0 {
                files[key.stringValue] = file
            } else if let text = try? container.decode(String.self, forKey: key) {
                texts[key.stringValue] = text
            } else if let list = try? container.decode([String].self, forKey: key) {
                lists[key.stringValue] = list
            }
        }
    }

    subscript(_ name: String) -> String? { texts[name] }

    /// A repeated field (`name[]`, or a multiple `<select>`); a single value counts as a list of one.
    func list(_ name: String) -> [String] { lists[name] ?? texts[name].map { [$0] } ?? [] }
}

extension Request {
    private struct FormFieldsKey: StorageKey { typealias Value = FormFields }

    /// The form's fields, parsed on first use (an empty set for a body that is not a form).
    func formFields() throws -> FormFields {
        if let cached = storage[FormFieldsKey.self] { return cached }
        let fields: FormFields
        if let type = headers.contentType, type == .formData || type == .urlEncodedForm || type.subType == "form-data" {
            fields = try content.decode(FormFields.self)
        } else {
            fields = FormFields()
        }
        storage[FormFieldsKey.self] = fields
        return fields
    }
}
