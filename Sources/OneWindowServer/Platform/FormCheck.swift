import Foundation
import OneWindowCore

/// Collects every field error of a submitted form, so the form is shown again with all its messages at once.
struct FormCheck {
    private(set) var errors: [String: String] = [:]

    var isValid: Bool { errors.isEmpty }

    mutating func fail(_ field: String, _ message: String) {
        if errors[field] == nil { errors[field] = message }
    }

    /// The trimmed text (prose keeps its full-width punctuation), or an error when empty or longer than `max`.
    mutating func required(_ value: String?, field: String, label: String, max: Int = 200) -> String {
        let text = TextNormalization.trimmed(value ?? "")
        if text.isEmpty {
            fail(field, "请填写\(label)")
        } else if text.count > max {
            fail(field, "\(label)不能超过 \(max) 字")
        }
        return text
    }

    mutating func optional(_ value: String?, field: String, label: String, max: Int = 500) -> String? {
        let text = TextNormalization.trimmedOrNil(value)
        if let text, text.count > max { fail(field, "\(label)不能超过 \(max) 字") }
        return text
    }

    /// An identifier-like code: NFKC-normalised (full-width letters folded), upper-cased.
    mutating func code(_ value: String?, field: String, label: String, max: Int = 20) -> String {
        TextNormalization.normalize(required(value, field: field, label: label, max: max)).uppercased()
    }

    /// A raw-value enum picked from a list.
    mutating func choice<T: RawRepresentable>(_ value: String?, field: String, label: String, as type: T.Type) -> T? where T.RawValue == String {
        guard let raw = TextNormalization.normalizedOrNil(value) else {
            fail(field, "请选择\(label)")
            return nil
        }
        guard let parsed = T(rawValue: raw) else {
            fail(field, "\(label)“\(raw)”不在可选范围内")
            return nil
        }
        return parsed
    }

    mutating func uuid(_ value: String?, field: String, label: String, required: Bool) -> UUID? {
        guard let raw = TextNormalization.normalizedOrNil(value) else {
            if required { fail(field, "请选择\(label)") }
            return nil
        }
        guard let id = UUID(uuidString: raw) else {
            fail(field, "\(label)选择不正确")
            return nil
        }
        return id
    }

    /// Runs a Core validator, recording its `FieldError`.
    mutating func check<T>(_ body: () throws(FieldError) -> T) -> T? {
        do {
            return try body()
        } catch {
            fail(error.field, error.message)
            return nil
        }
    }
}
