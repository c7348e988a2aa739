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
        while !wave.isEmpty {
            let digestsToRead = wave.map { digests[$0] }
            let results = await readManifests(digestsToRead)
            var next: [UInt32] = []
            for (index, result) in results.enumerated() {
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

    /// Reads and parses manifests concurrently, in batches.
    private func readManifests(_ list: [Digest]) async -> [Result<ParsedManifest, SweepError>] {
        let backend = self.backend
        let batch = max(64, list.count / (options.concurrency * 8) + 1)
        var results = [Result<ParsedManifest, SweepError>](repeating: .failure(SweepError(.cancelled, "not read")), count: list.count)
        await withTaskGroup(of: (Int, [Result<ParsedManifest, SweepError>]).self) { group in
            var nextStart = 0
            var running = 0
            func startNext() {
                guard nextStart < list.count else { return }
                let range = nextStart..<min(nextStart + batch, list.count)
                nextStart = range.upperBound
                running += 1
                group.addTask {
                    var out: [Result<ParsedManifest, SweepError>] = []
                    out.reserveCapacity(range.count)
                    for digest in list[range] { out.append(await Self.readManifest(backend, digest)) }
                    return (range.lowerBound, out)
                }
            }
            while running < options.concurrency && nextStart < list.count { startNext() }
            while let (start, out) = await group.next() {
                running -= 1
                for (offset, result) in out.enumerated() { results[start + offset] = result }
                startNext()
            }
        }
        return results
    }

    /// Reads one manifest blob and parses it; errors name the blob's path and digest.
    static func readManifest(_ backend: any StorageBackend, _ digest: Digest) async -> Result<ParsedManifest, SweepError> {
        let path = StorePath.blobData(digest)
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
