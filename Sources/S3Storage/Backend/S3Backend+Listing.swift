import RegistrySweep

/// Listings: live (ListObjectsV2 with a delimiter, page after page) and the flat, parallel
/// listings of a snapshot.
extension S3Backend {
    /// The snapshot listing that answers for `path` and the path relative to it, when the task
    /// runs inside this backend's ``withListingSnapshot(_:)`` and the path lies in a blob shard
    /// or the repositories tree.
    func snapshotListing(for path: String) async throws(SweepError) -> (KeyListing, String)? {
        guard let snapshot = activeSnapshot, let base = ListingSnapshot.base(for: path) else { return nil }
        let backend = self
        let listing = try await snapshot.listing(base) { () async throws(SweepError) in
            base == StorePath.repositories ? try await backend.listTreeInParallel(base) : try await backend.listFlat(base)
        }
        return (listing, ListingSnapshot.relative(path, to: base))
    }

    /// Every key below `base`, flat, one request per 1,000 keys.
    func listFlat(_ base: String) async throws(SweepError) -> KeyListing {
        var listing = KeyListing()
        let prefix = key(base) + "/"
        try await client.listAll(prefix: prefix, path: base) { page throws(SweepError) in
            for object in page.objects {
                guard object.key.hasPrefix(prefix) else {
                    throw SweepError(.io, "S3 ListObjectsV2 answered a key outside the prefix asked for", path: base)
                }
                listing.appendBytes(object.key.utf8.dropFirst(prefix.utf8.count), size: object.size, modified: widened(object.lastModified))
            }
            return true
        }
        listing.finish()
        return listing
    }

    /// Every key below `base` (the repositories tree), flat, in up to ``S3Configuration/concurrency``
    /// ranges listed at once: the first-level names come from one delimited listing, then each
    /// range of names is listed flat from its first name to the next range's.
    func listTreeInParallel(_ base: String) async throws(SweepError) -> KeyListing {
        let prefix = key(base) + "/"
        var names: [String] = []
        var listing = KeyListing()
        try await client.listAll(prefix: prefix, delimiter: "/", path: base) { page throws(SweepError) in
            for common in page.commonPrefixes {
                guard common.hasPrefix(prefix), common.hasSuffix("/") else {
                    throw SweepError(.io, "S3 ListObjectsV2 answered a prefix outside the one asked for", path: base)
                }
                names.append(String(common.dropFirst(prefix.count).dropLast()))
            }
            for object in page.objects where object.key.hasPrefix(prefix) {
                listing.appendBytes(object.key.utf8.dropFirst(prefix.utf8.count), size: object.size, modified: widened(object.lastModified))
            }
            return true
        }
        let top = listing
        guard !names.isEmpty else { return top }
        names.sort { Array(($0 + "/").utf8).lexicographicallyPrecedes(Array(($1 + "/").utf8)) }
        let groups = min(max(1, configuration.concurrency), names.count)
        let starts = (0..<groups).map { $0 * names.count / groups }
        let backend = self
        let results = await withTaskGroup(of: (Int, Result<KeyListing, SweepError>).self) { group in
            for (index, start) in starts.enumerated() {
                let first = prefix + names[start] + "/"
                let end = index + 1 < starts.count ? prefix + names[starts[index + 1]] + "/" : nil
                group.addTask {
                    do throws(SweepError) {
                        return (index, .success(try await backend.listRange(prefix: prefix, from: first, before: end, base: base)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<KeyListing, SweepError>](repeating: .success(KeyListing()), count: starts.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        var parts: [KeyListing] = []
        for result in results { parts.append(try result.get()) }
        // Every first-level name the delimited listing gave has keys below it: a range listing
        // that misses one (a server that reads `start-after` its own way) must never make a
        // repository look absent. Fall back to one listing per name.
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1] : names.count
            let found = Set(
                (0..<parts[index].count).compactMap { key -> String? in
                    let bytes = parts[index].key(key)
                    guard let slash = bytes.firstIndex(of: 0x2F) else { return nil }
                    return String(decoding: bytes[bytes.startIndex..<slash], as: UTF8.self)
                })
            for name in names[start..<end] where !found.contains(name) {
                parts[index] = try await listNames(Array(names[start..<end]), prefix: prefix, base: base)
                break
            }
        }
        var merged = KeyListing()
        for part in parts + [top] {
            for index in 0..<part.count {
                let (size, modified) = part.info(index)
                merged.appendRaw(part.key(index), size: size, modified: modified)
            }
        }
        merged.finish()
        return merged
    }

    /// The keys below each of `names` (first-level names under `prefix`), one flat listing per name.
    private func listNames(_ names: [String], prefix: String, base: String) async throws(SweepError) -> KeyListing {
        var listing = KeyListing()
        for name in names {
            try await client.listAll(prefix: prefix + name + "/", path: base) { page throws(SweepError) in
                for object in page.objects where object.key.hasPrefix(prefix + name + "/") {
                    listing.appendBytes(object.key.utf8.dropFirst(prefix.utf8.count), size: object.size, modified: widened(object.lastModified))
                }
                return true
            }
        }
        listing.finish()
        return listing
    }

    /// The keys from `first` (inclusive) to `end` (exclusive; `nil`: to the end of `prefix`).
    private func listRange(prefix: String, from first: String, before end: String?, base: String) async throws(SweepError) -> KeyListing {
        var listing = KeyListing()
        // `first` ends in "/": every key below it sorts after it (SeaweedFS, which lists by
        // directory, skips a whole directory when the marker is its bare name).
        try await client.listAll(prefix: prefix, startAfter: first, path: base) { page throws(SweepError) in
            for object in page.objects {
                guard object.key.hasPrefix(prefix) else {
                    throw SweepError(.io, "S3 ListObjectsV2 answered a key outside the prefix asked for", path: base)
                }
                if let end, !object.key.utf8.lexicographicallyPrecedes(end.utf8) { return false }
                if object.key.utf8.lexicographicallyPrecedes(first.utf8) { continue }
                listing.appendBytes(object.key.utf8.dropFirst(prefix.utf8.count), size: object.size, modified: widened(object.lastModified))
            }
            return true
        }
        return listing
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
            if try await objectInfo(path) != nil { throw SweepError(.wrongType, "not a directory (an object)", path: path) }
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
        return FileInfo(size: first.size, modified: widened(first.lastModified), isFile: true, isDirectory: false)
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
    func statLive(_ path: String) async throws(SweepError) -> FileInfo {
        if let info = try await objectInfo(path) {
            if try await isPrefix(path) {
                return FileInfo(size: 0, modified: Timestamp.now() + configuration.clockAllowance, isFile: false, isDirectory: false)
            }
            return info
        }
        var latest = -Double.infinity
        var pages = 0
        var any = false
        try await client.listAll(prefix: key(path) + "/", path: path) { page throws(SweepError) in
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
