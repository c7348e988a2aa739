import RegistrySweep

/// The keys of one flat listing below a base prefix, sorted by their UTF-8 bytes (S3's order),
/// held compactly: one byte buffer for all keys, plus size, modification time and content tag
/// (the ETag, folded: ``FileInfo/contentTag``) per key, and the ETag as an MD5 (``ContentMD5``)
/// for the keys it was given for (link objects: ``S3Backend/linkProofMD5(_:)``).
///
/// Answers what a directory tree would: the entries directly under a "directory" (a key prefix
/// ending before a `/`), whether a path is a key (a file) or a prefix of keys (a directory), and
/// the latest modification below a prefix. Keys are relative to the base and never start with `/`.
///
/// - Complexity: memory is the keys' bytes plus 32 bytes a key, and 16 more a key from the first
///   key given an MD5 on (none in a listing without links); a lookup is a binary search.
package struct KeyListing: Sendable {
    /// An empty listing.
    package init() {}

    /// Every key's bytes, one after the other.
    private var bytes: [UInt8] = []
    /// The end of key `i` in `bytes` (its start is the previous key's end).
    private var ends: [Int] = []
    /// Size of key `i`'s object.
    private var sizes: [Int64] = []
    /// Modification time of key `i`'s object (seconds since 1970, already widened by the backend).
    private var modified: [Double] = []
    /// Content tag of key `i`'s object (0: none).
    private var tags: [UInt64] = []
    /// Key `i`'s ETag as an MD5 (all zero: none was given); shorter than the keys (empty until
    /// the first MD5 is given) where the keys past its end have none.
    private var md5s: [ContentMD5] = []
    private static let noMD5 = ContentMD5(high: 0, low: 0)

    /// The number of keys.
    package var count: Int { ends.count }

    /// Appends a key's bytes; keys should come in ascending byte order (``finish()`` sorts
    /// otherwise).
    package mutating func appendBytes<Bytes: Sequence<UInt8>>(
        _ key: Bytes, size: Int, modified time: Double, tag: UInt64 = 0, md5: ContentMD5? = nil
    ) {
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        sizes.append(Int64(size))
        modified.append(time)
        tags.append(tag)
        if let md5 {
            padMD5s(to: count - 1)
            md5s.append(md5)
        }
    }

    /// Extends ``md5s`` with "none" up to `length` entries.
    private mutating func padMD5s(to length: Int) {
        if md5s.count < length { md5s += repeatElement(Self.noMD5, count: length - md5s.count) }
    }

    /// Key `index`'s MD5, or ``noMD5``.
    private func md5(_ index: Int) -> ContentMD5 { index < md5s.count ? md5s[index] : Self.noMD5 }

    /// Appends every key of `other`, after this listing's (merging listings of ranges).
    package mutating func append(contentsOf other: KeyListing) {
        let offset = bytes.count
        let offsetCount = count
        bytes += other.bytes
        ends += other.ends.map { $0 + offset }
        sizes += other.sizes
        modified += other.modified
        tags += other.tags
        if !other.md5s.isEmpty {
            padMD5s(to: offsetCount)
            md5s += other.md5s
        }
    }

    /// Sorts the keys if they did not arrive in order and drops exact duplicates (a listing
    /// split into ranges may meet a key twice at a boundary).
    package mutating func finish() {
        var ordered = true
        for index in 1..<max(1, count) where compare(index - 1, index) >= 0 {
            ordered = false
            break
        }
        if ordered { return }
        let order = (0..<count).sorted { compare($0, $1) < 0 }
        var result = KeyListing()
        for index in order where result.count == 0 || !result.keyEquals(result.count - 1, to: self, index) {
            result.bytes.append(contentsOf: key(index))
            result.ends.append(result.bytes.count)
            result.sizes.append(sizes[index])
            result.modified.append(modified[index])
            result.tags.append(tags[index])
            if !md5s.isEmpty { result.md5s.append(md5(index)) }
        }
        self = result
    }

    /// Key `index`'s bytes.
    func key(_ index: Int) -> ArraySlice<UInt8> {
        bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
    }

    private func keyEquals(_ index: Int, to other: KeyListing, _ otherIndex: Int) -> Bool {
        key(index).elementsEqual(other.key(otherIndex))
    }

    private func compare(_ a: Int, _ b: Int) -> Int { Self.compare(key(a), key(b)[...]) }

    /// Byte-wise three-way comparison.
    private static func compare(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
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
    private func lowerBound(_ bound: [UInt8]) -> Int {
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

    /// Size and modification time of key `index`.
    func info(_ index: Int) -> (size: Int, modified: Double) { (Int(sizes[index]), modified[index]) }

    /// What `path` (relative to the base; empty for the base itself) is in this listing.
    package func lookup(_ path: String) -> Lookup {
        let bytes = Array(path.utf8)
        if let index = index(of: bytes) {
            let isAlsoPrefix = !range(prefix: bytes + [0x2F]).isEmpty
            return isAlsoPrefix ? .conflict : .file(size: Int(sizes[index]), modified: modified[index], tag: tags[index])
        }
        let below = range(prefix: bytes.isEmpty ? [] : bytes + [0x2F])
        guard !below.isEmpty else { return .absent }
        var latest = -Double.infinity
        for index in below where modified[index] > latest { latest = modified[index] }
        return .directory(latest: latest)
    }

    /// The MD5 the ETag of the object at `path` states, when `path` is a key (and no prefix of
    /// others) of `size` bytes whose ETag is an MD5; else `nil`.
    package func contentMD5(of path: String, size: Int) -> ContentMD5? {
        let bytes = Array(path.utf8)
        guard let index = index(of: bytes), sizes[index] == size, md5(index) != Self.noMD5,
            range(prefix: bytes + [0x2F]).isEmpty
        else { return nil }
        return md5(index)
    }

    /// What a path is in a listing.
    package enum Lookup: Equatable {
        /// No key is the path or below it.
        case absent
        /// A key: an object, with its content tag.
        case file(size: Int, modified: Double, tag: UInt64)
        /// A prefix of keys, with the latest modification below it.
        case directory(latest: Double)
        /// Both an object and a prefix of others (`a` and `a/b`): a node of the wrong type.
        case conflict
    }

    /// The entries directly under `path` (relative to the base; empty for the base): names of
    /// keys (files) and of the next component of longer keys (directories). A name that is both
    /// is `.other` (a wrong-type node the scan reports). `nil` when nothing lies below `path`.
    package func children(of path: String) -> [DirectoryEntry]? {
        var prefix = Array(path.utf8)
        if !prefix.isEmpty { prefix.append(0x2F) }
        let below = range(prefix: prefix)
        guard !below.isEmpty else { return nil }
        var entries: [DirectoryEntry] = []
        var kinds: [String: Int] = [:]
        var index = below.lowerBound
        while index < below.upperBound {
            let rest = key(index).dropFirst(prefix.count)
            let name: String
            let kind: DirectoryEntry.Kind
            if let slash = rest.firstIndex(of: 0x2F) {
                let component = rest[rest.startIndex..<slash]
                // Skip every key below this directory: they sort before prefix + name + "0".
                index = max(index + 1, lowerBound(prefix + component + [0x30]))
                // An empty component (`a//b`) is no name a registry writes: not an entry.
                if component.isEmpty { continue }
                name = String(decoding: component, as: UTF8.self)
                kind = .directory
            } else {
                index += 1
                // A "directory marker" (`a/`, written by some tools) is not an entry.
                if rest.isEmpty { continue }
                name = String(decoding: rest, as: UTF8.self)
                kind = .file
            }
            if let seen = kinds[name] {
                if entries[seen].kind != kind { entries[seen].kind = .other }
            } else {
                kinds[name] = entries.count
                entries.append(DirectoryEntry(name: name, kind: kind))
            }
        }
        return entries
    }
}
