/// A tiny deterministic random number generator (SplitMix64, Steele, Lea & Flood 2014): the same seed gives the
/// same sequence on every platform and Swift version, which `SystemRandomNumberGenerator` and the standard
/// library's `shuffle` do not promise. Used wherever a result must be reproducible (classifier training, folds of a
/// cross-validation). Not for secrets.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed` (any value, 0 included).
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (`bound` ≥ 1), by Lemire's multiply-and-reject method; deterministic for a
    /// given seed.
    public mutating func nextIndex(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// Shuffles `array` in place (Fisher–Yates, from the back): the same seed and input give the same order.
    public mutating func shuffle<T>(_ array: inout [T]) {
        var index = array.count - 1
        while index > 0 {
            let other = nextIndex(below: index + 1)
            if other != index { array.swapAt(index, other) }
            index -= 1
        }
    }
}
