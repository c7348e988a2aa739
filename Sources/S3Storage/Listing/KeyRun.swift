import RegistrySweep

/// One sorted run of a ``KeyListing``: keys in ascending UTF-8 byte order (S3's), held
/// compactly: one byte buffer for all keys, plus size, modification time and content tag per
/// key, and an MD5 (``ContentMD5``) for the keys it was given for. A finished run whose every key
/// is a blob shard's `<64 lowercase hex>/data` holds each key as its 32-byte digest instead (the
/// hex spelling sorts as the digest bytes do, so the order is the same): 37 bytes less a key.
///
/// - Complexity: memory is the keys' bytes plus 32 bytes a key, and 16 more a key from the first
///   key given an MD5 on; ``finish()`` trims spare capacity. A lookup is a binary search.
struct KeyRun: Sendable {
    /// Every key's bytes, one after the other (empty when the keys are held as digests).
    private var bytes: [UInt8] = []
    /// The end of key `i` in `bytes` (its start is the previous key's end; empty when the keys
    /// are held as digests).
    private var ends: [Int] = []
    /// Key `i`'s digest at `32 * i`, when every key is a shard key held as one.
    private var digests: [UInt8] = []
    private var heldAsDigests = false
    /// Whether the keys are held as digests (every key a shard key, the run finished).
    var isHeldAsDigests: Bool { heldAsDigests }
    /// Size of key `i`'s object.
    private var sizes: [Int64] = []
    /// Modification time of key `i`'s object (seconds since 1970, already widened by the backend).
    private(set) var modified: [Double] = []
    /// Content tag of key `i`'s object (0: none).
    private var tags: [UInt64] = []
    /// Key `i`'s ETag as an MD5 (all zero: none was given); shorter than the keys (empty until
    /// the first MD5 is given) where the keys past its end have none.
    private var md5s: [ContentMD5] = []
    static let noMD5 = ContentMD5(high: 0, low: 0)

    /// The number of keys.
    var count: Int { sizes.count }

    /// Appends a key (see ``KeyListing/appendBytes(_:size:modified:tag:md5:)``).
    mutating func append<Bytes: Sequence<UInt8>>(
        _ key: Bytes, size: Int64, modified time: Double, tag: UInt64, md5: ContentMD5?
    ) {
        if heldAsDigests { holdAsBytes() }
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        sizes.append(size)
        modified.append(time)
        tags.append(tag)
        if let md5 {
            if md5s.count < count - 1 { md5s += repeatElement(Self.noMD5, count: count - 1 - md5s.count) }
            md5s.append(md5)
        }
    }

    /// Appends key `index` of `other`.
    private mutating func append(_ other: KeyRun, _ index: Int) {
        let md5 = other.md5(index)
        append(
            other.key(index), size: other.sizes[index], modified: other.modified[index], tag: other.tags[index],
            md5: md5 == Self.noMD5 ? nil : md5)
    }

    /// Sorts the keys if they did not arrive in order, drops exact duplicates, and gives back
    /// spare capacity (a run that grew by appending holds up to twice what it needs).
    mutating func finish() {
        var ordered = true
        for index in 1..<max(1, count) where compare(index - 1, index) >= 0 {
            ordered = false
            break
        }
        if ordered {
            holdAsDigestsIfShardKeys()
            trim()
            return
        }
        let order = (0..<count).sorted { compare($0, $1) < 0 }
        var result = KeyRun()
        result.reserve(keys: count, bytes: bytes.count, md5s: !md5s.isEmpty)
        for index in order where result.count == 0 || Self.compare(result.key(result.count - 1), key(index)) != 0 {
            result.append(self, index)
        }
        self = result
        holdAsDigestsIfShardKeys()
    }

    /// Holds the keys as digests when every one is a shard key (`<64 lowercase hex>/data`).
    private mutating func holdAsDigestsIfShardKeys() {
        guard !heldAsDigests, count > 0, bytes.count == count * KeyBytes.digestKeyLength else { return }
        var packed: [UInt8] = []
        packed.reserveCapacity(count * 32)
        for index in 0..<count {
            guard let key = key(index).plainBytes, let digest = KeyBytes.digest(ofShardKey: key) else { return }
            packed += digest.bytes
        }
        digests = packed
        bytes = []
        ends = []
        heldAsDigests = true
    }

    /// Holds the keys as bytes again (before a key is appended to a run held as digests).
    private mutating func holdAsBytes() {
        var spelled: [UInt8] = []
        spelled.reserveCapacity(count * KeyBytes.digestKeyLength)
        var keyEnds: [Int] = []
        keyEnds.reserveCapacity(count)
        for index in 0..<count {
            spelled += key(index)
            keyEnds.append(spelled.count)
        }
        heldAsDigests = false
        bytes = spelled
        ends = keyEnds
        digests = []
    }

    /// One run holding every key of `runs`, sorted and without duplicates.
    static func merging(_ runs: [KeyRun]) -> KeyRun {
        var all = KeyRun()
        all.reserve(
            keys: runs.reduce(0) { $0 + $1.count }, bytes: runs.reduce(0) { $0 + $1.bytes.count },
            md5s: runs.contains { !$0.md5s.isEmpty })
        for run in runs {
            for index in 0..<run.count { all.append(run, index) }
        }
        all.finish()
        return all
    }

    private mutating func reserve(keys: Int, bytes byteCount: Int, md5s withMD5s: Bool) {
        bytes.reserveCapacity(byteCount)
        ends.reserveCapacity(keys)
        sizes.reserveCapacity(keys)
        modified.reserveCapacity(keys)
        tags.reserveCapacity(keys)
        if withMD5s { md5s.reserveCapacity(keys) }
    }

    /// Copies each array with more than an eighth of spare capacity into one of its size.
    private mutating func trim() {
        func trimmed<Element>(_ array: inout [Element]) {
            guard array.capacity - array.count > array.count / 8 + 16 else { return }
            var copy: [Element] = []
            copy.reserveCapacity(array.count)
            copy.append(contentsOf: array)
            array = copy
        }
        trimmed(&bytes)
        trimmed(&ends)
        trimmed(&sizes)
        trimmed(&modified)
        trimmed(&tags)
        trimmed(&md5s)
        trimmed(&digests)
    }

    /// Key `index`'s bytes.
    func key(_ index: Int) -> KeyBytes {
        if heldAsDigests { return KeyBytes(digest: digests[(32 * index)..<(32 * index + 32)]) }
        return KeyBytes(bytes: bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]])
    }

    /// Key `index`'s MD5, or ``noMD5``.
    func md5(_ index: Int) -> ContentMD5 { index < md5s.count ? md5s[index] : Self.noMD5 }

    /// Size, modification time and content tag of key `index`.
    func info(_ index: Int) -> (size: Int, modified: Double, tag: UInt64) {
        (Int(sizes[index]), modified[index], tags[index])
    }

    private func compare(_ a: Int, _ b: Int) -> Int { Self.compare(key(a), key(b)) }

    /// Byte-wise three-way comparison of two keys.
    static func compare(_ a: KeyBytes, _ b: KeyBytes) -> Int {
        if let x = a.plainBytes, let y = b.plainBytes { return compareBytes(x, y) }
        return compareSequences(a, b)
    }

    /// Byte-wise three-way comparison of a key with bytes.
    static func compare(_ a: KeyBytes, _ b: ArraySlice<UInt8>) -> Int {
        if let x = a.plainBytes { return compareBytes(x, b) }
        return compareSequences(a, b)
    }

    /// Byte-wise three-way comparison of a key with bytes.
    static func compare(_ a: KeyBytes, _ b: [UInt8]) -> Int { compare(a, b[...]) }

    /// Byte-wise three-way comparison of two slices.
    static func compareBytes(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        var i = a.startIndex
        var j = b.startIndex
        while i < a.endIndex && j < b.endIndex {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        return (a.endIndex - i) == (b.endIndex - j) ? 0 : (i == a.endIndex ? -1 : 1)
    }

    /// Byte-wise three-way comparison of any two byte sequences (a key held as a digest).
    static func compareSequences<A: Sequence<UInt8>, B: Sequence<UInt8>>(_ a: A, _ b: B) -> Int {
        var i = a.makeIterator()
        var j = b.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    /// Key `index` (of a run held as digests) compared with `target`, byte-wise, spelling only
    /// the bytes it needs; with `prefixOnly`, 0 when the key starts with `target`.
    private func compareDigestKey(_ index: Int, _ target: ArraySlice<UInt8>, prefixOnly: Bool = false) -> Int {
        let base = 32 * index
        var j = target.startIndex
        for position in 0..<KeyBytes.digestKeyLength {
            guard j < target.endIndex else { return prefixOnly ? 0 : 1 }
            let character = KeyBytes.spelled(position, of: digests[base..<base + 32])
            if character != target[j] { return character < target[j] ? -1 : 1 }
            j += 1
        }
        return j == target.endIndex ? 0 : -1
    }

    /// Key `index` compared with `target`, byte-wise.
    private func compare(_ index: Int, _ target: ArraySlice<UInt8>) -> Int {
        heldAsDigests ? compareDigestKey(index, target) : Self.compareBytes(key(index).plainBytes!, target)
    }

    /// The 64 hex digits of key `index` of a run held as digests (its directory's name).
    func digestName(_ index: Int) -> String {
        Digest(bytes: digests[32 * index..<32 * index + 32]).hex
    }

    /// The first index whose key is not below `bound`.
    func lowerBound(_ bound: [UInt8]) -> Int {
        var low = 0
        var high = count
        let target = bound[...]
        while low < high {
            let middle = (low + high) / 2
            if compare(middle, target) < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The indices of the keys that start with `prefix`.
    func range(prefix: [UInt8]) -> Range<Int> {
        let start = lowerBound(prefix)
        // Keys with the prefix are contiguous from `start`: find the first that does not have it.
        var low = start
        var high = count
        while low < high {
            let middle = (low + high) / 2
            let starts =
                heldAsDigests
                ? compareDigestKey(middle, prefix[...], prefixOnly: true) == 0
                : key(middle).plainBytes!.starts(with: prefix)
            if starts { low = middle + 1 } else { high = middle }
        }
        return start..<low
    }

    /// The index of the key equal to `path`, if any.
    func index(of path: [UInt8]) -> Int? {
        let index = lowerBound(path)
        return index < count && compare(index, path[...]) == 0 ? index : nil
    }
}
