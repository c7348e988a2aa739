extension StoreScanner {
    /// Reads and parses every manifest named by a revision or tag, then the children of
    /// indexes not read yet, until none is left. Each digest is read once.
    func parseManifests(
        repositories: [Repository], digests: inout DigestTable, blobs: BitSet, manifests: inout ManifestTable,
        unreadable: inout BitSet, foreign: inout BitSet, problems: inout [SweepError]
    ) async throws(SweepError) {
        var seen = BitSet(universe: digests.count)
        var wave: [UInt32] = []
        for repository in repositories {
            for id in repository.revisions where seen.insert(id) { wave.append(id) }
            for tag in repository.tags {
                if let id = tag.current, seen.insert(id) { wave.append(id) }
            }
        }
        // Children of indexes come in later waves; the first holds nearly every manifest.
        manifests.reserveCapacity(manifests: wave.count + wave.count / 16, digests: digests.count)
        while !wave.isEmpty {
            let digestsToRead = wave.map { digests[$0] }
            var next: [UInt32] = []
            // Results are interned as each shard's batch arrives: parsed documents never pile up.
            await readManifests(digestsToRead) { index, result in
                let id = wave[index]
                switch result {
                case .success(let parsed):
                    let blobIds = parsed.blobs.map { digests.intern($0) }
                    let childIds = parsed.children.map { digests.intern($0) }
                    for layer in parsed.foreignLayers { foreign.insert(digests.intern(layer)) }
                    let subject = parsed.subject.map { digests.intern($0) } ?? ManifestTable.none
                    manifests.add(id, kind: parsed.kind.rawValue, blobs: blobIds, children: childIds, subject: subject)
                    for child in childIds where blobs.contains(child) && seen.insert(child) { next.append(child) }
                case .failure(var error):
                    unreadable.insert(id)
                    manifests.add(id, kind: ManifestTable.unreadable, blobs: [], children: [], subject: ManifestTable.none)
                    let users = repositories.filter { $0.revisions.contains(id) }.prefix(5).map(\.name)
                    if !users.isEmpty { error.message += "; used by \(users.joined(separator: ", ")) (its repositories are kept whole)" }
                    problems.append(error)
                }
            }
            wave = next
        }
    }

    /// Reads and parses manifests concurrently, one task per blob shard at a time (the shard
    /// directory is opened once for all its manifests).
    ///
    /// - Parameter consume: called on the calling task with each manifest's index in `list`
    ///   and its result, batch by batch as shards complete.
    private func readManifests(_ list: [Digest], consume: (Int, Result<ParsedManifest, SweepError>) -> Void) async {
        let backend = self.backend
        var byShard: [[Int]] = Array(repeating: [], count: 256)
        for (index, digest) in list.enumerated() { byShard[Int(digest.w0 >> 56)].append(index) }
        await withTaskGroup(of: [(Int, Result<ParsedManifest, SweepError>)].self) { group in
            var shards = byShard.enumerated().filter { !$0.element.isEmpty }[...]
            var running = 0
            func startNext() {
                guard let (shard, indices) = shards.popFirst() else { return }
                running += 1
                group.addTask {
                    let name = String(shard, radix: 16)
                    let directory = "\(StorePath.blobShards)/\(name.count == 1 ? "0" + name : name)"
                    let view = try? await backend.subdirectory(directory)
                    var out: [(Int, Result<ParsedManifest, SweepError>)] = []
                    out.reserveCapacity(indices.count)
                    for index in indices {
                        let digest = list[index]
                        if let view {
                            out.append((index, await Self.readManifest(view, digest, path: "\(digest.hex)/data")))
                        } else {
                            out.append((index, await Self.readManifest(backend, digest, path: StorePath.blobData(digest))))
                        }
                    }
                    return out
                }
            }
            while running < options.concurrency && !shards.isEmpty { startNext() }
            while let out = await group.next() {
                running -= 1
                for (index, result) in out { consume(index, result) }
                startNext()
            }
        }
    }

    /// Reads one manifest blob and parses it; errors name the blob's path and digest.
    static func readManifest(_ backend: any StorageBackend, _ digest: Digest, path: String) async -> Result<ParsedManifest, SweepError> {
        do {
            let parsed = try await backend.withContents(of: path, limit: ManifestParser.maxManifestSize) { bytes throws(SweepError) in
                try ManifestParser.parse(bytes)
            }
            return .success(parsed)
        } catch {
            var problem = error
            problem.path = problem.path ?? "\(backend.displayName)/\(path)"
            problem.digest = digest
            switch problem.code {
            case .notFound:
                problem = SweepError(.missingBlob, "manifest blob is missing from the store", path: "\(backend.displayName)/\(path)", digest: digest)
            case .invalidArgument:
                problem.code = .invalidManifest
            default:
                break
            }
            return .failure(problem)
        }
    }
}
