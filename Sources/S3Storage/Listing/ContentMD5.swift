import Crypto

/// An object's ETag read as the MD5 of its content.
///
/// S3 and the stores compatible with it send, for an object written by one PutObject without
/// customer-managed encryption, the hex MD5 of its bytes in quotes (`"a6edd08d…"`): a hash the
/// store computed when the object was written. Any other form (a multipart upload's `"…-N"`, an
/// encrypted object's opaque tag, an empty ETag, as SeaweedFS sends for files written through its
/// filer) is no MD5, and `init(etag:)` gives `nil`.
///
/// The backend uses it to prove a link object's content from a listing (see
/// ``S3Backend/provenLinkContent(_:)``): only an exact match with the MD5 of the expected bytes
/// counts, so a tag that is not an MD5 can only cost a read, never change what is read.
package struct ContentMD5: Hashable, Sendable {
    /// The digest's first eight bytes, big-endian.
    package var high: UInt64
    /// The digest's last eight bytes, big-endian.
    package var low: UInt64

    /// The MD5 an ETag states, or `nil` unless it is exactly `"` + 32 hex digits + `"` (either
    /// case; the quotes may be missing, as some stores send it).
    package init?(etag: String) {
        var utf8 = Substring(etag).utf8
        if utf8.count == 34, utf8.first == 0x22, utf8.last == 0x22 { utf8 = utf8.dropFirst().dropLast() }
        guard utf8.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in utf8.enumerated() {
            let nibble: UInt8
            switch byte {
            case 0x30...0x39: nibble = byte - 0x30
            case 0x61...0x66: nibble = byte - 0x61 + 10
            case 0x41...0x46: nibble = byte - 0x41 + 10
            default: return nil
            }
            if index < 16 { high = high << 4 | UInt64(nibble) } else { low = low << 4 | UInt64(nibble) }
        }
        self.init(high: high, low: low)
    }

    /// The MD5 of `bytes`.
    package init(of bytes: some Sequence<UInt8>) {
        var hasher = Insecure.MD5()
        hasher.update(data: Array(bytes))
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in hasher.finalize().enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    /// A digest from its two halves.
    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}
