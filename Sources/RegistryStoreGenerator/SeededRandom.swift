import RegistrySweep

/// A small, fast, seedable pseudo-random generator (SplitMix64) for reproducible stores.
///
/// Not cryptographic: it only has to make the same bytes from the same seed on every
/// machine, so that two generated stores can be compared byte for byte.
///
/// ## Performance
/// 8 bytes of state; one multiply-xorshift round per 64 bits of output.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) {
        state = seed
    }

    /// Creates an independent stream for one `part` of a run (a repository, the shared pool…).
    ///
    /// - Parameters:
    ///   - seed: the run's seed.
    ///   - part: a number naming the part; different parts give unrelated streams.
    public init(seed: UInt64, part: UInt64) {
        var mixer = SeededRandom(seed: seed ^ (part &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next() ^ part
    }

    /// The next 64 pseudo-random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `range`, without modulo bias worth caring about for test data.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(next() % width)
    }

    /// Appends `count` pseudo-random bytes to `bytes`.
    public mutating func append(_ count: Int, to bytes: inout [UInt8]) {
        var remaining = count
        while remaining > 0 {
            var word = next()
            for _ in 0..<min(8, remaining) {
                bytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
            remaining -= 8
        }
    }

    /// `count` pseudo-random lowercase hex digits.
    public mutating func hex(_ count: Int) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var word = next()
        for index in 0..<count {
            if index > 0 && index % 16 == 0 { word = next() }
            bytes.append(digits[Int(word & 0xF)])
            word >>= 4
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
