extension StorageBackend {
    /// The modification time of `path`, `nil` if it is absent.
    ///
    /// For checks that decide whether something may go: every error but "absent" is thrown, so
    /// that a check that cannot be made keeps its item instead of letting it go.
    package func modificationTime(of path: String) async throws(SweepError) -> Double? {
        do {
            return try await stat(path).modified
        } catch  where error.code == .notFound {
            return nil
        }
    }

    /// The default ``StorageBackend/removeUnlessYoung(_:modifiedAfter:last:)``.
    ///
    /// Removes `path` and everything below it except files modified after `cutoff`; a directory
    /// goes only once it is empty (an entry created meanwhile makes the removal stop there).
    ///
    /// This is the one removal primitive of a sweep, so that a registry writing next to it is
    /// never undone: a file it wrote after `cutoff` stays with its directories, and `rmdir`
    /// refuses a directory it has just written into. A push that creates a directory just
    /// before its removal fails loudly when it writes the file (the client retries); it never
    /// succeeds into a removed directory.
    ///
    /// - Parameters:
    ///   - path: the file or directory to remove.
    ///   - cutoff: files modified after this (seconds since 1970) are kept.
    ///   - last: a file below `path` (relative to it) removed after every other file, for
    ///     removals whose order matters (a tag's `current/link`).
    /// - Returns: true if `path` is gone (or was already absent).
    /// - Throws: the first failing call; a symbolic link is removed as a file, never followed.
    public func removeUnlessYoung(_ path: String, modifiedAfter cutoff: Double, last: String?) async throws(SweepError)
        -> Bool
    {
        try await removeUnlessYoungOneByOne(path, modifiedAfter: cutoff, last: last)
    }

    /// Removes `path` unless young, as ``removeUnlessYoung(_:modifiedAfter:last:)``, with
    /// ``stat(_:)``, ``list(_:)``, ``removeFile(_:)`` and ``removeEmptyDirectory(_:)``: the
    /// default, and the fallback of a backend whose fast path cannot be taken.
    public func removeUnlessYoungOneByOne(_ path: String, modifiedAfter cutoff: Double, last: String?)
        async throws(SweepError)
        -> Bool
    {
        let info: FileInfo
        do {
            info = try await stat(path)
        } catch  where error.code == .notFound {
            return true
        }
        guard info.isDirectory else {
            if info.modified > cutoff { return false }
            do {
                try await removeFile(path)
            } catch  where error.code == .notFound {}
            return true
        }
        let entries: [DirectoryEntry]
        do {
            entries = try await list(path)
        } catch  where error.code == .notFound {
            return true
        }
        var complete = true
        let lastComponent = last.map { String($0.split(separator: "/", maxSplits: 1)[0]) }
        for entry in entries where entry.name != lastComponent {
            if try await !removeUnlessYoungOneByOne("\(path)/\(entry.name)", modifiedAfter: cutoff, last: nil) {
                complete = false
            }
        }
        if let last, let lastComponent, entries.contains(where: { $0.name == lastComponent }) {
            // Everything else first, then the named file, then what holds it.
            if !complete { return false }
            let rest = last.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init)
            if try await !removeUnlessYoungOneByOne("\(path)/\(lastComponent)", modifiedAfter: cutoff, last: rest) {
                return false
            }
        }
        guard complete else { return false }
        do {
            return try await removeEmptyDirectory(path)
        } catch  where error.code == .notFound {
            return true
        }
    }
}
