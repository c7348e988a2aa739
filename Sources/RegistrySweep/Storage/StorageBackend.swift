/// The seam between the registry model and where the store lives.
///
/// The scanner, mark and sweep talk to a store only through this protocol, with
/// `/`-separated paths relative to the store root (the storage driver's
/// `rootdirectory`, so paths start with `docker/registry/v2/`). A filesystem
/// implementation ships; an object store (S3: list = ListObjectsV2 with a delimiter,
/// read = GetObject, delete = DeleteObject) can be added without touching mark/sweep.
///
/// Contract for every implementation:
/// - never resolve a path outside the root, and never follow symbolic links;
/// - report failures as `SweepError` naming the path: `.notFound` only for a path that is
///   absent, `.wrongType` for a node that is there but of the wrong type (a file where a
///   directory is listed or the reverse, a symbolic link, a FIFO, socket or device read as a
///   file); callers take `.notFound` as "nothing there" and must never get it for a node that is;
/// - never block on a FIFO or device;
/// - be safe to call concurrently from many tasks;
/// - take the store's exclusive lock in ``lock()``, or throw there: a run that modifies the
///   store never proceeds without it.
public protocol StorageBackend: Sendable {
    /// A human-readable name of the store (its root path or URL), for messages.
    var displayName: String { get }

    /// Where tasks that make many calls on this backend should run, or `nil` for anywhere.
    ///
    /// A backend that blocks threads (``FileSystemBackend``) runs its calls on threads of its
    /// own; a task started with this executor as its preference
    /// (`group.addTask(executorPreference: backend.taskExecutor)`) runs there too, so its calls
    /// need no thread hop. Purely a performance hint: every call works from any task. The
    /// default is `nil`.
    var taskExecutor: (any TaskExecutor)? { get }

    /// Lists the entries directly under `path`.
    ///
    /// - Throws: `.notFound` if `path` does not exist, `.wrongType` if it (or a component) is
    ///   not a directory or is a symbolic link, other codes on failure.
    func list(_ path: String) async throws(SweepError) -> [DirectoryEntry]

    /// Lists the entries directly under `path`, digest-named directories as digests.
    ///
    /// - Throws: as ``list(_:)``.
    func listDigests(_ path: String) async throws(SweepError) -> DigestListing

    /// Calls `body` with the whole content of the object at `path`.
    ///
    /// - Parameters:
    ///   - path: the object.
    ///   - limit: the largest size accepted; larger objects throw `.invalidArgument`
    ///     before anything is read.
    ///   - body: works on the bytes, which are valid only during the call.
    /// - Throws: `.notFound`, `.wrongType` (not a regular file, or a symbolic link),
    ///   `.permissionDenied`, `.io`, or what `body` throws.
    func withContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) async throws(SweepError) -> R

    /// ``withContents(of:limit:_:)``, and the object's information as of that read: what a
    /// retention run needs of a tag's `current/link` (the digest and when it was pushed).
    ///
    /// The information is taken after the bytes (the filesystem: `fstat` of the descriptor just
    /// read; the default: a ``stat(_:)`` of the path after the read), so a rewrite in between
    /// shows a later time, never an earlier one. `nil` when it could not be read: the bytes
    /// are still given.
    ///
    /// - Throws: as ``withContents(of:limit:_:)``.
    func withContentsAndInfo<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer, FileInfo?) throws(SweepError) -> R
    ) async throws(SweepError) -> R

    /// Calls `body` with the content of `directory/<hex>/<leaf>` for each digest of
    /// `digests`, in order: the many small reads of a scan (revision links, manifests in a
    /// blob shard) as one call.
    ///
    /// Same results as ``withContents(of:limit:_:)`` on each path (the default does exactly
    /// that); a backend may do it with less work per file.
    ///
    /// - Parameters:
    ///   - directory: the directory holding one subdirectory per digest (`<hex>`).
    ///   - digests: the digests to read, in order.
    ///   - leaf: one path component (`link`, `data`).
    ///   - limit: the largest size accepted per file, as in ``withContents(of:limit:_:)``.
    ///   - body: the digest's index in `digests` and the file's bytes (valid only during the
    ///     call), or the error reading it, named by its path.
    func forEachDigestFile(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) async

    /// Streams the object at `path` to `body` in chunks of at most `chunkSize` bytes.
    ///
    /// - Returns: the object's size and modification time as read.
    /// - Throws: as ``withContents(of:limit:_:)``.
    func stream(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> FileInfo

    /// The size and modification time of `path`.
    func stat(_ path: String) async throws(SweepError) -> FileInfo

    /// ``stat(_:)`` of `directory/<hex>/<leaf>` for each digest of `digests`: the many stats
    /// of a plan (layer links, tag-history links, unreferenced blobs) as one call.
    ///
    /// Same results as ``stat(_:)`` on each path (the default does exactly that); a backend
    /// may do it with less work per file.
    ///
    /// - Parameters:
    ///   - directory: the directory holding one subdirectory per digest (`<hex>`).
    ///   - digests: the digests, in order.
    ///   - leaf: one path component (`link`, `data`).
    /// - Returns: per digest, in order, its file's information or the error, named by its path.
    func statDigestFiles(in directory: String, _ digests: [Digest], leaf: String) async -> [Result<
        FileInfo, SweepError
    >]

    /// Removes one object (a file).
    func removeFile(_ path: String) async throws(SweepError)

    /// Removes `path` and everything under it, without following links.
    func removeTree(_ path: String) async throws(SweepError)

    /// Removes the directory `path` if it is empty.
    ///
    /// - Returns: false if it was not empty (nothing removed).
    func removeEmptyDirectory(_ path: String) async throws(SweepError) -> Bool

    /// A view of the store rooted at `directory`: paths given to it are relative to that
    /// directory. Lets a backend resolve the directory once for many reads below it.
    ///
    /// - Throws: `.notFound` and other errors opening the directory.
    func subdirectory(_ directory: String) async throws(SweepError) -> any StorageBackend

    /// Takes the store's exclusive lock, which keeps two regsweep runs from modifying one store
    /// at once; it is held until the returned handle is released or deallocated.
    ///
    /// Every run that removes anything calls this first (dry runs do not). The default throws:
    /// a backend that cannot lock makes every real run refuse, never sweep unlocked.
    ///
    /// - Returns: the handle that holds the lock.
    /// - Throws: `.locked` if another run holds the lock; the default implementation throws
    ///   `.invalidArgument` ("this backend cannot lock the store"); other codes on failure.
    func lock() async throws(SweepError) -> StoreLockHandle

    /// Removes `path` and everything below it except files modified after `cutoff`; a directory
    /// goes only once it is empty. The one removal primitive of a sweep (see the default
    /// implementation for the full contract); a backend overrides it to remove with fewer calls
    /// (an object store: one listing and one batch delete) under the same contract.
    ///
    /// - Returns: true if `path` is gone (or was already absent).
    func removeUnlessYoung(_ path: String, modifiedAfter cutoff: Double, last: String?) async throws(SweepError) -> Bool

    /// A view of this store for one scan and the planning that follows it, whose `list` and
    /// `stat` may be answered from listings the view made earlier: an object store lists its keys
    /// once, flat, and answers the many `list` and `stat` calls of a scan from that listing.
    ///
    /// A sweep's revalidation reads through a new view each time; the scan reads through a
    /// ``scanView()`` and hands it on in ``StoreSnapshot`` for the planner; the removal checks of
    /// a sweep read the store itself, as it is now. A view's own `snapshotView()` is itself. The
    /// default is `self`.
    func snapshotView() -> any StorageBackend

    /// A view for one scan and the planning that follows it: like ``snapshotView()``, but it may
    /// keep only the listings the scan is reading at the time (an object store lists each
    /// repository's `_manifests`, `_layers` and `_uploads` when the scan first reads there, keeps
    /// a bounded number of those listings, and lists again one it dropped), so that its memory
    /// does not grow with the repositories tree. A read through it is never older than the
    /// scan's start. The default is ``snapshotView()``.
    func scanView() -> any StorageBackend

    /// True when a directory's time comes from listing everything below it (an object store,
    /// which has no directories), so that watching a large directory costs a listing, not one
    /// `stat`: a dry run then reports as of its scan, without the recheck that would list the
    /// store again (see ``Collector/run(snapshot:)``). The default is false.
    var statsDirectoriesByListing: Bool { get }

    /// A view of the store as it is now for several checks below `directory` in a row (a
    /// sweep's checks of one repository right before a removal), whose `list` and `stat` of
    /// `directory` and below may be answered from one listing of `directory` made when first
    /// asked: an object store lists its keys once instead of once per path. Every other call, and
    /// every call on the store itself, reads the store now. Make one per check, never keep it.
    /// The default is `self`.
    func liveView(below directory: String) -> any StorageBackend

    /// Uploads the storage driver started but never completed that are invisible to ``list(_:)``
    /// (an object store's incomplete multipart uploads), for the uploads phase of a collect.
    /// The default (a filesystem keeps every upload under `_uploads`) returns none.
    func incompleteUploads() async throws(SweepError) -> [IncompleteUpload]

    /// Aborts one of ``incompleteUploads()``, freeing what its parts occupy.
    ///
    /// - Throws: `.notFound` if it is gone already; the default throws `.invalidArgument`.
    func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(SweepError)
}

/// An upload the storage driver began below the store's root and never completed, which the
/// store's listings do not show (an S3 multipart upload).
public struct IncompleteUpload: Sendable, Hashable, Codable {
    /// The key it would have written, relative to the store root.
    public var path: String
    /// The store's identifier of the upload.
    public var id: String
    /// When it was started, seconds since 1970.
    public var initiated: Double

    /// Creates one.
    public init(path: String, id: String, initiated: Double) {
        self.path = path
        self.id = id
        self.initiated = initiated
    }
}

extension StorageBackend {
    /// No preference: the backend does not block threads.
    public var taskExecutor: (any TaskExecutor)? { nil }

    /// Runs `operation` with ``taskExecutor`` as the task's executor preference (as is, when
    /// `nil`): the operation and the child tasks it starts then make their calls on this backend
    /// without a thread hop each. The entry points of scan, collect, delete and verify run so.
    ///
    /// - Throws: what `operation` throws.
    package func onTaskExecutor<T>(_ operation: () async throws(SweepError) -> T) async throws(SweepError) -> T {
        try await withTaskExecutorPreference(taskExecutor, operation: operation)
    }

    /// The generic digest listing: ``list(_:)``, then split.
    public func listDigests(_ path: String) async throws(SweepError) -> DigestListing {
        DigestListing(try await list(path))
    }

    /// The generic batch read: ``withContents(of:limit:_:)`` on each file.
    public func forEachDigestFile(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) async {
        await readDigestFilesOneByOne(in: directory, digests, leaf: leaf, limit: limit, body)
    }

    /// The generic read with information: the bytes, then ``stat(_:)`` of the path.
    public func withContentsAndInfo<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer, FileInfo?) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        let bytes = try await withContents(of: path, limit: limit) { Array($0) }
        let info = try? await stat(path)
        let result: Result<R, SweepError> = bytes.withUnsafeBytes { buffer in
            do throws(SweepError) { return .success(try body(buffer, info)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The generic batch stat: ``stat(_:)`` on each file.
    public func statDigestFiles(in directory: String, _ digests: [Digest], leaf: String) async -> [Result<
        FileInfo, SweepError
    >] {
        var results: [Result<FileInfo, SweepError>] = []
        results.reserveCapacity(digests.count)
        for digest in digests {
            do throws(SweepError) {
                results.append(.success(try await stat("\(directory)/\(digest.hex)/\(leaf)")))
            } catch {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// ``forEachDigestFile(in:_:leaf:limit:_:)`` as ``withContents(of:limit:_:)`` on each
    /// `directory/<hex>/<leaf>`: the default, and a backend's fallback when its fast path
    /// cannot be taken.
    func readDigestFilesOneByOne(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) async {
        for (index, digest) in digests.enumerated() {
            do throws(SweepError) {
                try await withContents(of: "\(directory)/\(digest.hex)/\(leaf)", limit: limit) { bytes in
                    body(index, .success(bytes))
                }
            } catch {
                body(index, .failure(error))
            }
        }
    }

    /// The default lock: none. Throws `.invalidArgument`, so a real (non-dry) run on a backend
    /// that cannot lock refuses before it changes anything.
    public func lock() async throws(SweepError) -> StoreLockHandle {
        throw SweepError(
            .invalidArgument,
            "this backend cannot lock the store, so a real run could race another regsweep run; nothing was changed: "
                + "run a dry run, or use a backend that implements lock()",
            path: displayName)
    }

    /// No listing snapshot: the store itself, read as it is.
    public func snapshotView() -> any StorageBackend { self }

    /// The ``snapshotView()``.
    public func scanView() -> any StorageBackend { snapshotView() }

    /// False: a directory is stat'ed with one call.
    public var statsDirectoriesByListing: Bool { false }

    /// No listing: the store itself, read as it is.
    public func liveView(below directory: String) -> any StorageBackend { self }

    /// None: every upload is under `_uploads`.
    public func incompleteUploads() async throws(SweepError) -> [IncompleteUpload] { [] }

    /// Throws `.invalidArgument`: this backend has no incomplete uploads to abort.
    public func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(SweepError) {
        throw SweepError(.invalidArgument, "this backend has no incomplete uploads", path: upload.path)
    }

    /// The generic view: prefixes every path.
    public func subdirectory(_ directory: String) async throws(SweepError) -> any StorageBackend {
        PrefixedBackend(base: self, prefix: directory)
    }
}

/// A backend whose paths are relative to a prefix of another backend's.
struct PrefixedBackend: StorageBackend {
    let base: any StorageBackend
    let prefix: String

    var displayName: String { "\(base.displayName)/\(prefix)" }
    var taskExecutor: (any TaskExecutor)? { base.taskExecutor }
    private func full(_ path: String) -> String { path.isEmpty ? prefix : "\(prefix)/\(path)" }

    func list(_ path: String) async throws(SweepError) -> [DirectoryEntry] { try await base.list(full(path)) }
    func listDigests(_ path: String) async throws(SweepError) -> DigestListing {
        try await base.listDigests(full(path))
    }
    func withContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        try await base.withContents(of: full(path), limit: limit, body)
    }
    func stream(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> FileInfo {
        try await base.stream(full(path), chunkSize: chunkSize, body)
    }
    func withContentsAndInfo<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer, FileInfo?) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        try await base.withContentsAndInfo(of: full(path), limit: limit, body)
    }
    func forEachDigestFile(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) async {
        await base.forEachDigestFile(in: full(directory), digests, leaf: leaf, limit: limit, body)
    }
    func stat(_ path: String) async throws(SweepError) -> FileInfo { try await base.stat(full(path)) }
    func statDigestFiles(in directory: String, _ digests: [Digest], leaf: String) async -> [Result<
        FileInfo, SweepError
    >] {
        await base.statDigestFiles(in: full(directory), digests, leaf: leaf)
    }
    func removeFile(_ path: String) async throws(SweepError) { try await base.removeFile(full(path)) }
    func removeTree(_ path: String) async throws(SweepError) { try await base.removeTree(full(path)) }
    func removeEmptyDirectory(_ path: String) async throws(SweepError) -> Bool {
        try await base.removeEmptyDirectory(full(path))
    }
    /// Locks the whole base store: a view never modifies it unlocked.
    func lock() async throws(SweepError) -> StoreLockHandle { try await base.lock() }
    func removeUnlessYoung(_ path: String, modifiedAfter cutoff: Double, last: String?) async throws(SweepError) -> Bool
    {
        try await base.removeUnlessYoung(full(path), modifiedAfter: cutoff, last: last)
    }
    func snapshotView() -> any StorageBackend { PrefixedBackend(base: base.snapshotView(), prefix: prefix) }
    func scanView() -> any StorageBackend { PrefixedBackend(base: base.scanView(), prefix: prefix) }
    var statsDirectoriesByListing: Bool { base.statsDirectoriesByListing }
    func liveView(below directory: String) -> any StorageBackend {
        PrefixedBackend(base: base.liveView(below: full(directory)), prefix: prefix)
    }
}

/// Store-relative path helpers: the registry's key layout in one place.
public enum StorePath {
    /// The registry's v2 prefix under the root directory.
    public static let v2 = "docker/registry/v2"
    /// `blobs/sha256`.
    public static let blobShards = "docker/registry/v2/blobs/sha256"
    /// The repositories tree.
    public static let repositories = "docker/registry/v2/repositories"

    /// The name of blob shard `index` (0–255): two lowercase hex digits, `00` … `ff`, the
    /// first byte of the digests it holds.
    public static func blobShardName(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return hex.count == 1 ? "0" + hex : hex
    }

    /// The directory of one blob.
    public static func blobDirectory(_ digest: Digest) -> String {
        let hex = digest.hex
        return "\(blobShards)/\(hex.prefix(2))/\(hex)"
    }

    /// The `data` file of one blob.
    public static func blobData(_ digest: Digest) -> String { blobDirectory(digest) + "/data" }

    /// A repository's directory.
    public static func repository(_ name: String) -> String { "\(repositories)/\(name)" }

    /// A manifest revision's directory in a repository.
    public static func revision(_ name: String, _ digest: Digest) -> String {
        "\(repositories)/\(name)/_manifests/revisions/sha256/\(digest.hex)"
    }

    /// A tag's directory.
    public static func tag(_ name: String, _ tag: String) -> String {
        "\(repositories)/\(name)/_manifests/tags/\(tag)"
    }

    /// A tag-history (index) entry's directory.
    public static func tagIndexEntry(_ name: String, _ tag: String, _ digest: Digest) -> String {
        "\(repositories)/\(name)/_manifests/tags/\(tag)/index/sha256/\(digest.hex)"
    }

    /// A layer link's directory.
    public static func layerLink(_ name: String, _ digest: Digest) -> String {
        "\(repositories)/\(name)/_layers/sha256/\(digest.hex)"
    }

    /// The repository a store path lies in (`…/repositories/<name>/_…`), or `nil`.
    ///
    /// Repository name components never start with `_`, so the first `/_` ends the name.
    public static func repositoryName(in path: String) -> String? {
        guard let start = path.range(of: repositories + "/") else { return nil }
        let rest = path[start.upperBound...]
        guard let boundary = rest.range(of: "/_") else { return rest.isEmpty ? nil : String(rest) }
        return String(rest[..<boundary.lowerBound])
    }

    /// An upload's directory.
    public static func upload(_ name: String, _ uuid: String) -> String {
        "\(repositories)/\(name)/_uploads/\(uuid)"
    }

    /// True if `path` is a safe relative path: no empty, `.` or `..` component, not absolute.
    ///
    /// Components are split on the `/` byte, as the kernel does.
    ///
    /// - Complexity: one pass over the UTF-8 bytes, no allocation (every backend call checks
    ///   its path, so this runs once per file the scan reads).
    public static func isSafe(_ path: String) -> Bool {
        // Native strings are contiguous UTF-8: scan the bytes, not the view's iterator.
        if let safe = path.utf8.withContiguousStorageIfAvailable({ isSafe(utf8: $0) }) { return safe }
        return isSafe(utf8: path.utf8)
    }

    /// ``isSafe(_:)`` over a path's UTF-8 bytes.
    private static func isSafe<Bytes: Sequence<UInt8>>(utf8 path: Bytes) -> Bool {
        var length = 0
        var onlyDots = true
        var sawAny = false
        for byte in path {
            sawAny = true
            if byte == 0x2F {
                // An empty, "." or ".." component (a leading "/" is an empty first component).
                if length == 0 || (onlyDots && length <= 2) { return false }
                length = 0
                onlyDots = true
            } else {
                length += 1
                if byte != 0x2E { onlyDots = false }
            }
        }
        return sawAny && length > 0 && !(onlyDots && length <= 2)
    }
}
