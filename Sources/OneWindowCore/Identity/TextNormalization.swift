import Foundation

/// Input normalisation (RULES.md, Identity): every text input is NFKC-normalised and trimmed before validation,
/// so full-width digits typed with an input method (`１１０１…`) become `1101…`; U+3000 counts as white space.
/// Identifiers and numbers are stored normalised; prose is stored trimmed only (`trimmed`) and compared normalised.
public enum TextNormalization {
    /// The length of `text` as every limit of the product counts it: Unicode code points, which is what JSON Schema's
    /// `minLength`/`maxLength` (the OpenAPI document) count, not grapheme clusters (`String.count`, which takes
    /// a letter and its combining marks, or `\r\n`, as one and so let longer text past the API's stated limit).
    public static func length(_ text: some StringProtocol) -> Int { text.unicodeScalars.count }

    /// NFKC, control characters removed (`withoutControls`), then white space (including U+3000 and new lines)
    /// trimmed at both ends.
    public static func normalize(_ text: String) -> String {
        withoutControls(text.precomposedStringWithCompatibilityMapping)
            .trimmingCharacters(in: whitespace)
    }

    /// The text without C0 control characters other than tab, line feed and carriage return, and without DEL and
    /// C1 controls: a NUL (`abc%00def`) is removed on input, never stored to cut the text on its way out.
    public static func withoutControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isRemovedControl) else { return text }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter { !isRemovedControl($0) })
        return String(scalars)
    }

    static func isRemovedControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        default: return false
        }
    }

    /// Removes control characters (`withoutControls`) and trims white space (including U+3000) at both ends, nothing
    /// else: for prose that people read (names, notes), where NFKC would turn Chinese full-width punctuation （，：）
    /// into ASCII.
    public static func trimmed(_ text: String) -> String {
        withoutControls(text).trimmingCharacters(in: whitespace)
    }

    /// `trimmed`, with `nil` for a text that is empty once trimmed.
    public static func trimmedOrNil(_ text: String?) -> String? {
        guard let text else { return nil }
        let value = trimmed(text)
        return value.isEmpty ? nil : value
    }

    /// Whether the text holds line breaks, control or format characters (U+202E direction overrides, U+200D
    /// joiners …) or other invisible code points (U+3164): none belongs in a name, a code or a phone number.
    public static func hasInvisibleCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let category = scalar.properties.generalCategory
            return [.control, .format, .lineSeparator, .paragraphSeparator].contains(category)
                || scalar.properties.isDefaultIgnorableCodePoint || scalar == "\u{2800}"
        }
    }

    static let whitespace = CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: "\u{3000}\u{FEFF}"))

    /// `normalize`, with `nil` for a text that is empty once trimmed.
    public static func normalizedOrNil(_ text: String?) -> String? {
        guard let text else { return nil }
        let value = normalize(text)
        return value.isEmpty ? nil : value
    }
}
