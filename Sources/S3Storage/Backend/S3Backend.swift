import RegistrySweep

/// A registry store in an S3 or S3-compatible bucket, behind the storage seam: scan, collect,
/// delete and verify run on it unchanged.
///
/// How the directory model maps onto keys (`rootdirectory/docker/registry/v2/...`):
/// - a **directory** is a key prefix ending in `/`: it exists while some key lies below it;
///   its modification time is the latest last-modified time below it (a write anywhere below
///   makes it "changed", as a new entry changes a directory on disk);
/// - **listing** is ListObjectsV2; in a ``scanView()`` (what a scan and its planning read
///   through) each blob shard and each repository's `_manifests`, `_layers` and `_uploads` are
///   listed flat (no delimiter), 1,000 keys a request and many requests at once, when first
///   read, and every `list` and `stat` below them is answered from that listing (the parts of
///   the repositories being read are kept, not the whole tree); the names above the parts
///   (namespaces, repositories) are listed live with a delimiter; the backend itself reads the
///   bucket as it is now;
/// - **reads** are GetObject, many in flight; a key that is also a prefix of other keys (`a` and
///   `a/b`) is a node of the wrong type;
/// - **removals** list what is below a path, leave whatever was written after the cutoff, and
///   delete the rest with DeleteObjects (up to 1,000 keys a request, shared by concurrent
///   removals: ``DeleteBatcher``), checking every key's answer; an ordered removal (`last`)
///   deletes its last key only after the others are acknowledged;
/// - **checks** of a sweep read through views: a revalidation through a new ``snapshotView()``
///   (the repositories tree listed once, flat), a blob's checks of one repository through
///   ``liveView(below:)`` (that repository listed once);
/// - **times**: S3 reports last-modified to the second from the server's clock, so every time
///   is widened by ``S3Configuration/clockAllowance``: an object never looks older than it is.
///
/// Secrets never appear in ``displayName``, errors or reports.
public struct S3Backend: StorageBackend {
    /// The configuration the backend was opened with.
    public let configuration: S3Configuration
    let client: S3Client
    /// Shared DeleteObjects requests of concurrent removals (shared by every view of the backend).
    let deletions: DeleteBatcher
    /// Read tasks alive at once across every ``forEachDigestFile(in:_:leaf:limit:_:)`` of the
    /// backend and its views (shared): twice the requests in flight. A task holds the memory of
    /// its frames until its result is taken: without a shared bound every scan walk kept a window
    /// of 32 (up to 1,024 tasks at the default 32, most of them waiting for a request slot;
    /// bounding them took 7 MB off the peak RSS of a 50k-blob scan).
    let readSlots: RequestLimiter
    /// Real runs take no lock (`--no-lock`): the operator accepts the risk of two runs at once.
    public var lockingDisabled = false

    /// The listings of a ``snapshotView()``; `nil` for the backend itself (every read is live).
    let listings: ListingSnapshot?

    /// Opens the store (no request is made until the first call).
    public init(_ configuration: S3Configuration) {
        self.configuration = configuration
        client = S3Client(configuration)
        deletions = DeleteBatcher(client: client)
        readSlots = RequestLimiter(width: 2 * max(1, configuration.concurrency))
        listings = nil
    }

    private init(_ backend: S3Backend, listings: ListingSnapshot) {
        configuration = backend.configuration
        client = backend.client
        deletions = backend.deletions
        readSlots = backend.readSlots
        lockingDisabled = backend.lockingDisabled
        self.listings = listings
    }

    /// `s3://bucket/root`.
    public var displayName: String { configuration.location.description }

    /// Requests sent so far (retries included), and how many of them were retries.
    public var requestCounts: (requests: Int, retries: Int) {
        (client.requestCount.load(ordering: .relaxed), client.retryCount.load(ordering: .relaxed))
    }

    /// Link reads answered from a listing's ETag instead of a GET (``provenLinkContent(_:)``).
    public var provenLinks: Int { client.provenLinkCount.load(ordering: .relaxed) }

    var location: S3Location { configuration.location }

    /// The key of a store path.
    func key(_ path: String) -> String { location.key(path) }

    /// An object's modification time as the backend reports it: widened (see the type's notes).
    func widened(_ lastModified: Double) -> Double { lastModified + configuration.clockAllowance }

    /// Throws `.invalidArgument` for a path that could leave the root.
    func check(_ path: String) throws(SweepError) {
        guard path.isEmpty || StorePath.isSafe(path) else {
            throw SweepError(.invalidArgument, "unsafe store path (empty, '.' or '..' component)", path: path)
        }
    }

    /// A view whose `list` and `stat` in blob shards and the repositories tree are answered from
    /// flat listings it makes once, when first asked; every other call reads the bucket now. A
    /// view's view is itself.
    public func snapshotView() -> any StorageBackend {
        listings == nil ? S3Backend(self, listings: ListingSnapshot(.snapshot)) : self
    }

    /// A view whose `list` and `stat` in blob shards and in each repository's `_manifests`,
    /// `_layers` and `_uploads` are answered from flat listings of those it makes when first
    /// asked; it keeps every shard's and the ``scanPartCapacity`` parts read last (a part asked
    /// for again after it was dropped is listed again, as it is then). Every other call reads the
    /// bucket now. A view's view is itself.
    public func scanView() -> any StorageBackend {
        listings == nil ? S3Backend(self, listings: ListingSnapshot(.scan, partCapacity: scanPartCapacity)) : self
    }

    /// The most repository-part listings a ``scanView()`` keeps: four for each request in
    /// flight (a scan reads up to three parts of each repository it walks at once).
    var scanPartCapacity: Int { max(64, 4 * configuration.concurrency) }

    /// True: a directory's time is the latest of the keys below it, known only from a listing.
    public var statsDirectoriesByListing: Bool { true }

    /// A view whose `list` and `stat` of `directory` and below are answered from one flat listing
    /// of `directory`, made when first asked; every other call reads the bucket now.
    public func liveView(below directory: String) -> any StorageBackend {
        listings == nil ? S3Backend(self, listings: ListingSnapshot(.scoped(directory))) : self
    }

    // MARK: Reads

    public func list(_ path: String) async throws(SweepError) -> [DirectoryEntry] {
        try check(path)
        if let (listing, _, relative) = try await snapshotListing(for: path) {
            if let entries = listing.children(of: relative) { return entries }
            if case .file = listing.lookup(relative) {
                throw SweepError(.wrongType, "not a directory (an object)", path: path)
            }
            // A blob shard the top-level listing named but that holds nothing (a store with real
            // directories keeps emptied ones) is an empty directory. The repositories tree stays
            // "absent" when empty: the scan decides what that means.
            if relative.isEmpty && path.hasPrefix(StorePath.blobShards + "/") { return [] }
            throw SweepError(.notFound, "no such directory", path: path)
        }
        return try await listLive(path)
    }

    public func withContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        let bytes = try await read(path, limit: limit)
        let result: Result<R, SweepError> = bytes.withUnsafeBytes { buffer in
            do throws(SweepError) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The object at `path`, telling a missing key from a prefix of keys (wrong type); a link
    /// whose content the snapshot's listing proves is not fetched (``provenLinkContent(_:)``).
    func read(_ path: String, limit: Int) async throws(SweepError) -> [UInt8] {
        try check(path)
        if let proven = await provenLinkContent(path), proven.count <= limit { return proven }
        do {
            return try await client.getObject(key(path), limit: limit, path: path)
        } catch  where error.code == .notFound {
            if try await isPrefix(path) {
                throw SweepError(.wrongType, "not a file (a prefix of other objects)", path: path)
            }
            throw error
        }
    }

    /// Reads many objects at once and hands them to `body` in `digests`' order: a window of at
    /// most `concurrency` reads ahead of the one handed over last, each a task that holds one of
    /// the backend's shared ``readSlots`` until its result is taken. A walk waits for a slot only
    /// when it holds none (no read of its own running), else it takes its next result first, so
    /// walks holding every slot always make progress.
    public func forEachDigestFile(
        in directory: String, _ digests: [Digest], leaf: String, limit: Int,
        _ body: (Int, Result<UnsafeRawBufferPointer, SweepError>) -> Void
    ) async {
        let window = max(1, configuration.concurrency)
        await withTaskGroup(of: (Int, Result<[UInt8], SweepError>).self) { group in
            var arrived: [Int: Result<[UInt8], SweepError>] = [:]
            var started = 0
            var delivered = 0
            var running = 0
            while delivered < digests.count {
                if started < digests.count && started - delivered < window {
                    var slot = readSlots.tryAcquire()
                    if !slot && running == 0 {
                        await readSlots.acquire()
                        slot = true
                    }
                    if slot {
                        let index = started
                        let path = "\(directory)/\(digests[index].hex)/\(leaf)"
                        group.addTask {
                            await Self.indexed(index) { () async throws(SweepError) in
                                try await read(path, limit: limit)
                            }
                        }
                        started += 1
                        running += 1
                        continue
                    }
                }
                // Pairs made by `indexed(_:_:)`: see there (a release-build miscompile).
                guard let (index, result) = await group.next() else { break }
                running -= 1
                readSlots.release()
                arrived[index] = result
                while let next = arrived.removeValue(forKey: delivered) {
                    switch next {
                    case .success(let bytes): bytes.withUnsafeBytes { body(delivered, .success($0)) }
                    case .failure(let error): body(delivered, .failure(error))
                    }
                    delivered += 1
                }
            }
        }
    }

    public func stream(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> FileInfo {
        try check(path)
        let info = try await stat(path)
        guard info.isFile else { throw SweepError(.wrongType, "not a file", path: path) }
        let streamed = try await client.streamObject(key(path), chunkSize: chunkSize, path: path, body)
        guard streamed == info.size else {
            throw SweepError(.io, "S3 GetObject gave \(streamed) bytes, the listing \(info.size)", path: path)
        }
        return info
    }

    public func stat(_ path: String) async throws(SweepError) -> FileInfo {
        try check(path)
        if let (listing, _, relative) = try await snapshotListing(for: path) {
            switch listing.lookup(relative) {
            case .file(let size, let modified, let tag):
                return FileInfo(size: size, modified: modified, isFile: true, isDirectory: false, contentTag: tag)
            case .directory(let latest): return FileInfo(size: 0, modified: latest, isFile: false, isDirectory: true)
            case .conflict: return FileInfo(size: 0, modified: Timestamp.now(), isFile: false, isDirectory: false)
            case .absent: throw SweepError(.notFound, "no such object or prefix", path: path)
            }
        }
        return try await statLive(path)
    }

    // MARK: Writes

    /// Writes the object at `path` with one PutObject, as the registry's driver writes a file
    /// (for tests and tools; the collector never writes an object but its lock).
    ///
    /// - Throws: `.invalidArgument` for an unsafe path; the request's errors, or `.io` for an
    ///   answer other than success.
    package func putObject(_ path: String, _ body: [UInt8]) async throws(SweepError) {
        try check(path)
        let response = try await client.putObject(key(path), body: body, ifNoneMatch: false, path: path)
        guard response.isSuccess else {
            throw SweepError(.io, "S3 PutObject answered HTTP \(response.status)", path: path)
        }
    }

    // MARK: Incomplete uploads

    public func incompleteUploads() async throws(SweepError) -> [IncompleteUpload] {
        let prefix = location.rootDirectory.isEmpty ? "" : location.rootDirectory + "/"
        return try await client.listMultipartUploads(prefix: prefix, path: displayName).compactMap { upload in
            guard let path = location.path(ofKey: upload.key) else { return nil }
            return IncompleteUpload(path: path, id: upload.uploadID, initiated: upload.initiated)
        }
    }

    public func abortIncompleteUpload(_ upload: IncompleteUpload) async throws(SweepError) {
        try check(upload.path)
        try await client.abortMultipartUpload(key(upload.path), uploadID: upload.id, path: upload.path)
    }
}
