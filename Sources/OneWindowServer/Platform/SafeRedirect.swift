import Foundation

/// Redirect targets that come from a request (`next` after sign-in, `return` after a preference switch).
enum SafeRedirect {
    /// A local path (`/guide?q=…`) safe to put in a `Location` header, or `nil`.
    ///
    /// Refused: anything not starting with a single `/`, `//` and `/\` (other hosts), backslashes, white space and
    /// control characters (header injection; browsers drop tabs and new lines, turning `/\t/evil` into `//evil`).
    /// Non-ASCII text is percent-encoded.
    static func localPath(_ raw: String?) -> String? {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), raw.count <= 2000 else { return nil }
        for scalar in raw.unicodeScalars {
            if scalar.value < 0x21 || scalar.value == 0x7F || scalar == "\\" { return nil }
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format
                || scalar.properties.isWhitespace
            {
                return nil
            }
        }
        var allowed = CharacterSet.urlPathAllowed
        allowed.formUnion(.urlQueryAllowed)
        allowed.insert("%")
        return raw.addingPercentEncoding(withAllowedCharacters: allowed)
    }
}
