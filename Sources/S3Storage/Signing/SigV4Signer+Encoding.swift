/// The encodings SigV4 for S3 prescribes: URI encoding of paths and query components, the
/// canonical query string, header value normalization and lowercase hex.
extension SigV4Signer {
    /// Percent-encodes `text`'s UTF-8 bytes the way S3's `UriEncode` does.
    ///
    /// RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`) are kept; every other byte becomes
    /// `%XX` with uppercase hex; `/` is kept only when `keepSlash` (object key paths) and encoded
    /// otherwise (query names and values). The input is raw text, never already-encoded: a `%` in
    /// a key is encoded as `%25`, so nothing is decoded or encoded twice.
    ///
    /// - Parameters:
    ///   - text: the raw text.
    ///   - keepSlash: whether `/` stays as is.
    /// - Complexity: O(n) in the UTF-8 length.
    package static func uriEncode(_ text: String, keepSlash: Bool) -> String {
        let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `byte` is an RFC 3986 unreserved character: `A-Z a-z 0-9 - _ . ~`.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    /// The canonical query string: each name and value URI-encoded (with `/` encoded), pairs
    /// sorted by encoded name then encoded value (byte order), joined as `n=v` with `&`; an empty
    /// value gives `n=`. The same string is sent in the URL.
    ///
    /// - Parameter query: the raw name/value pairs, in any order; names may repeat.
    package static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded = query.map { (uriEncode($0.name, keepSlash: false), uriEncode($0.value, keepSlash: false)) }
        // Encoded strings are ASCII, so `<` on their UTF-8 bytes is byte order.
        let sorted = encoded.sorted { lhs, rhs in
            if lhs.0 != rhs.0 { return lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8) }
            return lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8)
        }
        return sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// A header value as SigV4 canonicalizes it: leading and trailing spaces and tabs removed,
    /// each inner run of spaces and tabs reduced to one space.
    package static func normalizedHeaderValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in value.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(UInt8(ascii: " ")) }
                pendingSpace = false
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase hex of `bytes`.
    package static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
