#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A store on a local filesystem, reached through a descriptor on its root.
///
/// All paths resolve relative to the root descriptor with `openat`-family calls; a final
/// symlink is never followed, and listings report symlinks as such so callers never
/// descend through them. Files up to 64 KiB are read with one `pread`; larger ones are
/// memory-mapped.
///
/// Every system call of the ``StorageBackend`` methods runs on the backend's ``executor``
/// (threads of its own, never Swift's cooperative pool). A task that makes many calls should
/// run with that executor as its preference (``taskExecutor``): each call is then a plain call
/// on the task's thread instead of a thread hop. The writing methods (generator, baselines,
/// quarantine) are synchronous and run on the caller's thread: call them from such a task,
/// or inside ``IOExecutor/run(_:)``.
///
/// `@unchecked Sendable`: the only state is an immutable descriptor, strings and the executor;
/// the kernel serializes concurrent calls on the descriptor.
public final class FileSystemBackend: StorageBackend, @unchecked Sendable {
    /// The root directory as given.
    public let root: String
    private let rootFD: Int32
    /// The root's descriptor, for helpers in this module.
    var rootDescriptor: Int32 { rootFD }
    /// The threads this backend's blocking calls run on.
    public let executor: IOExecutor
    /// Files larger than this are memory-mapped instead of read.
    static let mapThreshold = 64 * 1024

    /// Opens the store root (one `openat`, on the calling thread).
    ///
    /// - Parameters:
    ///   - root: the registry's `rootdirectory` (holding `docker/registry/v2`), or any
    ///     directory for generic use.
    ///   - executor: the threads for its blocking calls; by default ``IOExecutor/shared``.
    /// - Throws: `.notFound` or `.permissionDenied` if the root cannot be opened.
    public init(root: String, executor: IOExecutor = .shared) throws(SweepError) {
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        self.executor = executor
        // The root itself may be a symlink (operators do that); components below it are not followed.
        rootFD = try SystemCalls.openDirectory(AT_FDCWD, trimmed + "/.", display: trimmed)
    }

    /// A backend on an already open directory descriptor, which it takes over.
    init(descriptor: Int32, root: String, executor: IOExecutor) {
        self.root = root
        rootFD = descriptor
        self.executor = executor
    }

    deinit { SystemCalls.close(rootFD) }

    /// Opens `directory` once (no symlink followed in its last component); reads through the
    /// returned view walk only the path below it. Used for the many small reads under one
    /// directory (revision links, blob shards). The view shares this backend's executor.
    public func subdirectory(_ directory: String) async throws(SweepError) -> any StorageBackend {
        let fd = try await executor.run { () throws(SweepError) in
            try SystemCalls.openDirectory(rootFD, checked(directory), display: absolute(directory))
        }
        return FileSystemBackend(descriptor: fd, root: absolute(directory), executor: executor)
    }

    public var displayName: String { root }

    /// The backend's ``executor``: tasks that prefer it make calls here without a thread hop.
    public var taskExecutor: (any TaskExecutor)? { executor }

    /// The absolute path of a store-relative path, for messages.
    public func absolute(_ path: String) -> String { path.isEmpty ? root : "\(root)/\(path)" }

    private func checked(_ path: String) throws(SweepError) -> String {
        guard path.isEmpty || StorePath.isSafe(path) else {
            throw SweepError(.invalidArgument, "refusing a path that could leave the store root", path: path)
        }
        return path.isEmpty ? "." : path
    }

    public func list(_ path: String) async throws(SweepError) -> [DirectoryEntry] {
        try await executor.run { () throws(SweepError) in try blockingList(path) }
    }

    /// ``list(_:)`` on the calling thread, which must be one of the ``executor``'s (inside
    /// ``IOExecutor/run(_:)``, or a task that prefers it); asserted in debug builds.
    package func blockingList(_ path: String) throws(SweepError) -> [DirectoryEntry] {
        assert(executor.isCurrent, "blocking I/O off the backend's executor")
        let fd = try SystemCalls.openDirectory(rootFD, checked(path), display: absolute(path))
        return try SystemCalls.readEntries(fd, display: absolute(path))
    }

    public func listDigests(_ path: String) async throws(SweepError) -> DigestListing {
        try await executor.run { () throws(SweepError) in
            let fd = try SystemCalls.openDirectory(rootFD, checked(path), display: absolute(path))
            return try SystemCalls.readDigestEntries(fd, display: absolute(path))
        }
    }

    /// `body` runs on the executor's thread, with the bytes.
    public func withContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        try await executor.run { () throws(SweepError) in try blockingContents(of: path, limit: limit, body) }
    }

    /// ``withContents(of:limit:_:)`` on the calling thread, which must be one of the
    /// ``executor``'s, as for ``blockingList(_:)``.
    package func blockingContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) throws(SweepError) -> R {
        try blockingContents(of: path, limit: limit) { bytes, _ throws(SweepError) in try body(bytes) }
    }

    /// ``blockingContents(of:limit:_:)`` that also hands `body` the open descriptor.
    private func blockingContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer, Int32) throws(SweepError) -> R
    ) throws(SweepError) -> R {
        assert(executor.isCurrent, "blocking I/O off the backend's executor")
        let fd = try SystemCalls.openFile(rootFD, checked(path), display: self.absolute(path))
        defer { SystemCalls.close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.smallReadSize(limit), alignment: 16)
        defer { buffer.deallocate() }
        return try Self.withContents(of: fd, buffer: buffer, limit: limit, display: self.absolute(path)) {
            bytes throws(SweepError) in
            try body(bytes, fd)
        }
    }

    /// One `openat`, the read, and an `fstat` of the same descriptor (no second path walk).
    public func withContentsAndInfo<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer, FileInfo?) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        try await executor.run { () throws(SweepError) in
            try blockingContents(of: path, limit: limit) { bytes, fd throws(SweepError) in
                try body(bytes, try? SystemCalls.stat(fd, display: self.absolute(path)))
            }
        }
    }

    /// Reads each `directory/<hex>/<leaf>` through one descriptor on `directory` and one
    /// buffer, the path built in place: per file, `openat`, one `pread`, `close`, and no
    /// allocation. If `directory` cannot be opened, each file is read (and fails) on its own.
    /// The whole batch is one ``IOExecutor/run(_:)``; `body` runs on the executor's thread.
    public func forEachDigestFile(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) async {
        precondition(StorePath.isSafe(leaf) && !leaf.utf8.contains(0x2F), "leaf must be one path component")
        await executor.run { readDigestFiles(in: directory, digests, leaf: leaf, limit: limit, body) }
    }

    /// ``forEachDigestFile(in:_:leaf:limit:_:)`` on the calling thread.
    private func readDigestFiles(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.smallReadSize(limit), alignment: 16)
        defer { buffer.deallocate() }
        let opened = forEachDigestPath(in: directory, digests, leaf: leaf) { directoryFD, index, path in
            // The display path is built only on failure (an autoclosure, no allocation per file).
            do throws(SweepError) {
                let fd = try SystemCalls.openFile(
                    directoryFD, path, display: displayPath(directory, digests[index], leaf))
                defer { SystemCalls.close(fd) }
                try Self.withContents(
                    of: fd, buffer: buffer, limit: limit, display: displayPath(directory, digests[index], leaf)
                ) {
                    bytes in body(index, .success(bytes))
                }
            } catch {
                body(index, .failure(error))
            }
        }
        guard !opened else { return }
        // Each file read (and failing) on its own, as the protocol's default would.
        for (index, digest) in digests.enumerated() {
            do throws(SweepError) {
                try blockingContents(of: "\(directory)/\(digest.hex)/\(leaf)", limit: limit) { bytes in
                    body(index, .success(bytes))
                }
            } catch {
                body(index, .failure(error))
            }
        }
    }

    /// One `fstatat` per file through one descriptor on `directory`, the path built in place;
    /// the whole batch is one ``IOExecutor/run(_:)``. If `directory` cannot be opened, each
    /// file is stat'ed (and fails) on its own.
    public func statDigestFiles(in directory: String, _ digests: [Digest], leaf: String) async -> [Result<
        FileInfo, SweepError
    >] {
        precondition(StorePath.isSafe(leaf) && !leaf.utf8.contains(0x2F), "leaf must be one path component")
        return await executor.run {
            var results: [Result<FileInfo, SweepError>] = []
            results.reserveCapacity(digests.count)
            let opened = forEachDigestPath(in: directory, digests, leaf: leaf) { directoryFD, index, path in
                do throws(SweepError) {
                    results.append(
                        .success(
                            try SystemCalls.stat(
                                directoryFD, path, display: displayPath(directory, digests[index], leaf))))
                } catch {
                    results.append(.failure(error))
                }
            }
            guard !opened else { return results }
            // Each file stat'ed (and failing) on its own, as the protocol's default would.
            for digest in digests {
                do throws(SweepError) {
                    results.append(.success(try blockingStat("\(directory)/\(digest.hex)/\(leaf)")))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        }
    }

    /// The absolute path of `directory/<hex>/<leaf>`, for messages.
    private func displayPath(_ directory: String, _ digest: Digest, _ leaf: String) -> String {
        absolute("\(directory)/\(digest.hex)/\(leaf)")
    }

    /// Opens `directory` once and calls `body` for each digest, in order, with the directory's
    /// descriptor, the digest's index and the path `<hex>/<leaf>` relative to the directory,
    /// built in place in one buffer (no allocation per file; valid only during the call).
    ///
    /// - Returns: false, having called nothing, if `directory` cannot be opened.
    private func forEachDigestPath(
        in directory: String, _ digests: [Digest], leaf: String, _ body: (Int32, Int, UnsafePointer<CChar>) -> Void
    ) -> Bool {
        guard let directoryFD = try? SystemCalls.openDirectory(rootFD, checked(directory), display: absolute(directory))
        else {
            return false
        }
        defer { SystemCalls.close(directoryFD) }
        // "<64 hex>/<leaf>\0", the hex rewritten for each digest.
        let pathLength = Digest.hexLength + 1 + leaf.utf8.count + 1
        let path = UnsafeMutableRawBufferPointer.allocate(byteCount: pathLength, alignment: 1)
        defer { path.deallocate() }
        path[Digest.hexLength] = 0x2F
        _ = UnsafeMutableRawBufferPointer(rebasing: path[(Digest.hexLength + 1)...]).initializeMemory(
            as: UInt8.self, from: leaf.utf8)
        path[pathLength - 1] = 0
        let cPath = UnsafePointer(path.baseAddress!.assumingMemoryBound(to: CChar.self))
        for (index, digest) in digests.enumerated() {
            digest.writeHex(into: path)
            body(directoryFD, index, cPath)
        }
        return true
    }

    /// The read buffer for files of at most `limit` bytes: one byte more than the largest
    /// file read whole, so a full buffer means "larger".
    private static func smallReadSize(_ limit: Int) -> Int { min(limit, mapThreshold) + 1 }

    /// The contents of the open file `fd`, read into `buffer` (``smallReadSize(_:)`` bytes).
    ///
    /// Small files (the common case: links, manifests) cost one `pread` into the buffer. A
    /// read that returns fewer bytes than asked is the end of the file (POSIX: a short read
    /// of a regular file happens only at its end), so no second `pread` is spent to see 0.
    /// Were a read ever cut short otherwise, the content would be a truncated prefix, which
    /// every caller rejects (links and manifests are parsed in full), keeping what it
    /// references. Only a file that fills the buffer is `fstat`'ed and memory-mapped.
    ///
    /// Files are opened `O_NONBLOCK`, so nothing here waits on a FIFO. A node that is not a
    /// regular file throws `.wrongType` without an `fstat` on the fast path: a directory fails
    /// `pread` with `EISDIR`, a FIFO with `ESPIPE` (both mapped to `.wrongType`); a device or
    /// anything else is caught by the `fstat` spent only when a read fails otherwise, returns
    /// 0 bytes (an empty link or manifest is a problem already) or fills the buffer.
    ///
    /// - Throws: `.wrongType` if `fd` is not a regular file, the read's error, `.invalidArgument`
    ///   if the file is larger than `limit`, or what `body` throws.
    private static func withContents<R>(
        of fd: Int32, buffer: UnsafeMutableRawBufferPointer, limit: Int, display: @autoclosure () -> String,
        _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) throws(SweepError) -> R {
        let small = buffer.count
        var filled = 0
        while filled < small {
            let requested = small - filled
            let count: Int
            do {
                count = try SystemCalls.read(
                    fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: filled, display: display()
                )
            } catch  where error.code == .io {
                // EAGAIN and the like: say what the node is if it is not a regular file.
                try requireRegularFile(fd, display: display())
                throw error
            }
            filled += count
            if count < requested { break }  // a short read: the end of the file
        }
        if filled < small {
            if filled == 0 { try requireRegularFile(fd, display: display()) }
            return try body(UnsafeRawBufferPointer(rebasing: buffer[..<filled]))
        }
        let info = try SystemCalls.stat(fd, display: display())
        guard info.isFile else { throw notARegularFile(display()) }
        guard info.size <= limit else {
            throw SweepError(
                .invalidArgument, "file is \(info.size) bytes, more than the \(limit)-byte limit", path: display())
        }
        let region = try SystemCalls.map(fd, length: info.size, display: display())
        defer { SystemCalls.unmap(region) }
        return try body(region)
    }

    /// Throws `.wrongType` unless the open descriptor `fd` is a regular file (one `fstat`).
    private static func requireRegularFile(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError) {
        guard try SystemCalls.stat(fd, display: display()).isFile else { throw notARegularFile(display()) }
    }

    /// The error for a node read as a file that is not a regular file.
    static func notARegularFile(_ path: String) -> SweepError {
        SweepError(
            .wrongType, "not a regular file where the registry layout has one; what it may hold is kept", path: path)
    }

    /// `body` runs on the executor's thread, chunk by chunk.
    public func stream(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> FileInfo {
        try await executor.run { () throws(SweepError) in try streamed(path, chunkSize: chunkSize, body) }
    }

    /// ``stream(_:chunkSize:_:)`` on the calling thread.
    private func streamed(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) throws(SweepError) -> FileInfo {
        let display = absolute(path)
        let fd = try SystemCalls.openFile(rootFD, checked(path), display: display)
        defer { SystemCalls.close(fd) }
        let info = try SystemCalls.stat(fd, display: display)
        guard info.isFile else { throw Self.notARegularFile(display) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 4096), alignment: 64)
        defer { buffer.deallocate() }
        var offset = 0
        while true {
            let count = try SystemCalls.read(fd, into: buffer, at: offset, display: display)
            if count == 0 { break }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            offset += count
        }
        var result = info
        result.size = offset
        return result
    }

    public func stat(_ path: String) async throws(SweepError) -> FileInfo {
        try await executor.run { () throws(SweepError) in try blockingStat(path) }
    }

    /// ``stat(_:)`` on the calling thread, which must be one of the ``executor``'s, as for
    /// ``blockingList(_:)``.
    package func blockingStat(_ path: String) throws(SweepError) -> FileInfo {
        assert(executor.isCurrent, "blocking I/O off the backend's executor")
        return try SystemCalls.stat(rootFD, checked(path), display: absolute(path))
    }

    public func removeFile(_ path: String) async throws(SweepError) {
        try await executor.run { () throws(SweepError) in
            let relative = try checked(path)
            try checkParents(relative)
            try SystemCalls.unlink(rootFD, relative, directory: false, display: absolute(path))
        }
    }

    /// Depth-first, one directory descriptor open per level, all in one ``IOExecutor/run(_:)``.
    ///
    /// - Throws: `.invalidStore` without removing anything if a parent of `path` below the root
    ///   is a symbolic link; a missing `path` (or parent) is not an error.
    public func removeTree(_ path: String) async throws(SweepError) {
        try await executor.run { () throws(SweepError) in
            do throws(SweepError) {
                try checkParents(checked(path))
            } catch  where error.code == .notFound {
                return
            }
            try removeTreeBelow(path)
        }
    }

    /// ``removeTree(_:)`` once the parents are known to be directories: children come from a
    /// listing that reports symlinks as such, so the recursion never passes through one.
    private func removeTreeBelow(_ path: String) throws(SweepError) {
        let relative = try checked(path)
        let info: FileInfo
        do {
            info = try SystemCalls.stat(rootFD, relative, display: absolute(path))
        } catch  where error.code == .notFound {
            return
        }
        if !info.isDirectory {
            try SystemCalls.unlink(rootFD, relative, directory: false, display: absolute(path))
            return
        }
        for entry in try blockingList(path) {
            let child = "\(path)/\(entry.name)"
            if entry.kind == .directory {
                try removeTreeBelow(child)
            } else {
                // Files and symlinks alike: unlink removes the link, never its target.
                do {
                    try SystemCalls.unlink(rootFD, child, directory: false, display: absolute(child))
                } catch  where error.code == .notFound {}
            }
        }
        do {
            try SystemCalls.unlink(rootFD, relative, directory: true, display: absolute(path))
        } catch  where error.code == .notFound {}
    }

    public func removeEmptyDirectory(_ path: String) async throws(SweepError) -> Bool {
        try await executor.run { () throws(SweepError) in
            let relative = try checked(path)
            try checkParents(relative)
            do throws(SweepError) {
                try SystemCalls.unlink(rootFD, relative, directory: true, display: absolute(path))
                return true
            } catch  where error.errno == ENOTEMPTY || error.errno == EEXIST {
                return false
            }
        }
    }

    /// Throws unless every parent of `relative` below the root is a real directory.
    ///
    /// `openat`-family calls refuse a symlink only as the final component and follow it anywhere
    /// else, so `repositories/app/_layers -> /elsewhere` would let a removal reach outside the
    /// store. One `fstatat` per component; removals are rare next to reads, which stay single calls.
    /// (A link swapped in after the check is a race with someone who can already write the store.)
    ///
    /// - Throws: `.invalidStore` naming the offending parent, `.notFound` if a parent is missing.
    private func checkParents(_ relative: String) throws(SweepError) {
        var slash = relative.firstIndex(of: "/")
        while let end = slash {
            let parent = String(relative[..<end])
            let info = try SystemCalls.stat(rootFD, parent, display: absolute(parent))
            guard info.isDirectory else {
                throw SweepError(
                    .invalidStore, "not removed: a parent is a symbolic link or not a directory, and is never followed",
                    path: absolute(parent))
            }
            slash = relative[relative.index(after: end)...].firstIndex(of: "/")
        }
    }

    // MARK: Writing (filesystem only: generator, baselines, quarantine, lock)

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, then rename.
    ///
    /// - Parameters:
    ///   - path: the file, relative to the root.
    ///   - bytes: the whole content.
    ///   - durable: fsync the file before the rename.
    ///   - createDirectories: create missing parent directories first.
    public func writeAtomically(
        _ path: String, _ bytes: UnsafeRawBufferPointer, durable: Bool = false, createDirectories: Bool = true
    )
        throws(SweepError)
    {
        let relative = try checked(path)
        if createDirectories { try makeParents(of: relative) }
        let temporary = "\(relative).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = try SystemCalls.createFile(rootFD, temporary, display: absolute(temporary), exclusive: true)
        do {
            try SystemCalls.writeAll(fd, bytes, display: absolute(temporary))
            if durable { try SystemCalls.sync(fd, display: absolute(temporary)) }
            SystemCalls.close(fd)
            try SystemCalls.rename(rootFD, temporary, relative, display: absolute(path))
        } catch {
            SystemCalls.close(fd)
            _ = unlinkat(rootFD, temporary, 0)
            throw error
        }
    }

    /// Writes `bytes` to `path` directly (creating parents); for bulk generation.
    public func write(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(SweepError) {
        let relative = try checked(path)
        let fd: Int32
        do {
            fd = try SystemCalls.createFile(rootFD, relative, display: absolute(path))
        } catch  where error.code == .notFound {
            try makeParents(of: relative)
            fd = try SystemCalls.createFile(rootFD, relative, display: absolute(path))
        }
        defer { SystemCalls.close(fd) }
        try SystemCalls.writeAll(fd, bytes, display: absolute(path))
    }

    /// Writes the bytes of an array to `path` directly (creating parents), like the buffer form.
    public func write(_ path: String, _ bytes: [UInt8]) throws(SweepError) {
        var failure: SweepError?
        bytes.withUnsafeBytes { raw in
            do throws(SweepError) {
                try write(path, raw)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }

    /// Creates `path` and its missing parents as directories.
    public func makeDirectories(_ path: String) throws(SweepError) {
        let relative = try checked(path)
        var prefix = ""
        for component in relative.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : "\(prefix)/\(component)"
            try SystemCalls.makeDirectory(rootFD, prefix, display: absolute(prefix))
        }
    }

    /// Moves `path` to `destination` within the root (same filesystem).
    public func move(_ path: String, to destination: String) throws(SweepError) {
        let target = try checked(destination)
        try makeParents(of: target)
        try SystemCalls.rename(rootFD, checked(path), target, display: absolute(path))
    }

    /// Sets a path's modification time (seconds since 1970).
    public func setModificationTime(_ path: String, seconds: Int) throws(SweepError) {
        try SystemCalls.setModificationTime(rootFD, checked(path), seconds: seconds, display: absolute(path))
    }

    /// Sets a path's modification time exactly (nanoseconds since 1970).
    public func setModificationTime(_ path: String, nanoseconds: Int64) throws(SweepError) {
        try SystemCalls.setModificationTime(
            rootFD, checked(path), nanoseconds: nanoseconds, display: absolute(path))
    }

    /// Moves `path` out of this root to `destination` under `target`'s root with one `renameat`.
    ///
    /// Nothing is copied: both roots must be on one filesystem, else this fails with `.io`
    /// (`EXDEV`) and nothing moves. An existing non-empty directory at `destination` is never
    /// replaced (`renameat` refuses); `destination`'s parent must exist.
    ///
    /// - Parameters:
    ///   - path: the file or directory to move, relative to this root.
    ///   - target: the backend whose root receives it.
    ///   - destination: the new path, relative to `target`'s root.
    /// - Throws: `.notFound`, `.permissionDenied`, or `.io` (with the `renameat` errno).
    public func move(_ path: String, to target: FileSystemBackend, at destination: String) throws(SweepError) {
        try SystemCalls.rename(
            rootFD, checked(path), to: target.rootFD, target.checked(destination),
            display: "\(absolute(path)) -> \(target.absolute(destination))")
    }

    /// Creates the missing parents of `relative`, deepest first: one `mkdirat` when only the
    /// last level is missing (the common case in bulk writes), never a walk from the root.
    private func makeParents(of relative: String) throws(SweepError) {
        guard let slash = relative.lastIndex(of: "/") else { return }
        let parent = String(relative[..<slash])
        do {
            try SystemCalls.makeDirectory(rootFD, parent, display: absolute(parent))
        } catch  where error.code == .notFound {
            try makeParents(of: parent)
            try SystemCalls.makeDirectory(rootFD, parent, display: absolute(parent))
        }
    }
}
