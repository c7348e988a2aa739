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
/// Nothing stops the scan but an unusable root: every other failure becomes a problem in
/// the snapshot, and the part it concerns is marked so that collection keeps it.
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
    /// - Returns: the snapshot, with every problem found.
    /// - Throws: `.invalidStore` if the root holds no `docker/registry/v2`, or the error that
    ///   prevents listing `blobs/sha256` (without it nothing can be known).
    public func scan() async throws(SweepError) -> StoreSnapshot {
        var timings: [String: Double] = [:]
        let startedAt = Timestamp.coarseTick()
        let start = Timestamp.monotonic()
        do {
            _ = try await backend.list(StorePath.v2)
        } catch where error.code == .notFound {
            throw SweepError(
                .invalidStore,
                "no docker/registry/v2 under the root: pass the storage rootdirectory (the folder holding docker/), or --config with the registry's config.yml",
                path: backend.displayName)
        }
        // Blobs first, then repositories: each phase keeps every core busy on its own, and
        // running them one after the other lets both intern into one table as they go.
        var digests = DigestTable()
        var blobs = BitSet()
        var problems = try await listBlobs(into: &digests, blobs: &blobs)
        let (walked, layersListed, repositoryProblems, treeComplete) = await walkRepositories(into: &digests)
        var repositories = walked
        problems += repositoryProblems
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
        // Repositories kept whole because a manifest is unreadable mark their layer links: list
        // them now if the walk skipped them.
        for index in repositories.indices where !layersListed[index]
            && repositories[index].revisions.contains(where: unreadable.contains)
        {
            var raw = RawRepository(name: repositories[index].name, hasValidName: repositories[index].hasValidName)
            await listLayers(&raw, problems: &problems)
            repositories[index].layers = raw.layers.map { digests.intern($0) }
        }

        var sizes: [UInt32: Int] = [:]
        if options.statBlobs {
            let statStart = Timestamp.monotonic()
            (sizes, problems) = await statBlobs(blobs.ids.map { digests[$0] }, digests: digests, problems: problems)
            timings["stat"] = Timestamp.monotonic() - statStart
        }
        problems += Self.missingReferences(manifests: manifests, digests: digests, blobs: blobs, foreign: foreign)
        var snapshot = StoreSnapshot(
            digests: digests, blobs: blobs, blobSizes: sizes,
            repositories: repositories.sorted { $0.name < $1.name }, manifests: manifests,
            unreadableManifests: unreadable, foreignLayers: foreign, isTreeComplete: treeComplete, problems: problems,
            timings: timings)
        snapshot.startedAt = startedAt
        snapshot.layersListed = options.listLayerLinks
        return snapshot
    }

    /// Problems for blobs and children that parsed manifests reference but the store lacks.
    private static func missingReferences(
        manifests: ManifestTable, digests: DigestTable, blobs: BitSet, foreign: BitSet
    ) -> [SweepError] {
        var reported = BitSet()
        var problems: [SweepError] = []
        for m in 0..<manifests.count where manifests.kind[m] != ManifestTable.unreadable {
            for id in manifests.blobs(m).followedBy(manifests.children(m))
            where !blobs.contains(id) && !foreign.contains(id) && reported.insert(id) {
                problems.append(
                    SweepError(
                        .missingBlob, "blob referenced by manifest \(digests[manifests.digest[m]]) is missing from the store",
                        path: StorePath.blobData(digests[id]), digest: digests[id]))
            }
        }
        return problems
    }
}

extension ArraySlice {
    /// This slice followed by another, without copying.
    func followedBy(_ other: ArraySlice<Element>) -> FlattenSequence<[ArraySlice<Element>]> {
        [self, other].joined()
    }
}
