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
        } else if TextNormalization.length(value ?? "") > max {  // what was sent, as the OpenAPI maxLength counts
            fail(field, "\(label)不能超过 \(max) 字")
        } else if TextNormalization.hasInvisibleCharacters(text) {
            fail(field, "\(label)不能包含换行、控制字符或不可见字符")
        }
        return text
    }

    mutating func optional(_ value: String?, field: String, label: String, max: Int = 500) -> String? {
        let text = TextNormalization.trimmedOrNil(value)
        if text != nil, TextNormalization.length(value ?? "") > max { fail(field, "\(label)不能超过 \(max) 字") }
        if let text, TextNormalization.hasInvisibleCharacters(text) { fail(field, "\(label)不能包含换行、控制字符或不可见字符") }
        return text
    }

    /// An identifier-like code: NFKC-normalised (full-width letters folded), upper-cased, only `A–Z 0–9 -`.
    mutating func code(_ value: String?, field: String, label: String, max: Int = 20) -> String {
        let code = TextNormalization.normalize(required(value, field: field, label: label, max: max)).uppercased()
        if !code.isEmpty, !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            fail(field, "\(label)只能由字母、数字和 - 组成")
        }
        return code
    }

    /// A counter number: 1–999.
    mutating func windowNumber(_ value: String?, field: String, label: String) -> String {
        let text = TextNormalization.normalize(required(value, field: field, label: label, max: 3))
        if !text.isEmpty, !(text.allSatisfy { $0.isASCII && $0.isNumber } && (Int(text) ?? 0) >= 1) {
            fail(field, "\(label)应为 1–999 的数字")
        }
        return text.drop(while: { $0 == "0" }).description
    }

    /// A raw-value enum picked from a list.
    mutating func choice<T: RawRepresentable>(_ value: String?, field: String, label: String, as type: T.Type) -> T?
    where T.RawValue == String {
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
    /// A 身份证号 (GB 11643) whose birth date is a plausible one on `today`: not in the future, not before 1900.
    mutating func residentID(_ value: String?, field: String, today: LocalDate) -> ResidentID? {
        guard let id = check({ () throws(FieldError) in try ResidentID(value ?? "", field: field) }) else { return nil }
        guard id.birthDate <= today, id.birthDate.year >= 1900 else {
            fail(field, "身份证号中的出生日期 \(id.birthDate) 不合理，请核对")
            return nil
        }
        return id
    }

    mutating func check<T>(_ body: () throws(FieldError) -> T) -> T? {
        do {
            return try body()
        } catch {
            fail(error.field, error.message)
            return nil
        }
    }
}
