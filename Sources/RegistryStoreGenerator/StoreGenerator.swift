import RegistrySweep

import struct Crypto.SHA256

/// Writes a deterministic registry store directly in the reference on-disk layout, for
/// tests and benchmarks: no registry needed, a million blobs in minutes.
///
/// What a store holds (shape set by ``GeneratorOptions``):
/// - repositories with nested names (`team-3/app-17` and `team-3/app-17/sub`);
/// - a sequence of pushes per repository whose tags are overwritten over time, so older
///   revisions are untagged while their tags' `index/` history still names them;
/// - multi-arch OCI indexes and Docker manifest lists whose platform manifests are
///   pushed by digest only (revision links, no tags);
/// - base layers from a pool shared by all repositories, linked in each user's `_layers`;
/// - untagged referrers (OCI manifests with a `subject`), orphan blobs (linked, never
///   referenced) and abandoned uploads (`_uploads/<uuid>/{data,startedat}`).
///
/// Every blob is named by the SHA-256 of its content and every manifest is valid JSON of
/// its media type, so the real registry serves the store and its garbage collector runs
/// on it. The same options and seed give the same files with the same bytes.
///
/// ## Performance
/// Repositories are written concurrently (``GeneratorOptions/concurrency`` at once), each
/// by one task with blocking writes. Nearly all the time is the kernel creating files and
/// directories (about 2.4 of each per blob with the default shape), so each is made with
/// as few calls as it takes: a new directory is one `mkdirat` (never a failed `openat`
/// first), a file is `openat`/`write`/`close`, and both are named relative to a directory
/// descriptor kept open (the 256 blob shards, each repository's `_layers/sha256`, …), so
/// the kernel resolves one or two path components, not eight (see ``GeneratorDirectory``).
public struct StoreGenerator: Sendable {
    /// The directory to write into (created if missing; must not already hold a store).
    public let root: String
    /// The store's shape.
    public let options: GeneratorOptions

    /// Creates a generator.
    ///
    /// - Parameters:
    ///   - root: the store root (the future `rootdirectory`).
    ///   - options: the shape and seed.
    public init(root: String, options: GeneratorOptions) {
        self.root = root
        self.options = options
    }

    /// Writes the store.
    ///
    /// - Returns: what was written: counts and per-repository facts.
    /// - Throws: `.invalidArgument` for bad options or a root that already holds a store,
    ///   or the first write error (the partial store is left for inspection).
    public func generate() async throws(SweepError) -> GeneratedStore {
        try options.validate()
        let start = Timestamp.monotonic()
        try Self.makeRoot(root)
        let rootDirectory = try GeneratorDirectory(opening: root)
        defer { rootDirectory.close() }
        try rootDirectory.makeDirectories("docker/registry")
        // Created exclusively: on an existing store nothing is written into it.
        guard try rootDirectory.makeNewDirectory(StorePath.v2) else {
            throw SweepError(
                .invalidArgument, "already holds docker/registry/v2: generate into a new or empty directory", path: root
            )
        }
        let v2 = try rootDirectory.subdirectory(StorePath.v2, create: false)
        defer { v2.close() }
        try v2.makeDirectory("blobs")
        let blobs = try v2.subdirectory("blobs/sha256")
        defer { blobs.close() }
        var shards: [GeneratorDirectory] = []
        defer { for shard in shards { shard.close() } }
        for shard in 0..<256 { shards.append(try blobs.subdirectory(StorePath.blobShardName(shard))) }
        let repositories = try v2.subdirectory("repositories")
        defer { repositories.close() }

        let pool = Self.sharedPool(options)
        let empty = ManifestDocument.Descriptor(
            mediaType: ManifestDocument.emptyType, size: ManifestDocument.emptyContent.count,
            digest: Digest(bytes: SHA256.hash(data: ManifestDocument.emptyContent)))
        var store = GeneratedStore(options: options)
        store.repositories.reserveCapacity(options.repositories)
        var used = Set<Int>()
        let outputs = try await writeRepositories(
            repositories, shards: shards, pool: pool.map(\.descriptor), empty: empty)
        for writer in outputs {
            store.counts.add(writer.counts)
            store.repositories.append(writer.record)
            used.formUnion(writer.usedShared)
            if options.keepContents { store.contents.merge(writer.contents) { first, _ in first } }
        }

        // The shared blobs last, once each: only those some repository uses.
        var shared: [[UInt8]] = used.sorted().map { pool[$0].bytes }
        if store.counts.referrers > 0 { shared.append(ManifestDocument.emptyContent) }
        for bytes in shared {
            let digest = Digest(bytes: SHA256.hash(data: bytes))
            try shards[Int(digest.w0 >> 56)].writeEntry(digest, file: .data, contents: bytes)
            store.counts.blobs += 1
            store.counts.files += 1
            store.counts.bytes += bytes.count
            if options.keepContents { store.contents[digest] = bytes }
        }
        store.seconds = Timestamp.monotonic() - start
        return store
    }

    /// Runs one writer per repository, at most `concurrency` at once; results in repository order.
    private func writeRepositories(
        _ repositories: GeneratorDirectory, shards: [GeneratorDirectory], pool: [ManifestDocument.Descriptor],
        empty: ManifestDocument.Descriptor
    ) async throws(SweepError) -> [RepositoryWriter] {
        let options = self.options
        let count = options.repositories
        var results = [RepositoryWriter?](repeating: nil, count: count)
        var failure: SweepError?
        await withTaskGroup(of: (Int, Result<RepositoryWriter, SweepError>).self) { group in
            var next = 0
            func startNext() {
                guard next < count, failure == nil else { return }
                let index = next
                next += 1
                group.addTask {
                    var writer = RepositoryWriter(
                        blobShards: shards, options: options, index: index,
                        name: Self.repositoryName(index, of: count), sharedLayers: pool, emptyConfig: empty)
                    do throws(SweepError) {
                        try writer.run(in: repositories)
                        return (index, .success(writer))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            for _ in 0..<min(options.concurrency, count) { startNext() }
            while let (index, result) = await group.next() {
                switch result {
                case .success(let writer): results[index] = writer
                case .failure(let error):
                    if failure == nil { failure = error }
                    group.cancelAll()
                }
                startNext()
            }
        }
        if let failure { throw failure }
        return results.map { $0! }
    }

    /// The name of repository `index`: pairs nest, teams group about 20 apps each.
    ///
    /// - Parameters:
    ///   - index: the repository number, from 0.
    ///   - count: the number of repositories in the store.
    public static func repositoryName(_ index: Int, of count: Int) -> String {
        let app = index / 2
        let teams = max(1, (count + 39) / 40)
        let name = "team-\(app % teams)/app-\(app)"
        return index % 2 == 0 ? name : name + "/sub"
    }

    /// The shared base layers: seeded bytes and their descriptors.
    static func sharedPool(_ options: GeneratorOptions) -> [(bytes: [UInt8], descriptor: ManifestDocument.Descriptor)] {
        (0..<options.sharedLayers).map { index in
            var random = SeededRandom(seed: options.seed, part: 1 << 40 | UInt64(index))
            var bytes: [UInt8] = []
            random.append(random.int(in: 100...400), to: &bytes)
            let descriptor = ManifestDocument.Descriptor(
                mediaType: ManifestDocument.Format.docker.layerType, size: bytes.count,
                digest: Digest(bytes: SHA256.hash(data: bytes)))
            return (bytes, descriptor)
        }
    }

    /// Creates the root and its missing parents.
    private static func makeRoot(_ root: String) throws(SweepError) {
        guard !root.isEmpty else { throw SweepError(.invalidArgument, "empty store root") }
        var prefix = root.hasPrefix("/") ? "/" : ""
        for component in root.split(separator: "/") {
            prefix += component
            try DirectoryHandle.workingDirectory.makeDirectory(prefix, display: prefix)
            prefix += "/"
        }
    }
}
