import RegistrySweep

/// The keys of one flat listing below a base prefix, sorted by their UTF-8 bytes (S3's order),
/// held compactly in sorted runs (``KeyRun``: one byte buffer for all keys of the run, plus size,
/// modification time and content tag (the ETag, folded: ``FileInfo/contentTag``) per key, and the
/// ETag as an MD5 (``ContentMD5``) for the keys it was given for: link objects,
/// ``S3Backend/linkProofMD5(_:)``). A listing of ranges listed apart keeps one run per range. A
/// run of blob-shard keys (`<64 lowercase hex>/data`) holds each key as its 32-byte digest.
///
/// Answers what a directory tree would: the entries directly under a "directory" (a key prefix
/// ending before a `/`), whether a path is a key (a file) or a prefix of keys (a directory), and
/// the latest modification below a prefix. Keys are relative to the base and never start with `/`.
///
/// - Complexity: memory is the keys' bytes plus 32 bytes a key, and 16 more a key from the first
///   key of a run given an MD5 on (none in a listing without links), with no spare capacity after
///   ``finish()``; a lookup is a binary search over the runs, then within the runs it touches.
package struct KeyListing: Sendable {
    /// An empty listing.
    package init() {}

    /// The sorted runs, in ascending order, each key above every key of the runs before it
    /// (after ``finish()``): a listing made of ranges listed apart keeps each range as it came,
    /// with no merged copy of them all.
    private var runs: [KeyRun] = []

    /// The number of keys.
    package var count: Int { runs.reduce(0) { $0 + $1.count } }

    /// Appends a key's bytes; keys should come in ascending byte order (``finish()`` sorts
    /// otherwise).
    package mutating func appendBytes<Bytes: Sequence<UInt8>>(
        _ key: Bytes, size: Int, modified time: Double, tag: UInt64 = 0, md5: ContentMD5? = nil
    ) {
        if runs.isEmpty { runs.append(KeyRun()) }
        runs[runs.count - 1].append(key, size: Int64(size), modified: time, tag: tag, md5: md5)
    }

    /// Appends every key of `other`, after this listing's (merging listings of ranges): its runs
    /// are kept, not copied.
    package mutating func append(contentsOf other: KeyListing) {
        runs += other.runs
    }

    /// The number of runs whose keys are held as digests (blob-shard keys; for tests).
    package var digestRunCount: Int { runs.reduce(0) { $0 + ($1.isHeldAsDigests ? 1 : 0) } }

    /// The number of sorted runs the keys are held in (one per range listed apart, unless ranges
    /// overlapped and were merged).
    package var runCount: Int { runs.count }

    /// Sorts each run, drops empty ones, orders the runs by their first keys, and when they still
    /// do not follow one another (a key of one at or below the last of the run before it: ranges
    /// that overlap), merges them into one, sorted and without exact duplicates.
    package mutating func finish() {
        for index in runs.indices { runs[index].finish() }
        runs.removeAll { $0.count == 0 }
        runs.sort { KeyRun.compare($0.key(0), $1.key(0)) < 0 }
        for index in runs.indices.dropFirst() {
            let previous = runs[index - 1]
            if KeyRun.compare(previous.key(previous.count - 1), runs[index].key(0)) >= 0 {
                runs = [KeyRun.merging(runs)]
                return
            }
        }
    }

    /// The runs that may hold `path` or keys below `path/`: every key of those lies in
    /// [`path`, `path` + "0") ("/" is the byte before "0"), so the runs are those whose last key
    /// is not below `path` and whose first key is below `path` + "0".
    private func runs(around path: [UInt8]) -> ArraySlice<KeyRun> {
        if path.isEmpty { return runs[...] }
        var low = 0
        var high = runs.count
        let target = path[...]
        while low < high {
            let middle = (low + high) / 2
            let run = runs[middle]
            if KeyRun.compare(run.key(run.count - 1), target) < 0 { low = middle + 1 } else { high = middle }
        }
        let upper = (path + [0x30])[...]
        var end = low
        while end < runs.count && KeyRun.compare(runs[end].key(0), upper) < 0 { end += 1 }
        return runs[low..<end]
    }

    /// True if some key lies below `path/` (relative to the base).
    package func hasKeys(below path: String) -> Bool {
        let bytes = Array(path.utf8)
        return runs(around: bytes).contains { !$0.range(prefix: bytes + [0x2F]).isEmpty }
    }

    /// What `path` (relative to the base; empty for the base itself) is in this listing.
    package func lookup(_ path: String) -> Lookup {
        let bytes = Array(path.utf8)
        let below = bytes.isEmpty ? [] : bytes + [0x2F]
        var file: (size: Int, modified: Double, tag: UInt64)?
        var latest: Double?
        for run in runs(around: bytes) {
            if let index = run.index(of: bytes) { file = run.info(index) }
            for index in run.range(prefix: below) where run.modified[index] > latest ?? -.infinity {
                latest = run.modified[index]
            }
        }
        switch (file, latest) {
        case (.some, .some): return .conflict
        case (.some(let file), nil): return .file(size: file.size, modified: file.modified, tag: file.tag)
        case (nil, .some(let latest)): return .directory(latest: latest)
        case (nil, nil): return .absent
        }
    }

    /// The MD5 the ETag of the object at `path` states, when `path` is a key (and no prefix of
    /// others) of `size` bytes whose ETag is an MD5; else `nil`.
    package func contentMD5(of path: String, size: Int) -> ContentMD5? {
        let bytes = Array(path.utf8)
        var found: ContentMD5?
        for run in runs(around: bytes) {
            if !run.range(prefix: bytes + [0x2F]).isEmpty { return nil }
            if let index = run.index(of: bytes), run.info(index).size == size, run.md5(index) != KeyRun.noMD5 {
                found = run.md5(index)
            }
        }
        return found
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
        var entries: [DirectoryEntry] = []
        var kinds: [String: Int] = [:]
        var any = false
        for run in runs(around: Array(path.utf8)) {
            let below = run.range(prefix: prefix)
            any = any || !below.isEmpty
            if prefix.isEmpty && run.isHeldAsDigests {
                // Every key is `<hex>/data`: each names a directory, with no search per key.
                for index in below {
                    let name = run.digestName(index)
                    if let seen = kinds[name] {
                        if entries[seen].kind != .directory { entries[seen].kind = .other }
                    } else {
                        kinds[name] = entries.count
                        entries.append(DirectoryEntry(name: name, kind: .directory))
                    }
                }
                continue
            }
            var index = below.lowerBound
            while index < below.upperBound {
                let rest = run.key(index).contiguous.dropFirst(prefix.count)
                let name: String
                let kind: DirectoryEntry.Kind
                if let slash = rest.firstIndex(of: 0x2F) {
                    let component = rest[rest.startIndex..<slash]
                    // Skip every key below this directory: they sort before prefix + name + "0".
                    index = max(index + 1, run.lowerBound(prefix + component + [0x30]))
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
                // A directory whose keys span two runs is one entry.
                if let seen = kinds[name] {
                    if entries[seen].kind != kind { entries[seen].kind = .other }
                } else {
                    kinds[name] = entries.count
                    entries.append(DirectoryEntry(name: name, kind: kind))
                }
            }
        }
        return any ? entries : nil
    }
}
