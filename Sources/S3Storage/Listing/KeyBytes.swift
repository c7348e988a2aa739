import RegistrySweep

/// The bytes of one key of a ``KeyRun``, without a copy: a slice of the run's key bytes, or, in a
/// run of blob-shard keys held as digests, the 69 bytes `<64 lowercase hex>/data` spelled from the
/// key's 32 bytes as they are read.
struct KeyBytes: RandomAccessCollection, Sendable {
    /// The key's bytes, for a key held as bytes.
    private let plain: ArraySlice<UInt8>
    /// The key's digest (32 bytes), for a key held as one.
    private let digest: ArraySlice<UInt8>?

    /// The suffix after a shard key's hex digest.
    static let dataSuffix: [UInt8] = Array("/data".utf8)
    /// The length of a shard key held as a digest: 64 hex digits and `/data`.
    static let digestKeyLength = 64 + 5

    /// A key held as bytes.
    init(bytes: ArraySlice<UInt8>) {
        plain = bytes
        digest = nil
    }

    /// A key held as the 32 bytes of its digest.
    init(digest: ArraySlice<UInt8>) {
        plain = []
        self.digest = digest
    }

    /// The key's bytes when it is held as bytes (the fast path of comparisons), else `nil`.
    var plainBytes: ArraySlice<UInt8>? { digest == nil ? plain : nil }

    /// The key's bytes as a slice: its own when held as bytes, else spelled into a new array.
    var contiguous: ArraySlice<UInt8> { plainBytes ?? Array(self)[...] }

    var startIndex: Int { 0 }
    var endIndex: Int { digest == nil ? plain.count : Self.digestKeyLength }

    subscript(position: Int) -> UInt8 {
        guard let digest else { return plain[plain.startIndex + position] }
        return Self.spelled(position, of: digest)
    }

    /// Byte `position` (below ``digestKeyLength``) of the shard key spelled from `digest`'s 32
    /// bytes: a lowercase hex digit for the first 64 positions, then `/data`.
    @inline(__always)
    static func spelled(_ position: Int, of digest: ArraySlice<UInt8>) -> UInt8 {
        if position >= 64 { return dataSuffix[position - 64] }
        let byte = digest[digest.startIndex + position / 2]
        let nibble = position & 1 == 0 ? byte >> 4 : byte & 0x0F
        return nibble < 10 ? 0x30 + nibble : 0x57 + nibble
    }

    /// The digest of `key` when it is exactly `<64 lowercase hex>/data` (the one spelling that
    /// comes back byte for byte from the digest), else `nil`.
    static func digest(ofShardKey key: ArraySlice<UInt8>) -> Digest? {
        guard key.count == digestKeyLength, key.dropFirst(64).elementsEqual(dataSuffix) else { return nil }
        // `parseHex` takes lowercase digits only, so the key round-trips.
        return key.withUnsafeBytes { Digest.parseHex(UnsafeRawBufferPointer(rebasing: $0.prefix(64))) }
    }
}
