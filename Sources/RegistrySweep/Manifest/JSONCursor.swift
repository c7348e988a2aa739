#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A strict, validating, allocation-free JSON reader over raw bytes (RFC 8259).
///
/// It walks the document once; callers pull only the members they care about and
/// `skipValue()` the rest, which still validates them. Nesting is limited to `maxDepth`
/// (10,000, Go's `encoding/json` scanner limit: every `{` and `[` counts), and `skipValue()`
/// is iterative, so hostile input can exhaust neither the stack nor the limit check. Every
/// loop advances `offset`, so it cannot hang. Errors are `SweepError(.invalidManifest)` with
/// the byte offset; the caller adds the path.
///
/// Member names are matched with `matches(_:_:)`, the way Go's decoder matches struct fields
/// (case-insensitively, with Unicode simple folding), because the registry reads manifests so.
///
/// ## Performance
/// One pass, no allocation except when a string with escapes must be compared or
/// returned (`\uXXXX` keys are decoded then, so an escaped key is still matched), and when
/// `skipValue()` meets more than 256 levels of nesting (its bit stack spills to the heap).
package struct JSONCursor {
    package let bytes: UnsafeRawBufferPointer
    package private(set) var offset = 0
    private var depth = 0
    /// The deepest nesting accepted: Go's `encoding/json` scanner (`maxNestingDepth`) fails
    /// at 10,001 levels, counting every `{` and `[`.
    package static let maxDepth = 10_000

    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A string token: the byte range between the quotes and whether it holds escapes.
    package struct StringToken {
        package var range: Range<Int>
        package var hasEscapes: Bool
    }

    package func fail(_ message: String) -> SweepError {
        SweepError(.invalidManifest, "\(message) at byte \(offset)")
    }

    package var atEnd: Bool { offset >= bytes.count }

    @inline(__always)
    package mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte without consuming it.
    @inline(__always)
    package mutating func peek() throws(SweepError) -> UInt8 {
        skipWhitespace()
        guard offset < bytes.count else { throw fail("unexpected end of document (truncated?)") }
        return bytes[offset]
    }

    @inline(__always)
    package mutating func expect(_ byte: UInt8) throws(SweepError) {
        guard try peek() == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        offset += 1
    }

    /// Consumes `byte` if it is next; returns whether it did.
    @inline(__always)
    package mutating func consume(_ byte: UInt8) throws(SweepError) -> Bool {
        if try peek() == byte {
            offset += 1
            return true
        }
        return false
    }

    /// Iterates an object's members: `body` is called with each key and must consume its value.
    package mutating func forEachMember(_ body: (inout JSONCursor, StringToken) throws(SweepError) -> Void)
        throws(SweepError)
    {
        try expect(0x7B)
        try enter()
        if try consume(0x7D) {
            depth -= 1
            return
        }
        while true {
            guard try peek() == 0x22 else { throw fail("expected a member name") }
            let key = try readString()
            try expect(0x3A)
            try body(&self, key)
            if try consume(0x2C) { continue }
            try expect(0x7D)
            depth -= 1
            return
        }
    }

    /// Iterates an array's elements: `body` is called with each index and must consume the element.
    package mutating func forEachElement(_ body: (inout JSONCursor, Int) throws(SweepError) -> Void)
        throws(SweepError)
    {
        try expect(0x5B)
        try enter()
        if try consume(0x5D) {
            depth -= 1
            return
        }
        var index = 0
        while true {
            try body(&self, index)
            index += 1
            if try consume(0x2C) { continue }
            try expect(0x5D)
            depth -= 1
            return
        }
    }

    /// Validates and skips any value, iteratively: nesting costs one bit per level, never a
    /// stack frame, so `maxDepth` levels are safe on a small thread stack.
    ///
    /// - Throws: `.invalidManifest` on invalid JSON, truncation, or nesting over `maxDepth`.
    package mutating func skipValue() throws(SweepError) {
        // A scalar (most skipped values: media types, sizes) needs no nesting stack.
        switch try peek() {
        case 0x7B, 0x5B: break
        case 0x22:
            _ = try readString()
            return
        case 0x74: return try literal("true")
        case 0x66: return try literal("false")
        case 0x6E: return try literal("null")
        default:
            _ = try readNumber()
            return
        }
        var open = NestingStack()
        value: while true {
            switch try peek() {
            case 0x7B:
                offset += 1
                try enter()
                if try consume(0x7D) {
                    depth -= 1
                } else {
                    open.push(isObject: true)
                    try readMemberName()
                    continue value
                }
            case 0x5B:
                offset += 1
                try enter()
                if try consume(0x5D) {
                    depth -= 1
                } else {
                    open.push(isObject: false)
                    continue value
                }
            case 0x22: _ = try readString()
            case 0x74: try literal("true")
            case 0x66: try literal("false")
            case 0x6E: try literal("null")
            default: _ = try readNumber()
            }
            // A value ended: close containers until one continues with a comma.
            while !open.isEmpty {
                let isObject = open.top
                if try consume(0x2C) {
                    if isObject { try readMemberName() }
                    continue value
                }
                try expect(isObject ? 0x7D : 0x5D)
                depth -= 1
                open.pop()
            }
            return
        }
    }

    /// Reads `"name":` inside an object being skipped.
    private mutating func readMemberName() throws(SweepError) {
        guard try peek() == 0x22 else { throw fail("expected a member name") }
        _ = try readString()
        try expect(0x3A)
    }

    /// One bit per open container (1: object, 0: array): 256 levels inline, deeper ones in
    /// an array allocated only then.
    private struct NestingStack {
        private var inline: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        private var spill: [UInt64] = []
        private var count = 0

        var isEmpty: Bool { count == 0 }

        /// Whether the innermost open container is an object. Requires `!isEmpty`.
        var top: Bool { bit(count - 1) }

        mutating func push(isObject: Bool) {
            let word = count >> 6
            let mask: UInt64 = 1 << UInt64(count & 63)
            if word >= 4 && word - 4 >= spill.count { spill.append(0) }
            switch word {
            case 0: inline.0 = isObject ? inline.0 | mask : inline.0 & ~mask
            case 1: inline.1 = isObject ? inline.1 | mask : inline.1 & ~mask
            case 2: inline.2 = isObject ? inline.2 | mask : inline.2 & ~mask
            case 3: inline.3 = isObject ? inline.3 | mask : inline.3 & ~mask
            default: spill[word - 4] = isObject ? spill[word - 4] | mask : spill[word - 4] & ~mask
            }
            count += 1
        }

        mutating func pop() { count -= 1 }

        private func bit(_ index: Int) -> Bool {
            let word = index >> 6
            let value: UInt64
            switch word {
            case 0: value = inline.0
            case 1: value = inline.1
            case 2: value = inline.2
            case 3: value = inline.3
            default: value = spill[word - 4]
            }
            return value & (1 << UInt64(index & 63)) != 0
        }
    }

    /// Consumes `null` if it is next.
    @inline(__always)
    package mutating func consumeNull() throws(SweepError) -> Bool {
        if try peek() == 0x6E {
            try literal("null")
            return true
        }
        return false
    }

    /// Reads a string token, validating escapes and rejecting raw control characters.
    package mutating func readString() throws(SweepError) -> StringToken {
        try expect(0x22)
        let start = offset
        var escapes = false
        while offset < bytes.count {
            // Eight plain bytes at a time until a chunk holds a quote, a backslash or a control
            // character; then straight to the first such byte, read below.
            while offset + 8 <= bytes.count {
                let found = Self.attention(
                    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                if found != 0 {
                    offset += found.trailingZeroBitCount >> 3
                    break
                }
                offset += 8
            }
            guard offset < bytes.count else { break }
            let byte = bytes[offset]
            switch byte {
            case 0x22:
                offset += 1
                return StringToken(range: start..<(offset - 1), hasEscapes: escapes)
            case 0x5C:
                escapes = true
                offset += 1
                guard offset < bytes.count else { break }
                switch bytes[offset] {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: offset += 1
                case 0x75:
                    guard offset + 4 < bytes.count else { throw fail("truncated \\u escape") }
                    for position in (offset + 1)...(offset + 4) where Self.hexValue(bytes[position]) == nil {
                        throw fail("invalid \\u escape")
                    }
                    offset += 5
                default: throw fail("invalid escape")
                }
            case 0x00..<0x20:
                throw fail("control character in string")
            default:
                offset += 1
            }
        }
        throw fail("unterminated string (truncated?)")
    }

    /// Reads the next string when it is exactly `sha256:<64 lowercase hex>` (no escapes): the
    /// digest, in one pass over its bytes. Any other value is left unread (`nil`, offset
    /// unchanged) for ``readString()``; the digest it returns is the one `readString()` and
    /// `Digest.parse` would give (a digest's text holds no quote, backslash or control byte).
    @inline(__always)
    package mutating func readPlainDigest() -> Digest? {
        skipWhitespace()
        let start = offset + 1
        let end = start + Digest.textLength
        guard end < bytes.count, bytes[offset] == 0x22, bytes[end] == 0x22,
            case .success(let digest) = Digest.parse(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        else { return nil }
        offset = end + 1
        return digest
    }

    /// The top bit of each byte of `chunk` (first byte in the low bits) that may be `"`, `\\`
    /// or below 0x20; zero if none is (exact: the zero-byte test `(v - 0x01…) & ~v & 0x80…`
    /// has no false positive for "some byte is zero", and `(v - 0x20…) & ~v & 0x80…` none for
    /// "some byte is below 0x20"). The lowest bit set is exact too: a byte borrows from the
    /// next only when it is itself a match, so the bytes below the first match are computed
    /// without a borrow (bits above it may be false positives).
    @inline(__always)
    package static func attention(_ chunk: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let tops: UInt64 = 0x8080_8080_8080_8080
        let quotes = chunk ^ (ones &* 0x22)
        let backslashes = chunk ^ (ones &* 0x5C)
        let found =
            ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes) | ((chunk &- ones &* 0x20) & ~chunk)
        return found & tops
    }

    /// Reads a number token, validating its grammar; returns its byte range.
    package mutating func readNumber() throws(SweepError) -> Range<Int> {
        skipWhitespace()
        let start = offset
        if offset < bytes.count && bytes[offset] == 0x2D { offset += 1 }
        guard offset < bytes.count, Self.isDigit(bytes[offset]) else { throw fail("invalid value") }
        if bytes[offset] == 0x30 {
            offset += 1
        } else {
            while offset < bytes.count && Self.isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count && bytes[offset] == 0x2E {
            offset += 1
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else { throw fail("invalid number") }
            while offset < bytes.count && Self.isDigit(bytes[offset]) { offset += 1 }
        }
        if offset < bytes.count && (bytes[offset] == 0x65 || bytes[offset] == 0x45) {
            offset += 1
            if offset < bytes.count && (bytes[offset] == 0x2B || bytes[offset] == 0x2D) { offset += 1 }
            guard offset < bytes.count, Self.isDigit(bytes[offset]) else { throw fail("invalid number") }
            while offset < bytes.count && Self.isDigit(bytes[offset]) { offset += 1 }
        }
        return start..<offset
    }

    /// Reads an integer that fits in `Int`; a fraction or exponent is an error.
    package mutating func readInteger() throws(SweepError) -> Int {
        let range = try readNumber()
        var value = 0
        var negative = false
        for position in range {
            let byte = bytes[position]
            if byte == 0x2D {
                negative = true
                continue
            }
            guard Self.isDigit(byte) else { throw fail("expected an integer") }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { throw fail("integer out of range") }
            value = sum
        }
        return negative ? -value : value
    }

    /// Whether two buffers hold the same bytes (`memcmp`).
    package static func bytesEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let left = a.baseAddress, let right = b.baseAddress else { return true }
        return memcmp(left, right, a.count) == 0
    }

    /// True if the token equals `literal` (decoding escapes if present).
    package func equals(_ token: StringToken, _ literal: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        if !token.hasEscapes {
            return Self.bytesEqual(UnsafeRawBufferPointer(rebasing: bytes[token.range]), expected)
        }
        return decoded(token).elementsEqual(expected)
    }

    /// True if the member name `key` selects the struct field `name` the way Go's
    /// `encoding/json` (the registry's decoder) does: byte-equal, or equal under Unicode simple
    /// case folding. For an ASCII `name` that means ASCII letters match in either case, other
    /// bytes match exactly, and the two non-ASCII runes whose fold orbit holds an ASCII letter
    /// match it too: U+017F LATIN SMALL LETTER LONG S (`C5 BF`) for `s`/`S`, U+212A KELVIN SIGN
    /// (`E2 84 AA`) for `k`/`K`. An escaped key is compared after unescaping (`"\u004cayers"`).
    ///
    /// Go prefers an exact match over a fold match among a struct's fields; callers compare
    /// against names that are distinct under folding, so a fold match alone decides.
    ///
    /// - Parameters:
    ///   - key: a member name read by `readString()`.
    ///   - name: the field's JSON name; must be ASCII.
    /// - Complexity: O(`name` length), no allocation unless `key` holds escapes.
    @inline(__always)
    package func matches(_ key: StringToken, _ name: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        if !key.hasEscapes {
            // Each name byte matches one to three key bytes: other lengths cannot match.
            let count = key.range.count
            guard count >= expected.count, count <= expected.count * 3 else { return false }
            // Most keys differ in their first byte: an ASCII byte that is not the name's first
            // byte in either case ends it here (a non-ASCII one may be a folding rune).
            let first = bytes[key.range.lowerBound]
            if first < 0x80 && first | 0x20 != expected[0] | 0x20 { return false }
            return Self.foldEquals(UnsafeRawBufferPointer(rebasing: bytes[key.range]), expected)
        }
        return decoded(key).withUnsafeBytes { Self.foldEquals($0, expected) }
    }

    /// Go's fold equality of an unescaped key and an ASCII name (see `matches(_:_:)`).
    package static func foldEquals(_ key: UnsafeRawBufferPointer, _ name: UnsafeRawBufferPointer) -> Bool {
        var position = 0
        for expected in name {
            guard position < key.count else { return false }
            let byte = key[position]
            if byte == expected {
                position += 1
                continue
            }
            let upper = expected & 0xDF
            guard upper >= 0x41 && upper <= 0x5A else { return false }
            if byte < 0x80 && byte & 0xDF == upper {
                position += 1
            } else if upper == 0x53 && byte == 0xC5 && position + 1 < key.count && key[position + 1] == 0xBF {
                position += 2
            } else if upper == 0x4B && byte == 0xE2 && position + 2 < key.count && key[position + 1] == 0x84
                && key[position + 2] == 0xAA
            {
                position += 3
            } else {
                return false
            }
        }
        return position == key.count
    }

    /// The token's bytes, unescaped (UTF-8).
    package func decoded(_ token: StringToken) -> [UInt8] {
        if !token.hasEscapes { return Array(bytes[token.range]) }
        var out: [UInt8] = []
        out.reserveCapacity(token.range.count)
        var position = token.range.lowerBound
        var pendingHigh: UInt32? = nil
        while position < token.range.upperBound {
            let byte = bytes[position]
            guard byte == 0x5C else {
                out.append(byte)
                position += 1
                continue
            }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var code: UInt32 = 0
                for offset in 0..<4 { code = code << 4 | UInt32(Self.hexValue(bytes[position + offset]) ?? 0) }
                position += 4
                if (0xD800...0xDBFF).contains(code) {
                    pendingHigh = code
                    continue
                }
                if (0xDC00...0xDFFF).contains(code), let high = pendingHigh {
                    code = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00)
                }
                pendingHigh = nil
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: out.append(escape)
            }
        }
        return out
    }

    /// The token as a `String`.
    package func string(_ token: StringToken) -> String {
        if !token.hasEscapes {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[token.range]), as: UTF8.self)
        }
        return String(decoding: decoded(token), as: UTF8.self)
    }

    /// Calls `body` with the token's unescaped bytes: the document's own bytes when the token
    /// has no escapes (no copy), else a decoded copy.
    package func withDecoded<R>(_ token: StringToken, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R)
        throws(SweepError) -> R
    {
        if !token.hasEscapes { return try body(UnsafeRawBufferPointer(rebasing: bytes[token.range])) }
        return try JSONCursor.withBytes(decoded(token), body)
    }

    private mutating func literal(_ word: StaticString) throws(SweepError) {
        skipWhitespace()
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count,
            UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
                .elementsEqual(UnsafeRawBufferPointer(start: word.utf8Start, count: count))
        else { throw fail("invalid literal") }
        offset += count
    }

    private mutating func enter() throws(SweepError) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nested more than \(Self.maxDepth) levels") }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }
}
