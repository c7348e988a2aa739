extension Digest {
    /// Why a text is not a digest this tool handles.
    public enum ParseFailure: Error, Sendable, Hashable {
        /// Empty text.
        case empty
        /// `algorithm:` is something other than `sha256`.
        case unsupportedAlgorithm
        /// Not `sha256:` plus exactly 64 lowercase hex digits.
        case malformed
    }

    /// Parses `sha256:<64 lowercase hex>`; strict, allocation-free.
    ///
    /// Uppercase hex, whitespace, a trailing newline or any other byte is `.malformed`;
    /// a well-formed `algo:hex` with another algorithm is `.unsupportedAlgorithm`.
    ///
    /// - Parameter text: the bytes of the text.
    /// - Returns: the digest or why it is not one.
    /// - Complexity: O(n) in the text length, no allocation.
    public static func parse(_ text: UnsafeRawBufferPointer) -> Result<Digest, ParseFailure> {
        if text.isEmpty { return .failure(.empty) }
        guard text.count == textLength, text[0] == 0x73, text[1] == 0x68, text[2] == 0x61,
            text[3] == 0x32, text[4] == 0x35, text[5] == 0x36, text[6] == 0x3A
        else {
            return .failure(looksLikeOtherAlgorithm(text) ? .unsupportedAlgorithm : .malformed)
        }
        return parseHex(UnsafeRawBufferPointer(rebasing: text[7...])).map { .success($0) }
            ?? .failure(.malformed)
    }

    /// Parses exactly 64 lowercase hex digits (a digest's directory name in the store).
    ///
    /// - Parameter hex: the 64 bytes.
    /// - Returns: the digest, or `nil` for any other length or byte.
    /// - Complexity: O(1), no allocation; eight bytes at a time (every directory entry of a
    ///   store goes through here).
    public static func parseHex(_ hex: UnsafeRawBufferPointer) -> Digest? {
        guard hex.count == hexLength else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for word in 0..<4 {
            guard let high = parseHex8(hex.loadUnaligned(fromByteOffset: word * 16, as: UInt64.self)),
                let low = parseHex8(hex.loadUnaligned(fromByteOffset: word * 16 + 8, as: UInt64.self))
            else { return nil }
            let value = UInt64(high) << 32 | UInt64(low)
            switch word {
            case 0: words.0 = value
            case 1: words.1 = value
            case 2: words.2 = value
            default: words.3 = value
            }
        }
        return Digest(w0: words.0, w1: words.1, w2: words.2, w3: words.3)
    }

    /// Eight hex digits, loaded as they lie in memory, to their 32-bit value; `nil` unless
    /// every byte is `0`–`9` or `a`–`f`.
    ///
    /// Works on all eight bytes at once: with no byte above 0x7F, adding `0x80 - k` to every
    /// byte sets its top bit exactly when the byte is at least `k` (no carry crosses a byte),
    /// which gives the digit and letter ranges; a letter's value is its low nibble plus 9.
    @inline(__always)
    static func parseHex8(_ loaded: UInt64) -> UInt32? {
        let bytes = UInt64(littleEndian: loaded)  // the first digit in the low byte
        let ones: UInt64 = 0x0101_0101_0101_0101
        let tops: UInt64 = 0x8080_8080_8080_8080
        guard bytes & tops == 0 else { return nil }
        let atLeast0 = (bytes &+ ones &* 0x50) & tops  // >= "0" (0x30)
        let above9 = (bytes &+ ones &* 0x46) & tops  // >= ":" (0x3A)
        let atLeastA = (bytes &+ ones &* 0x1F) & tops  // >= "a" (0x61)
        let aboveF = (bytes &+ ones &* 0x19) & tops  // >= "g" (0x67)
        let letters = atLeastA & ~aboveF
        guard (atLeast0 & ~above9) | letters == tops else { return nil }
        var nibbles = (bytes & (ones &* 0x0F)) &+ (letters >> 7) &* 9
        // Pack: nibble pairs into bytes, byte pairs into 16 bits, then the two halves.
        nibbles = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
        nibbles = ((nibbles << 8) | (nibbles >> 16)) & 0x0000_FFFF_0000_FFFF
        return UInt32(truncatingIfNeeded: (nibbles << 16) | (nibbles >> 32))
    }

    /// Parses a digest from a string; see ``parse(_:)``.
    public static func parse(_ text: String) -> Result<Digest, ParseFailure> {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses 64 lowercase hex digits from a string; see ``parseHex(_:)``.
    public static func parseHex(_ hex: String) -> Digest? {
        var copy = hex
        return copy.withUTF8 { parseHex(UnsafeRawBufferPointer($0)) }
    }

    /// Creates a digest from `sha256:<hex>` text, or `nil` if it is not one.
    public init?(_ text: String) {
        guard case .success(let digest) = Digest.parse(text) else { return nil }
        self = digest
    }

    /// Parses `text` or throws a `SweepError` naming `path`.
    ///
    /// - Throws: `SweepError` with `.emptyLink`-style codes chosen by the caller's `context`.
    package static func parseOrThrow(
        _ text: UnsafeRawBufferPointer, path: String, emptyCode: SweepError.Code = .invalidDigest
    ) throws(SweepError) -> Digest {
        switch parse(text) {
        case .success(let digest): return digest
        case .failure(.empty): throw SweepError(emptyCode, "empty where a digest was expected", path: path)
        case .failure(.unsupportedAlgorithm):
            throw SweepError(.unsupportedAlgorithm, "only sha256 digests are handled: \(preview(text))", path: path)
        case .failure(.malformed):
            throw SweepError(.invalidDigest, "not a sha256 digest: \(preview(text))", path: path)
        }
    }

    /// At most 80 bytes of `text`, printable ASCII only, for messages.
    package static func preview(_ text: UnsafeRawBufferPointer) -> String {
        var out = ""
        for byte in text.prefix(80) {
            out.append(byte >= 0x20 && byte < 0x7F ? Character(Unicode.Scalar(byte)) : "?")
        }
        if text.count > 80 { out += "…" }
        return "\"\(out)\""
    }

    /// True for `alg:enc` shapes: `[a-z0-9]+([+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`, loosely.
    private static func looksLikeOtherAlgorithm(_ text: UnsafeRawBufferPointer) -> Bool {
        guard let colon = text.firstIndex(of: 0x3A), colon > 0, colon < text.count - 1 else { return false }
        if text[..<colon].elementsEqual("sha256".utf8) { return false }
        for byte in text[..<colon] {
            let ok =
                (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x2B || byte == 0x2E
                || byte == 0x5F || byte == 0x2D
            if !ok { return false }
        }
        for byte in text[(colon + 1)...] {
            let ok =
                (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) || (0x30...0x39).contains(byte)
                || byte == 0x3D || byte == 0x5F || byte == 0x2D
            if !ok { return false }
        }
        return true
    }
}
