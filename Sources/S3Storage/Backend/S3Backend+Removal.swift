import RegistrySweep

/// Removals: list what is below a path now, keep what is young, delete the rest in
/// DeleteObjects batches whose every key's answer is checked.
extension S3Backend {
    public func removeFile(_ path: String) async throws(SweepError) {
        try check(path)
        try await deleteKeys([key(path)], path: path)
    }

    public func removeTree(_ path: String) async throws(SweepError) {
        try check(path)
        let keys = try await keysNow(path).map(\.key)
        try await deleteKeys(keys, path: path)
    }

    /// A prefix is empty once no key lies below it (S3 has no directories to remove).
    public func removeEmptyDirectory(_ path: String) async throws(SweepError) -> Bool {
        try check(path)
        if try await isPrefix(path) { return false }
        await removeDirectoryMarkers(below: path, keys: [])
        return true
    }

    /// One listing of `path` and everything below it, then one DeleteObjects per 1,000 old keys;
    /// `last` (relative to `path`) is deleted in a request of its own after every other key's
    /// deletion was acknowledged, and only if nothing below `path` is young.
    public func removeUnlessYoung(_ path: String, modifiedAfter cutoff: Double, last: String?) async throws(SweepError)
        -> Bool
    {
        try check(path)
        let keys = try await keysNow(path)
        if keys.isEmpty {
            // Gone already; an emptied directory a store with directories keeps goes too.
            await removeDirectoryMarkers(below: path, keys: [])
            return true
        }
        let lastKey = last.map { key(path) + "/" + $0 }
        var young = false
        var first: [String] = []
        var final: [String] = []
        for object in keys {
            if widened(object.lastModified) > cutoff {
                young = true
            } else if object.key == lastKey {
                final.append(object.key)
            } else {
                first.append(object.key)
            }
        }
        try await deleteKeys(first, path: path)
        if young { return false }
        try await deleteKeys(final, path: path)
        await removeDirectoryMarkers(below: path, keys: keys.map(\.key))
        return true
    }

    /// Deletes the directory markers (`dir/`) of `path` and of every directory between it and
    /// `keys`, deepest first: stores with real directories (SeaweedFS) keep an emptied one and list
    /// it as a common prefix, so a removed tag would still be listed. Such a store never deletes a
    /// directory that is not empty through its marker, and a store without directories answers
    /// "deleted" for a marker that does not exist; failures are ignored (an empty prefix is harmless).
    func removeDirectoryMarkers(below path: String, keys: [String]) async {
        let root = key(path)
        var markers: Set<String> = [root + "/"]
        for key in keys where key.hasPrefix(root + "/") {
            var directory = Substring(key)
            while let slash = directory.lastIndex(of: "/"),
                directory.distance(from: directory.startIndex, to: slash) > root.count
            {
                directory = directory[..<slash]
                markers.insert(String(directory) + "/")
            }
        }
        let ordered = markers.sorted { $0.count > $1.count }
        var start = 0
        while start < ordered.count {
            let batch = Array(ordered[start..<min(start + DeleteObjectsRequest.maximumKeys, ordered.count)])
            _ = try? await deletions.delete(batch, path: path)
            start += batch.count
        }
    }

    /// The objects that are `path` itself or lie below `path/`, read now.
    func keysNow(_ path: String) async throws(SweepError) -> [ObjectEntry] {
        let key = self.key(path)
        var objects: [ObjectEntry] = []
        try await client.listAll(prefix: key, path: path) { page throws(SweepError) in
            for object in page.objects where object.key == key || object.key.hasPrefix(key + "/") {
                objects.append(object)
            }
            // Keys sort "path", "path-x…", "path/…", "path0…": past "path/" nothing more is ours.
            if let last = page.objects.last, last.key > key + "/", !last.key.hasPrefix(key + "/") { return false }
            return true
        }
        return objects
    }

    /// Deletes `keys` in DeleteObjects requests of up to 1,000 keys, one after the other, each
    /// shared with the concurrent removals of other paths (``DeleteBatcher``).
    ///
    /// - Throws: `.io` naming the first key the store did not report deleted (with its code)
    ///   and how many failed; the keys of later batches are then not attempted.
    func deleteKeys(_ keys: [String], path: String) async throws(SweepError) {
        var start = 0
        while start < keys.count {
            let batch = Array(keys[start..<min(start + DeleteObjectsRequest.maximumKeys, keys.count)])
            let result = try await deletions.delete(batch, path: path)
            if let failure = result.failures.first {
                let code: SweepError.Code = failure.code == "AccessDenied" ? .permissionDenied : .io
                throw SweepError(
                    code,
                    "S3 DeleteObjects did not delete \(result.failures.count) of \(batch.count) keys (first: \(failure.key): \(failure.code) \(failure.message))",
                    path: path)
            }
            CrashPoint.removed()
            start += batch.count
        }
    }
}
