import Foundation
import Vapor

/// Encryption at rest of people's data (身份证号, names, phone numbers, addresses): AES-256-GCM under a key ring read
/// from configuration (never from the database), and a keyed hash (HMAC-SHA256) for equality look-ups.
///
/// - Sealed form: `keyID:base64(nonce 12 B | ciphertext | tag 16 B)`, e.g. `k2:q1w…==`. A key id is 1–16 ASCII
///   letters or digits; the first key of the ring seals, every key of the ring opens.
/// - A stored value that does not have the sealed form (a key id, `:`, Base64 of at least 28 bytes) is a plaintext
///   row written before encryption: it opens as itself (and `SealedColumns` re-seals it in the background). A value
///   of the sealed form under a key missing from the ring is an error, never taken for plaintext (it would be sealed
///   twice).
/// - The index key (`index:` entry, or derived from the last data key when absent) keys `hash(_:)`: 64 lower-case hex
///   digits. It does not rotate: a new index key would orphan every hash column.
struct FieldCipher: Sendable {
    struct Key: Sendable {
        let id: String
        let key: SymmetricKey
    }

    enum Failure: Error, CustomStringConvertible {
        case badKeyList(String)
        case unknownKey(String)
        case corrupt(String)

        var description: String {
            switch self {
            case .badKeyList(let reason): return "数据密钥配置无效：\(reason)"
            case .unknownKey(let id): return "数据密钥 \(id) 不在密钥配置中，无法解密"
            case .corrupt(let id): return "密文（密钥 \(id)）校验失败：数据被改动或密钥不符"
            }
        }
    }

    /// The data keys, current first.
    let keys: [Key]
    let indexKey: SymmetricKey

    var currentID: String { keys[0].id }

    init(keys: [Key], indexKey: SymmetricKey) {
        precondition(!keys.isEmpty, "a key ring needs a key")
        self.keys = keys
        self.indexKey = indexKey
    }

    /// Parses `id:BASE64` entries separated by commas or new lines (`index:BASE64,k2:BASE64,k1:BASE64`): each key
    /// 32 bytes; the first data key seals; `index` (optional) is the hash key. Blank lines and `#` comments are skipped.
    /// - Throws: `Failure.badKeyList` naming the entry at fault.
    static func parse(_ text: String) throws -> FieldCipher {
        var keys: [Key] = []
        var index: SymmetricKey?
        let entries = text.split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }
        for entry in entries where !entry.isEmpty && !entry.hasPrefix("#") {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, isKeyID(parts[0]) else { throw Failure.badKeyList("“\(entry.prefix(20))…”不是 id:BASE64") }
            guard let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw Failure.badKeyList("密钥 \(parts[0]) 须为 32 字节的 Base64")
            }
            if parts[0] == "index" {
                index = SymmetricKey(data: bytes)
            } else {
                guard !keys.contains(where: { $0.id == parts[0] }) else { throw Failure.badKeyList("密钥 \(parts[0]) 重复") }
                keys.append(Key(id: parts[0], key: SymmetricKey(data: bytes)))
            }
        }
        guard let last = keys.last else { throw Failure.badKeyList("没有数据密钥") }
        let derived = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: last.key, info: Data("onewindow index key".utf8), outputByteCount: 32)
        return FieldCipher(keys: keys, indexKey: index ?? derived)
    }

    /// A fresh key list for a new installation: an index key and one data key `k1`, in the `parse` format.
    static func generateKeyList() -> String {
        func fresh() -> String { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() } }
        return "index:\(fresh())\nk1:\(fresh())\n"
    }

    static func isKeyID(_ text: String) -> Bool {
        (1...16).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// `plaintext` sealed under the current key, with a fresh random nonce (the same text seals differently each time).
    func seal(_ plaintext: String) -> String {
        // AES.GCM.seal fails only on a malformed key or nonce, which this type never builds.
        let box = try! AES.GCM.seal(Data(plaintext.utf8), using: keys[0].key)
        return keys[0].id + ":" + box.combined!.base64EncodedString()
    }

    /// The key id of a value of the sealed form (whether or not the ring holds that key), or `nil` for plaintext.
    static func keyID(of stored: String) -> String? {
        guard let colon = stored.firstIndex(of: ":") else { return nil }
        let id = String(stored[..<colon])
        guard isKeyID(id), let bytes = Data(base64Encoded: String(stored[stored.index(after: colon)...])), bytes.count >= 28 else {
            return nil
        }
        return id
    }

    /// The plaintext of a stored value and the key id it was sealed with (`nil`: the value was plaintext).
    /// - Throws: `Failure.unknownKey` for a key missing from the ring, `Failure.corrupt` when the box does not
    ///   authenticate under its key.
    func open(_ stored: String) throws -> (text: String, keyID: String?) {
        guard let id = Self.keyID(of: stored) else { return (stored, nil) }
        guard let key = keys.first(where: { $0.id == id }) else { throw Failure.unknownKey(id) }
        let bytes = Data(base64Encoded: String(stored.dropFirst(id.count + 1)))!
        do {
            let plain = try AES.GCM.open(AES.GCM.SealedBox(combined: bytes), using: key.key)
            return (String(decoding: plain, as: UTF8.self), id)
        } catch {
            throw Failure.corrupt(id)
        }
    }

    /// HMAC-SHA256 of `value` (already normalised: 18-character 身份证号 with upper-case `X`, 11-digit mobile) under
    /// the index key: 64 lower-case hex digits.
    func hash(_ value: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for byte in HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: indexKey) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

/// The process's key ring, for `SealedText`'s coding (Fluent's coders carry no application). `Kernel.configure`
/// installs the configured ring; `override` (a task-local) lets one task seal under another ring (tests). Rows are
/// decoded off the task (on the database's event loop), so a ring used in an override must also be `learn`ed to open.
enum FieldCiphers {
    @TaskLocal static var override: FieldCipher?
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed: FieldCipher?

    /// The ring in force: the task's override, else the installed one.
    static var current: FieldCipher {
        if let override { return override }
        guard let ring = lock.withLock({ installed }) else {
            fatalError("FieldCiphers.current before Kernel.configure installed the data keys")
        }
        return ring
    }

    /// Installs `ring` for the process. Keys of an earlier ring that `ring` lacks stay able to open (several test
    /// applications in one process); `ring`'s first key seals. Every ring of one process must share the index key:
    /// the look-up hashes of every application in it depend on it, so a second one is a programming error (it once
    /// let a test's booking limit miss while another test configured generated keys).
    static func install(_ ring: FieldCipher) {
        lock.withLock {
            precondition(
                installed == nil || installed?.indexKey == ring.indexKey,
                "a second data key ring with another index key in one process: configure every application with the same keys")
            let earlier = (installed?.keys ?? []).filter { old in !ring.keys.contains { $0.id == old.id } }
            installed = FieldCipher(keys: ring.keys + earlier, indexKey: ring.indexKey)
        }
    }

    /// Adds `ring`'s keys to the installed ring for opening only: the installed ring still seals.
    static func learn(_ ring: FieldCipher) {
        lock.withLock {
            guard let now = installed else { return }
            let new = ring.keys.filter { key in !now.keys.contains { $0.id == key.id } }
            installed = FieldCipher(keys: now.keys + new, indexKey: now.indexKey)
        }
    }
}

/// A text stored sealed (`FieldCipher`): in memory the plaintext, in the column `keyID:base64…`. Use it as the type
/// of a Fluent `@Field` / `@OptionalField`; it seals on encoding and opens on decoding (a plaintext row opens as is).
struct SealedText: Codable, Sendable, Hashable {
    var value: String
    /// The key id the stored value was sealed with when read; `nil` for a new value or a plaintext row.
    let storedKeyID: String?

    init(_ value: String) {
        self.value = value
        storedKeyID = nil
    }

    init(from decoder: any Decoder) throws {
        let stored = try decoder.singleValueContainer().decode(String.self)
        (value, storedKeyID) = try FieldCiphers.current.open(stored)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(FieldCiphers.current.seal(value))
    }
}

extension Optional where Wrapped == SealedText {
    /// The plaintext of an optional sealed field.
    var text: String? { self?.value }

    init(text: String?) { self = text.map(SealedText.init) }
}

extension FieldCiphers {
    /// The keyed hash of `value` under the ring in force (`FieldCipher.hash`); `nil` for `nil`.
    static func hash(_ value: String?) -> String? { value.map(current.hash) }
}
