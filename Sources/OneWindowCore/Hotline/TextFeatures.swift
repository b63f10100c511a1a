import Foundation

/// How the 12345 hotline's text tools (classification, duplicate appeals, hot topics) read a text: the same
/// normalisation as every other input (RULES.md: NFKC, U+3000 is white space), then character n-grams.
///
/// A *gram character* is a letter (Han characters included), or a decimal digit, after normalisation. Anything else
/// — white space, punctuation, symbols — ends a run, and grams never cross a run boundary, so `路灯，不亮` gives
/// `路灯` and `不亮` but never `灯不`. Everything here is deterministic and locale-independent.
public enum TextFeatures {
    /// NFKC (`ＡＢＣ１２３` → `abc123`, full-width `，` → `,`), lower-cased, every run of white space (spaces, `\n`,
    /// `\t`, U+3000, U+FEFF) replaced by one space, and no white space at either end.
    /// `"\n\t\t路灯　不亮\n"` → `"路灯 不亮"`.
    public static func normalize(_ text: String) -> String {
        var output = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars {
            if isSpace(scalar) {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(" ") }
                pendingSpace = false
                output.append(scalar)
            }
        }
        return String(output)
    }

    /// The character n-grams of the normalised text, as strings, for sizes in `sizes` (which must lie within
    /// 1…3): all grams of the smallest size in text order, then the next size, and so on; repeats are kept.
    /// `ngrams("路灯不亮!", sizes: 1...2)` → `["路", "灯", "不", "亮", "路灯", "灯不", "不亮"]`.
    public static func ngrams(_ text: String, sizes: ClosedRange<Int> = 1...3) -> [String] {
        gramKeys(normalize(text), sizes: sizes).map(string(forKey:))
    }

    // MARK: - Gram keys (internal: the fast path used by the classifier and the similarity)

    /// Bits per Unicode scalar in a gram key; three scalars fit in 63 bits.
    static let bitsPerScalar: UInt64 = 21

    /// The gram characters of an already normalised text as scalar values, with a single 0 between runs (and
    /// none at either end).
    static func scalarRuns(_ normalized: String) -> [UInt32] {
        var values: [UInt32] = []
        values.reserveCapacity(normalized.utf8.count)
        var gap = false
        for scalar in normalized.unicodeScalars {
            if isGramScalar(scalar) {
                if gap && !values.isEmpty { values.append(0) }
                gap = false
                values.append(scalar.value)
            } else {
                gap = true
            }
        }
        return values
    }

    /// Grams of an already normalised text packed into integers (each scalar value in 21 bits, first scalar
    /// highest; no gram character is U+0000, so keys of different sizes never collide). Same order as `ngrams`.
    /// Written with pointers and `while` loops because it is the hot path, also in debug builds.
    static func gramKeys(_ normalized: String, sizes: ClosedRange<Int>) -> [UInt64] {
        gramKeys(runs: scalarRuns(normalized)[...], sizes: sizes)
    }

    /// `gramKeys` of the output of `scalarRuns` (or a prefix of it).
    static func gramKeys(runs values: ArraySlice<UInt32>, sizes: ClosedRange<Int>) -> [UInt64] {
        precondition(sizes.lowerBound >= 1 && sizes.upperBound <= 3, "gram sizes must lie within 1...3")
        var keys = [UInt64](repeating: 0, count: values.count * sizes.count)
        var produced = 0
        values.withUnsafeBufferPointer { buffer in
            guard let scalars = buffer.baseAddress else { return }
            keys.withUnsafeMutableBufferPointer { output in
                let out = output.baseAddress!
                var size = sizes.lowerBound
                while size <= sizes.upperBound {
                    var start = 0
                    while start + size <= buffer.count {
                        var key: UInt64 = 0
                        var offset = 0
                        while offset < size {
                            let value = scalars[start + offset]
                            if value == 0 { break }
                            key = key << bitsPerScalar | UInt64(value)
                            offset += 1
                        }
                        if offset == size {
                            out[produced] = key
                            produced += 1
                            start += 1
                        } else {
                            start += offset + 1  // skip past the run boundary
                        }
                    }
                    size += 1
                }
            }
        }
        keys.removeLast(keys.count - produced)
        return keys
    }

    /// The text of a packed gram key.
    static func string(forKey key: UInt64) -> String {
        var scalars: [Unicode.Scalar] = []
        var rest = key
        while rest != 0 {
            scalars.append(Unicode.Scalar(UInt32(rest & ((1 << bitsPerScalar) - 1)))!)
            rest >>= bitsPerScalar
        }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars.reversed())
        return String(view)
    }

    /// Number of scalars in a packed gram key.
    static func size(ofKey key: UInt64) -> Int {
        key >> (2 * bitsPerScalar) != 0 ? 3 : (key >> bitsPerScalar != 0 ? 2 : 1)
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return scalar == " " || (scalar.value >= 0x09 && scalar.value <= 0x0D) }
        if isCommonHan(scalar) { return false }
        return scalar.properties.isWhitespace || scalar == "\u{FEFF}"
    }

    /// CJK Unified Ideographs and Extension A: letters, and by far the most common scalars here (a fast path).
    static func isCommonHan(_ scalar: Unicode.Scalar) -> Bool {
        (0x4E00...0x9FFF).contains(scalar.value) || (0x3400...0x4DBF).contains(scalar.value)
    }

    static func isGramScalar(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let value = scalar.value
            return (value >= 0x30 && value <= 0x39) || (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A)
        }
        if isCommonHan(scalar) { return true }
        return scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
    }
}

/// An open-addressing hash table from packed gram keys to dense ids (0, 1, 2 … in order of insertion): the
/// standard `Dictionary` is several times slower in debug builds, where this code must also be fast.
struct GramTable: Sendable {
    private var slots: [UInt64]
    private var ids: [Int32]
    private(set) var count = 0

    init(minimumCapacity: Int = 1_024) {
        var capacity = 1_024
        while capacity < minimumCapacity * 2 { capacity *= 2 }
        slots = [UInt64](repeating: 0, count: capacity)
        ids = [Int32](repeating: -1, count: capacity)
    }

    /// The ids of `keys` (in order), giving new keys the next free ids when `inserting`, or -1 otherwise.
    mutating func ids(for keys: [UInt64], inserting: Bool) -> [Int32] {
        if inserting && (count + keys.count) * 2 > slots.count { grow(to: (count + keys.count) * 2) }
        var result = [Int32](repeating: -1, count: keys.count)
        var next = Int32(count)
        let mask = slots.count - 1
        keys.withUnsafeBufferPointer { keyBuffer in
            guard let input = keyBuffer.baseAddress else { return }
            result.withUnsafeMutableBufferPointer { resultBuffer in
                let output = resultBuffer.baseAddress!
                slots.withUnsafeMutableBufferPointer { slotBuffer in
                    ids.withUnsafeMutableBufferPointer { idBuffer in
                        let slot = slotBuffer.baseAddress!
                        let id = idBuffer.baseAddress!
                        var position = 0
                        while position < keyBuffer.count {
                            let key = input[position]
                            var probe = GramTable.hash(key) & mask
                            while true {
                                let stored = slot[probe]
                                if stored == key {
                                    output[position] = id[probe]
                                    break
                                }
                                if stored == 0 {
                                    if inserting {
                                        slot[probe] = key
                                        id[probe] = next
                                        output[position] = next
                                        next += 1
                                    }
                                    break
                                }
                                probe = (probe + 1) & mask
                            }
                            position += 1
                        }
                    }
                }
            }
        }
        count = Int(next)
        return result
    }

    /// The id of one key, if present.
    func id(for key: UInt64) -> Int32? {
        let mask = slots.count - 1
        var probe = GramTable.hash(key) & mask
        while true {
            let stored = slots[probe]
            if stored == key { return ids[probe] }
            if stored == 0 { return nil }
            probe = (probe + 1) & mask
        }
    }

    /// Every key with its id, in no particular order.
    var entries: [(key: UInt64, id: Int32)] {
        zip(slots, ids).filter { $0.0 != 0 }.map { (key: $0.0, id: $0.1) }
    }

    private mutating func grow(to minimum: Int) {
        var bigger = GramTable(minimumCapacity: minimum)
        var keysInIdOrder = [UInt64](repeating: 0, count: count)
        for (key, id) in entries { keysInIdOrder[Int(id)] = key }
        _ = bigger.ids(for: keysInIdOrder, inserting: true)
        self = bigger
    }

    static func hash(_ key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20)
    }
}
