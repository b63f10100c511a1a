import Foundation

/// Unguessable tokens from the system's secure random source.
enum RandomToken {
    /// `bytes` random bytes as base64url without padding (32 bytes → 43 characters): session, CSRF and API tokens.
    static func make(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<bytes).map { _ in UInt8(truncatingIfNeeded: generator.next()) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// `length` characters from lower-case letters and digits without look-alikes (no `i l o 0 1`), for links a
    /// person may read or type: ticket follow links, rating links, appointment codes. 20 characters ≈ 98 bits.
    static func readable(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}
