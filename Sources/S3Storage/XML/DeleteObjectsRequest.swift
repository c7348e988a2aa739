import RegistrySweep

/// The body of a DeleteObjects request (`POST /bucket?delete`).
package enum DeleteObjectsRequest {
    /// The most keys one DeleteObjects request may name.
    package static let maximumKeys = 1000

    /// Builds `<Delete><Quiet>…</Quiet><Object><Key>…</Key></Object>…</Delete>` with each key
    /// escaped (`&` `<` `>` `"` `'` as entities; tab, LF and CR as character references, so
    /// no XML parser normalizes them away).
    ///
    /// S3 requires a `Content-MD5` (or checksum) header on this request; computing it is the
    /// caller's job.
    ///
    /// - Parameters:
    ///   - keys: the keys to delete, 1 to ``maximumKeys``.
    ///   - quiet: whether the store should list only failures.
    /// - Returns: the UTF-8 body.
    /// - Throws: `SweepError` `.invalidArgument` for no keys, too many keys, an empty key, or a
    ///   key holding a character XML 1.0 cannot carry (a control character other than tab, LF
    ///   and CR).
    package static func body(keys: [String], quiet: Bool = false) throws(SweepError) -> [UInt8] {
        guard !keys.isEmpty, keys.count <= maximumKeys else {
            throw SweepError(
                .invalidArgument, "a DeleteObjects request names 1 to \(maximumKeys) keys, not \(keys.count)")
        }
        var out: [UInt8] = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete><Quiet>".utf8)
        out.append(contentsOf: (quiet ? "true" : "false").utf8)
        out.append(contentsOf: "</Quiet>".utf8)
        for key in keys {
            guard !key.isEmpty else { throw SweepError(.invalidArgument, "a DeleteObjects key is empty") }
            out.append(contentsOf: "<Object><Key>".utf8)
            for scalar in key.unicodeScalars {
                switch scalar {
                case "&": out.append(contentsOf: "&amp;".utf8)
                case "<": out.append(contentsOf: "&lt;".utf8)
                case ">": out.append(contentsOf: "&gt;".utf8)
                case "\"": out.append(contentsOf: "&quot;".utf8)
                case "'": out.append(contentsOf: "&apos;".utf8)
                case "\t": out.append(contentsOf: "&#9;".utf8)
                case "\n": out.append(contentsOf: "&#10;".utf8)
                case "\r": out.append(contentsOf: "&#13;".utf8)
                default:
                    guard XMLReader.Parser.isXMLChar(scalar.value) else {
                        throw SweepError(
                            .invalidArgument,
                            "the key cannot be sent in a DeleteObjects request: it holds U+"
                                + String(scalar.value, radix: 16, uppercase: true) + ", which XML 1.0 cannot carry",
                            path: key)
                    }
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
            out.append(contentsOf: "</Key></Object>".utf8)
        }
        out.append(contentsOf: "</Delete>".utf8)
        return out
    }
}
