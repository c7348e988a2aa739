import RegistrySweep

/// Listings: live (ListObjectsV2 with a delimiter, page after page) and the flat, parallel
/// listings of a snapshot.
extension S3Backend {
    /// The snapshot listing that answers for `path` (the listing, the store path it covers, and
    /// `path` relative to that), when this is a ``snapshotView()`` and the path lies in a blob
    /// shard or the repositories tree.
    func snapshotListing(for path: String) async throws(SweepError) -> (
        listing: KeyListing, base: String, relative: String
    )? {
        guard let snapshot = listings, let base = snapshot.base(for: path) else { return nil }
        let backend = self
        let listing = try await snapshot.listing(base) { () async throws(SweepError) in
            base == StorePath.repositories && snapshot.scope == nil
                ? try await backend.listTreeInParallel(base) : try await backend.listFlat(base)
        }
        return (listing, base, ListingSnapshot.relative(path, to: base))
    }

    /// Every key below `base`, flat, one request per 1,000 keys.
    func listFlat(_ base: String) async throws(SweepError) -> KeyListing {
        var listing = KeyListing()
        let prefix = key(base) + "/"
        try await collectKeys(prefix: prefix, relativeTo: prefix, into: &listing, base: base)
        listing.finish()
        return listing
    }

    /// Every key below `base` (the repositories tree), flat, in up to ``S3Configuration/concurrency``
    /// ranges listed at once: the first-level names come from one delimited listing (and, when
    /// there are fewer of them than ranges, the second-level names below each, also delimited:
    /// a store of a few namespaces holding many repositories), then each range of names is listed
    /// flat from its first name to the next range's.
    func listTreeInParallel(_ base: String) async throws(SweepError) -> KeyListing {
        let prefix = key(base) + "/"
        var merged = KeyListing()
        var names = try await delimitedNames(below: "", prefix: prefix, base: base, into: &merged)
        if !names.isEmpty && names.count < configuration.concurrency {
            let backend = self
            let firstLevel = names
            let results = await withTaskGroup(of: (Int, Result<([String], KeyListing), SweepError>).self) { group in
                for (index, name) in firstLevel.enumerated() {
                    group.addTask {
                        await Self.indexed(index) { () async throws(SweepError) in
                            var objects = KeyListing()
                            let below = try await backend.delimitedNames(
                                below: name, prefix: prefix, base: base, into: &objects)
                            return (below, objects)
                        }
                    }
                }
                var results = [Result<([String], KeyListing), SweepError>](
                    repeating: .success(([], KeyListing())), count: firstLevel.count)
                while let (index, result) = await group.next() { results[index] = result }
                return results
            }
            names = []
            for (name, result) in zip(firstLevel, results) {
                let (below, objects) = try result.get()
                merged.append(contentsOf: objects)
                // A namespace with objects only (no deeper names) stays one name of its own.
                names += below.isEmpty ? [name] : below
            }
        }
        guard !names.isEmpty else { return merged }
        names.sort { ($0 + "/").utf8.lexicographicallyPrecedes(($1 + "/").utf8) }
        let groups = min(max(1, configuration.concurrency), names.count)
        let ranges = (0..<groups).map { ($0 * names.count / groups)..<(($0 + 1) * names.count / groups) }
        let backend = self
        let sorted = names
        let results = await withTaskGroup(of: (Int, Result<KeyListing, SweepError>).self) { group in
            for (index, range) in ranges.enumerated() {
                group.addTask {
                    let next = range.upperBound < sorted.count ? sorted[range.upperBound] : nil
                    return await Self.indexed(index) { () async throws(SweepError) in
                        try await backend.listNames(sorted[range], before: next, prefix: prefix, base: base)
                    }
                }
            }
            var results = [Result<KeyListing, SweepError>](repeating: .success(KeyListing()), count: ranges.count)
            while let (index, result) = await group.next() { results[index] = result }
            return results
        }
        for result in results { merged.append(contentsOf: try result.get()) }
        merged.finish()
        return merged
    }

    /// The names one level below `parent` (relative to `prefix`; `""` for `prefix` itself), as
    /// paths relative to `prefix` (`parent/name`), from one delimited listing; the objects directly
    /// below `parent` go into `objects`.
    ///
    /// - Throws: the listing's errors; `.io` for a prefix outside the one asked for.
    func delimitedNames(
        below parent: String, prefix: String, base: String, into objects: inout KeyListing
    ) async throws(SweepError) -> [String] {
        let listed = parent.isEmpty ? prefix : prefix + parent + "/"
        var names: [String] = []
        try await client.listAll(prefix: listed, delimiter: "/", path: base) { page throws(SweepError) in
            for common in page.commonPrefixes {
                guard common.hasPrefix(listed), common.hasSuffix("/") else {
                    throw SweepError(.io, "S3 ListObjectsV2 answered a prefix outside the one asked for", path: base)
                }
                names.append(String(common.dropFirst(prefix.count).dropLast()))
            }
            for object in page.objects where object.key.hasPrefix(listed) {
                objects.appendBytes(
                    object.key.utf8.dropFirst(prefix.utf8.count), size: object.size,
                    modified: widened(object.lastModified),
                    tag: object.contentTag, md5: linkProofMD5(object))
            }
            return true
        }
        return names
    }

    /// `operation`'s outcome paired with `index`, for task groups that put results back in order.
    ///
    /// A function of its own: the same `do`/`catch` written inside `addTask`'s closure returned a
    /// wrong index in release builds of Swift 6.3.1 (an "Index out of range" trap with every
    /// index valid; debug builds were right), found by the release S3 benchmark.
    static func indexed<T: Sendable>(
        _ index: Int, _ operation: () async throws(SweepError) -> T
    ) async -> (Int, Result<T, SweepError>) {
        do throws(SweepError) {
            return (index, .success(try await operation()))
        } catch {
            return (index, .failure(error))
        }
    }

    /// The keys below `names` (consecutive first-level names under `prefix`), relative to
    /// `prefix`: one flat listing from the first name to `next` (the name after the last, `nil`
    /// for the end).
    ///
    /// Every name the delimited listing gave has keys below it, so a range that comes back
    /// without one (a server that reads `start-after` its own way) is never believed: the names
    /// are then listed one by one, so that no repository can look absent.
    private func listNames(
        _ names: ArraySlice<String>, before next: String?, prefix: String, base: String
    ) async throws(SweepError) -> KeyListing {
        var listing = KeyListing()
        let first = prefix + names[names.startIndex] + "/"
        let end = next.map { prefix + $0 + "/" }
        try await collectKeys(prefix: prefix, relativeTo: prefix, from: first, before: end, into: &listing, base: base)
        listing.finish()
        if names.allSatisfy({ listing.hasKeys(below: $0) }) { return listing }
        listing = KeyListing()
        for name in names {
            try await collectKeys(prefix: prefix + name + "/", relativeTo: prefix, into: &listing, base: base)
        }
        listing.finish()
        return listing
    }

    /// Appends to `listing` every key below `prefix`, from `first` (inclusive; listed with
    /// `start-after` it) to `end` (exclusive), each relative to `root` (a prefix of `prefix`).
    ///
    /// - Throws: the listing's errors; `.io` for a key outside `prefix` (never silently dropped).
    private func collectKeys(
        prefix: String, relativeTo root: String, from first: String? = nil, before end: String? = nil,
        into listing: inout KeyListing, base: String
    ) async throws(SweepError) {
        // `first` ends in "/": every key below it sorts after it (SeaweedFS, which lists by
        // directory, skips a whole directory when the marker is its bare name).
        try await client.listAll(prefix: prefix, startAfter: first, path: base) { page throws(SweepError) in
            for object in page.objects {
                guard object.key.hasPrefix(prefix) else {
                    throw SweepError(.io, "S3 ListObjectsV2 answered a key outside the prefix asked for", path: base)
                }
                if let end, !object.key.utf8.lexicographicallyPrecedes(end.utf8) { return false }
                if let first, object.key.utf8.lexicographicallyPrecedes(first.utf8) { continue }
                listing.appendBytes(
                    object.key.utf8.dropFirst(root.utf8.count), size: object.size,
                    modified: widened(object.lastModified),
                    tag: object.contentTag, md5: linkProofMD5(object))
            }
            return true
        }
    }

    /// The entries directly under `path`, read now.
    func listLive(_ path: String) async throws(SweepError) -> [DirectoryEntry] {
        let prefix = key(path) + "/"
        var entries: [DirectoryEntry] = []
        var names: [String: Int] = [:]
        func add(_ name: String, _ kind: DirectoryEntry.Kind) {
            if let seen = names[name] {
                if entries[seen].kind != kind { entries[seen].kind = .other }
            } else {
                names[name] = entries.count
                entries.append(DirectoryEntry(name: name, kind: kind))
            }
        }
        try await client.listAll(prefix: prefix, delimiter: "/", path: path) { page throws(SweepError) in
            for common in page.commonPrefixes where common.hasPrefix(prefix) && common.count > prefix.count + 1 {
                add(String(common.dropFirst(prefix.count).dropLast()), .directory)
            }
            for object in page.objects where object.key.hasPrefix(prefix) && object.key.count > prefix.count {
                add(String(object.key.dropFirst(prefix.count)), .file)
            }
            return true
        }
        if entries.isEmpty {
            if try await objectInfo(path) != nil {
                throw SweepError(.wrongType, "not a directory (an object)", path: path)
            }
            // A prefix holding only a directory marker ("path/") is empty, not absent.
            throw SweepError(.notFound, "no such directory", path: path)
        }
        return entries
    }

    /// The object `path` itself, read now (`nil` if there is no such key).
    func objectInfo(_ path: String) async throws(SweepError) -> FileInfo? {
        let key = self.key(path)
        let page = try await client.listPage(prefix: key, maxKeys: 1, path: path)
        guard let first = page.objects.first, first.key == key else { return nil }
        return FileInfo(
            size: first.size, modified: widened(first.lastModified), isFile: true, isDirectory: false,
            contentTag: first.contentTag)
    }

    /// True if some key lies below `key/`, judged from `page` (a listing of prefix `key` whose
    /// first key is `key`) when it can tell: it shows such a key, or it is the whole listing, or
    /// it reaches past every key below `key/`; else asked of the store.
    private func keysBelow(_ key: String, in page: ListObjectsPage, path: String) async throws(SweepError) -> Bool {
        let below = key + "/"
        if page.objects.contains(where: { $0.key.hasPrefix(below) }) { return true }
        if !page.isTruncated { return false }
        if let last = page.objects.last, below.utf8.lexicographicallyPrecedes(last.key.utf8) { return false }
        return try await isPrefix(path)
    }

    /// True if some key lies below `path/`.
    func isPrefix(_ path: String) async throws(SweepError) -> Bool {
        let page = try await client.listPage(prefix: key(path) + "/", maxKeys: 1, path: path)
        return !page.objects.isEmpty
    }

    /// The most pages a live directory `stat` reads for its latest modification; a larger
    /// directory is reported as changed now (the safe answer).
    static let statPageLimit = 10

    /// `stat` read now: the object, else the prefix with its latest modification.
    ///
    /// One page of the keys beginning with `path`'s key answers most stats in one request: a file
    /// is that page's first key (keys sort by their bytes, and no key beginning with it sorts
    /// before it); a directory of at most one page of keys is the page's keys below `key/`.
    /// Larger directories are listed on, as are pages that cannot tell.
    func statLive(_ path: String) async throws(SweepError) -> FileInfo {
        let key = self.key(path)
        let below = key + "/"
        let page = try await client.listPage(prefix: key, path: path)
        if let first = page.objects.first, first.key == key {
            if try await keysBelow(key, in: page, path: path) {
                return FileInfo(
                    size: 0, modified: Timestamp.now() + configuration.clockAllowance, isFile: false, isDirectory: false
                )
            }
            return FileInfo(
                size: first.size, modified: widened(first.lastModified), isFile: true, isDirectory: false,
                contentTag: first.contentTag)
        }
        if !page.isTruncated {
            let ours = page.objects.filter { $0.key.hasPrefix(below) }
            guard let latest = ours.map({ widened($0.lastModified) }).max() else {
                throw SweepError(.notFound, "no such object or prefix", path: path)
            }
            return FileInfo(size: 0, modified: latest, isFile: false, isDirectory: true)
        }
        var latest = -Double.infinity
        var pages = 0
        var any = false
        try await client.listAll(prefix: below, path: path) { page throws(SweepError) in
            pages += 1
            for object in page.objects {
                any = true
                latest = max(latest, widened(object.lastModified))
            }
            if pages >= Self.statPageLimit && page.isTruncated {
                latest = max(latest, Timestamp.now() + configuration.clockAllowance)
                return false
            }
            return true
        }
        guard any else { throw SweepError(.notFound, "no such object or prefix", path: path) }
        return FileInfo(size: 0, modified: latest, isFile: false, isDirectory: true)
    }
}
