/// A SHA-256 content digest, `sha256:<64 lowercase hex>`, held inline in 32 bytes.
///
/// The registry names every blob, manifest and link by such a digest. `Digest` stores
/// the 256 bits as four `UInt64` words in big-endian order, so comparing words compares
/// digests in their hexadecimal order, and it never allocates.
///
/// ## Performance
/// 32 bytes, trivially copyable, hashed by one word (the value is already uniform).
/// Parsing and formatting are allocation-free except for the `String` that
/// `description` returns.
public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Bits 255…192.
    public var w0: UInt64
    /// Bits 191…128.
    public var w1: UInt64
    /// Bits 127…64.
    public var w2: UInt64
    /// Bits 63…0.
    public var w3: UInt64

    /// The length of `sha256:` plus 64 hex digits.
    public static let textLength = 71
    /// The length of the hex part.
    public static let hexLength = 64

    /// Creates a digest from its four words, most significant first.
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// Creates a digest from 32 raw bytes (for example a `SHA256Digest`).
    ///
    /// - Parameter bytes: exactly 32 bytes; fewer or more is a programming error.
    public init<Bytes: Sequence<UInt8>>(bytes: Bytes) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var count = 0
        for byte in bytes {
            precondition(count < 32, "a SHA-256 digest has 32 bytes")
            let value = UInt64(byte)
            switch count >> 3 {
            case 0: words.0 = words.0 << 8 | value
            case 1: words.1 = words.1 << 8 | value
            case 2: words.2 = words.2 << 8 | value
            default: words.3 = words.3 << 8 | value
            }
            count += 1
        }
        precondition(count == 32, "a SHA-256 digest has 32 bytes")
        self.init(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// The 64 lowercase hex digits, without the `sha256:` prefix.
    public var hex: String {
        String(unsafeUninitializedCapacity: Self.hexLength) { buffer in
            writeHex(into: UnsafeMutableRawBufferPointer(buffer))
            return Self.hexLength
        }
    }

    /// `sha256:` followed by the 64 hex digits.
    public var description: String {
        String(unsafeUninitializedCapacity: Self.textLength) { buffer in
            writeText(into: UnsafeMutableRawBufferPointer(buffer))
            return Self.textLength
        }
    }

    /// The first two hex digits: the shard directory under `blobs/sha256/`.
    public var shard: String { String(hex.prefix(2)) }

    /// The 32 raw bytes, most significant first.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                result.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return result
    }

    /// Writes 64 lowercase hex digits into `buffer`, which holds at least 64 bytes.
    package func writeHex(into buffer: UnsafeMutableRawBufferPointer) {
        let digits: StaticString = "0123456789abcdef"
        func put(_ word: UInt64, at start: Int) {
            var shift: UInt64 = 60
            for offset in start..<start + 16 {
                // Safe: the nibble is < 16 and the static string has 16 ASCII bytes; offset < 64.
                buffer[offset] = digits.utf8Start[Int((word >> shift) & 0xF)]
                shift &-= 4
            }
        }
        put(w0, at: 0)
        put(w1, at: 16)
        put(w2, at: 32)
        put(w3, at: 48)
    }

    /// Writes `sha256:` and the 64 hex digits into `buffer`, which holds at least
    /// ``textLength`` bytes.
    package func writeText(into buffer: UnsafeMutableRawBufferPointer) {
        for (index, byte) in "sha256:".utf8.enumerated() { buffer[index] = byte }
        writeHex(into: UnsafeMutableRawBufferPointer(rebasing: buffer[7..<Self.textLength]))
    }

    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(w0 ^ w3)
    }
}
