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
        if position >= 64 { return Self.dataSuffix[position - 64] }
        let byte = digest[digest.startIndex + position / 2]
        let nibble = position & 1 == 0 ? byte >> 4 : byte & 0x0F
        return nibble < 10 ? 0x30 + nibble : 0x57 + nibble
    }

    /// The 32 bytes of `key` when it is exactly `<64 lowercase hex>/data` (the one spelling that
    /// comes back byte for byte from the digest), else `nil`.
    static func digest<Key: Collection<UInt8>>(ofShardKey key: Key) -> [UInt8]? {
        guard key.count == digestKeyLength, key.dropFirst(64).elementsEqual(dataSuffix) else { return nil }
        var digest = [UInt8](repeating: 0, count: 32)
        var index = key.startIndex
        for position in 0..<64 {
            let character = key[index]
            let nibble: UInt8
            switch character {
            case 0x30...0x39: nibble = character - 0x30
            case 0x61...0x66: nibble = character - 0x57
            default: return nil
            }
            digest[position / 2] |= position & 1 == 0 ? nibble << 4 : nibble
            index = key.index(after: index)
        }
        return digest
    }
}
