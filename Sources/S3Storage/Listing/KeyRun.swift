/// One sorted run of a ``KeyListing``: keys in ascending UTF-8 byte order (S3's), held
/// compactly: one byte buffer for all keys, plus size, modification time and content tag per
/// key, and an MD5 (``ContentMD5``) for the keys it was given for.
///
/// - Complexity: memory is the keys' bytes plus 32 bytes a key, and 16 more a key from the first
///   key given an MD5 on; ``finish()`` trims spare capacity. A lookup is a binary search.
struct KeyRun: Sendable {
    /// Every key's bytes, one after the other.
    private var bytes: [UInt8] = []
    /// The end of key `i` in `bytes` (its start is the previous key's end).
    private var ends: [Int] = []
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
    var count: Int { ends.count }

    /// Appends a key (see ``KeyListing/appendBytes(_:size:modified:tag:md5:)``).
    mutating func append<Bytes: Sequence<UInt8>>(
        _ key: Bytes, size: Int64, modified time: Double, tag: UInt64, md5: ContentMD5?
    ) {
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
            trim()
            return
        }
        let order = (0..<count).sorted { compare($0, $1) < 0 }
        var result = KeyRun()
        result.reserve(keys: count, bytes: bytes.count, md5s: !md5s.isEmpty)
        for index in order where result.count == 0 || !result.key(result.count - 1).elementsEqual(key(index)) {
            result.append(self, index)
        }
        self = result
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
    }

    /// Key `index`'s bytes.
    func key(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    /// Key `index`'s MD5, or ``noMD5``.
    func md5(_ index: Int) -> ContentMD5 { index < md5s.count ? md5s[index] : Self.noMD5 }

    /// Size, modification time and content tag of key `index`.
    func info(_ index: Int) -> (size: Int, modified: Double, tag: UInt64) {
        (Int(sizes[index]), modified[index], tags[index])
    }

    private func compare(_ a: Int, _ b: Int) -> Int { Self.compare(key(a), key(b)) }

    /// Byte-wise three-way comparison.
    static func compare(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        var i = a.startIndex
        var j = b.startIndex
        while i < a.endIndex && j < b.endIndex {
            if a[i] != b[j] { return a[i] < b[j] ? -1 : 1 }
            i += 1
            j += 1
        }
        return (a.endIndex - i) == (b.endIndex - j) ? 0 : (i == a.endIndex ? -1 : 1)
    }

    /// The first index whose key is not below `bound`.
    func lowerBound(_ bound: [UInt8]) -> Int {
        var low = 0
        var high = count
        let target = bound[...]
        while low < high {
            let middle = (low + high) / 2
            if Self.compare(key(middle), target) < 0 { low = middle + 1 } else { high = middle }
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
            if key(middle).starts(with: prefix) { low = middle + 1 } else { high = middle }
        }
        return start..<low
    }

    /// The index of the key equal to `path`, if any.
    func index(of path: [UInt8]) -> Int? {
        let index = lowerBound(path)
        return index < count && key(index).elementsEqual(path) ? index : nil
    }
}
