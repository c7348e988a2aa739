/// Reads a registry store into a ``StoreSnapshot``: concurrently, listing rather than
/// stat'ing, reading each manifest once.
///
/// Phases:
/// 1. **list**: the 256 blob shards, then the repository tree, each in a bounded task group
///    (blob directories are named by their digest, so they are listed, never descended);
/// 2. **parse**: every manifest a revision or tag names, once per digest, then children of
///    indexes not yet read, until none is left;
/// 3. **stat** (only with `statBlobs`): each blob's `data`.
///
/// Nothing stops the scan but an unusable store (see ``scan()``): every other failure becomes
/// a problem in the snapshot, and the part it concerns is marked so that collection keeps it.
/// A node of the wrong type is never taken for an absent one.
public struct StoreScanner: Sendable {
    /// Where the store lives.
    public let backend: any StorageBackend
    /// What to read.
    public let options: ScanOptions

    /// Creates a scanner.
    public init(backend: any StorageBackend, options: ScanOptions = ScanOptions()) {
        self.backend = backend
        self.options = options
    }

    /// Scans the store.
    ///
    /// Refusals (nothing can be proven garbage, so nothing is returned to collect from):
    /// - the root holds no readable `docker/registry/v2` directory;
    /// - `blobs/sha256` cannot be listed (absent is fine: no blobs), or is absent while a
    ///   repository holds revisions, tags or layer links (they would all look dangling), or
    ///   while part of the tree is unreadable;
    /// - `repositories/` cannot be listed (unreadable or of the wrong type), or is absent while
    ///   blobs exist (every blob would look unreferenced). A store with neither is empty, not refused.
    ///
    /// - Returns: the snapshot, with every problem found.
    /// - Throws: `.invalidStore` for each refusal above, or the error that prevents listing
    ///   `blobs/sha256`.
    public func scan() async throws(SweepError) -> StoreSnapshot {
        // Read through a scan view, which the snapshot keeps for the planning that follows.
        let viewed = StoreScanner(backend: backend.scanView(), options: options)
        return try await backend.onTaskExecutor { () async throws(SweepError) in try await viewed.scanOnTaskExecutor() }
    }

    /// ``scan()``, on the backend's task executor.
    private func scanOnTaskExecutor() async throws(SweepError) -> StoreSnapshot {
        var timings: [String: Double] = [:]
        let startedAt = Timestamp.modificationSplit()
        let start = Timestamp.monotonic()
        do {
            _ = try await backend.list(StorePath.v2)
        } catch {
            let reason =
                error.code == .notFound ? "no docker/registry/v2 under the root" : "docker/registry/v2 cannot be read"
            throw SweepError(
                .invalidStore,
                "\(reason): use the storage root directory (the folder holding docker/), or the one the registry's configuration names",
                path: error.code == .notFound ? backend.displayName : "\(backend.displayName)/\(StorePath.v2)",
                syscall: error.syscall, errno: error.errno, cause: error)
        }
        // Blobs first, then repositories: each phase keeps every core busy on its own, and
        // running them one after the other lets both intern into one table as they go.
        var digests = DigestTable()
        var blobs = BitSet()
        let (blobProblems, blobsAbsent) = try await listBlobs(into: &digests, blobs: &blobs)
        try SweepError.checkCancellation("the scan")
        var problems = blobProblems
        let walk = await walkRepositories(into: &digests)
        try SweepError.checkCancellation("the scan")
        try Self.refuseUnusable(walk: walk, blobCount: blobs.count, blobsAbsent: blobsAbsent, root: backend.displayName)
        var repositories = walk.repositories
        var treeComplete = walk.isComplete
        problems += walk.problems
        timings["list"] = Timestamp.monotonic() - start

        let parseStart = Timestamp.monotonic()
        var manifests = ManifestTable()
        var unreadable = BitSet()
        var foreign = BitSet()
        try await parseManifests(
            repositories: repositories, digests: &digests, blobs: blobs, manifests: &manifests,
            unreadable: &unreadable, foreign: &foreign, problems: &problems)
        manifests.seal()
        timings["parse"] = Timestamp.monotonic() - parseStart
        try SweepError.checkCancellation("the scan")
        // Repositories kept whole because a manifest is unreadable mark their layer links: list
        // them now if the walk skipped them.
        for index in repositories.indices
        where !walk.layersListed[index]
            && repositories[index].revisions.contains(where: unreadable.contains)
        {
            var raw = RawRepository(name: repositories[index].name, hasValidName: repositories[index].hasValidName)
            await listLayers(&raw, problems: &problems)
            repositories[index].layers = raw.layers.map { digests.intern($0) }
            if raw.hidesReferences { treeComplete = false }
        }

        var sizes: [UInt32: Int] = [:]
        if options.statBlobs {
            let statStart = Timestamp.monotonic()
            (sizes, problems) = await statBlobs(blobs.map { digests[$0] }, digests: digests, problems: problems)
            timings["stat"] = Timestamp.monotonic() - statStart
            try SweepError.checkCancellation("the scan")
        }
        problems += Self.missingReferences(manifests: manifests, digests: digests, blobs: blobs, foreign: foreign)
        var snapshot = StoreSnapshot(
            digests: digests, blobs: blobs, blobSizes: sizes,
            repositories: repositories.sorted { $0.name < $1.name }, manifests: manifests,
            unreadableManifests: unreadable, foreignLayers: foreign, isTreeComplete: treeComplete, problems: problems,
            timings: timings)
        snapshot.startedAt = startedAt
        snapshot.view = backend
        snapshot.layersListed = options.listLayerLinks
        return snapshot
    }

    /// Throws `.invalidStore` when the repository tree cannot tell what the blobs are for.
    private static func refuseUnusable(walk: RepositoryWalk, blobCount: Int, blobsAbsent: Bool, root: String)
        throws(SweepError)
    {
        let path = "\(root)/\(StorePath.repositories)"
        if let error = walk.rootError {
            if error.code == .notFound {
                guard blobCount == 0 else {
                    throw SweepError(
                        .invalidStore,
                        "the store holds \(blobCount) blobs but no repositories directory: every blob would look unreferenced; refusing (restore repositories/, or check the root)",
                        path: path)
                }
            } else {
                throw SweepError(
                    .invalidStore,
                    "the repositories directory cannot be read: which blobs are referenced is unknown; refusing",
                    path: error.path ?? path, syscall: error.syscall, errno: error.errno, cause: error)
            }
        }
        // Uploads alone are fine (a first push in progress); anything that names a blob is not.
        let namesBlobs = walk.repositories.contains {
            !$0.revisions.isEmpty || !$0.tags.isEmpty || !$0.linklessTags.isEmpty || !$0.linklessRevisions.isEmpty
                || !$0.layers.isEmpty || $0.isIncomplete
        }
        if blobsAbsent && (namesBlobs || !walk.isComplete) {
            throw SweepError(
                .invalidStore,
                "blobs/sha256 is absent but the store holds repositories: their links would all look dangling; refusing (restore blobs/, or check the root)",
                path: "\(root)/\(StorePath.blobShards)")
        }
    }

    /// Problems for blobs and children that parsed manifests reference but the store lacks.
    private static func missingReferences(
        manifests: ManifestTable, digests: DigestTable, blobs: BitSet, foreign: BitSet
    ) -> [StoreProblem] {
        var reported = BitSet()
        var problems: [StoreProblem] = []
        for m in 0..<manifests.count where manifests.kind[m] != ManifestTable.unreadable {
            for id in manifests.references(m)
            where !blobs.contains(id) && !foreign.contains(id) && reported.insert(id) {
                problems.append(
                    StoreProblem(
                        .missingBlob,
                        "blob referenced by manifest \(digests[manifests.digest[m]]) is missing from the store",
                        path: StorePath.blobData(digests[id]), digest: digests[id]))
            }
        }
        return problems
    }
}
