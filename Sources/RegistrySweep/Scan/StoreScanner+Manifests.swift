extension StoreScanner {
    /// Reads and parses every manifest named by a revision or tag, then the children of
    /// indexes not read yet, until none is left. Each digest is read once.
    func parseManifests(
        repositories: [Repository], digests: inout DigestTable, blobs: BitSet, manifests: inout ManifestTable,
        unreadable: inout BitSet, foreign: inout BitSet, problems: inout [StoreProblem]
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
            var next: [UInt32] = []
            // Results are interned as each shard's batch arrives: parsed documents never pile up.
            await readManifests(wave, digests: &digests) { ids, results, digests in
                // Each manifest takes its slice of the batch's interned references, in order.
                let referenceIds = Self.internReferences(of: results, into: &digests)
                var start = 0
                for (id, result) in zip(ids, results) {
                    switch result {
                    case .success(let parsed):
                        let blobIds = referenceIds[start..<(start + parsed.blobs.count)]
                        let childIds = referenceIds[blobIds.endIndex..<(blobIds.endIndex + parsed.children.count)]
                        start = childIds.endIndex
                        for layer in parsed.foreignLayers { foreign.insert(digests.intern(layer)) }
                        let subject = parsed.subject.map { digests.intern($0) } ?? ManifestTable.none
                        manifests.add(
                            id, kind: parsed.kind.rawValue, blobs: blobIds, children: childIds, subject: subject)
                        for child in childIds where blobs.contains(child) && seen.insert(child) { next.append(child) }
                    case .failure(var error):
                        unreadable.insert(id)
                        manifests.add(
                            id, kind: ManifestTable.unreadable, blobs: [], children: [], subject: ManifestTable.none)
                        let users = repositories.filter { $0.revisions.contains(id) }.prefix(5).map(\.name)
                        if !users.isEmpty {
                            error.message +=
                                "; used by \(users.joined(separator: ", ")) (its repositories are kept whole)"
                        }
                        problems.append(StoreProblem(error))
                    }
                }
            }
            wave = next
        }
    }

    /// The ids of the blobs then the children of each parsed manifest in `results`, in order,
    /// interned in one call so that the table's cache misses overlap.
    private static func internReferences(
        of results: [Result<ParsedManifest, SweepError>], into digests: inout DigestTable
    ) -> [UInt32] {
        var references: [Digest] = []
        references.reserveCapacity(
            results.reduce(0) { count, result in
                guard case .success(let parsed) = result else { return count }
                return count + parsed.blobs.count + parsed.children.count
            })
        for case .success(let parsed) in results {
            references += parsed.blobs
            references += parsed.children
        }
        return digests.intern(contentsOf: references)
    }

    /// Reads and parses the manifests `ids` names concurrently, one task per blob shard at a
    /// time (the shard directory is opened once for all its manifests).
    ///
    /// Only the shards being read hold digest values: `ids` is ordered by shard with a
    /// counting sort, and each task gets its shard's digests as it starts.
    ///
    /// - Parameter consume: called on the calling task with a shard's manifest ids, their
    ///   results (in the same order) and the table, batch by batch as shards complete.
    private func readManifests(
        _ ids: [UInt32], digests: inout DigestTable,
        consume: (ArraySlice<UInt32>, [Result<ParsedManifest, SweepError>], inout DigestTable) -> Void
    ) async {
        // Counting sort by shard (the leading byte): `ordered[starts[s]..<starts[s + 1]]` is shard s.
        var starts = [Int](repeating: 0, count: 257)
        for id in ids { starts[Int(digests[id].w0 >> 56) + 1] += 1 }
        for shard in 0..<256 { starts[shard + 1] += starts[shard] }
        var ordered = [UInt32](repeating: 0, count: ids.count)
        var fill = starts
        for id in ids {
            let shard = Int(digests[id].w0 >> 56)
            ordered[fill[shard]] = id
            fill[shard] += 1
        }
        let backend = self.backend
        let width = options.concurrency
        await withTaskGroup(of: (Int, [Result<ParsedManifest, SweepError>]).self) { group in
            var shard = 0
            var running = 0
            func startNext() {
                while shard < 256 && starts[shard] == starts[shard + 1] { shard += 1 }
                guard shard < 256 else { return }
                let first = starts[shard]
                let list = ordered[first..<starts[shard + 1]].map { digests[$0] }
                let directory = "\(StorePath.blobShards)/\(StorePath.blobShardName(shard))"
                shard += 1
                running += 1
                group.addTask {
                    var out: [Result<ParsedManifest, SweepError>] = []
                    out.reserveCapacity(list.count)
                    await backend.forEachDigestFile(
                        in: directory, list, leaf: "data", limit: ManifestParser.maxManifestSize
                    ) { index, read in
                        out.append(
                            Self.parseManifest(
                                read, list[index], path: "\(backend.displayName)/\(directory)/\(list[index].hex)/data"))
                    }
                    return (first, out)
                }
            }
            while running < width && shard < 256 { startNext() }
            var done = 0
            while let (first, out) = await group.next() {
                running -= 1
                consume(ordered[first..<(first + out.count)], out, &digests)
                done += out.count
                options.progress.send(.init(phase: .readManifests, done: done, total: ids.count))
                if !Task.isCancelled { startNext() }
            }
        }
    }

    /// Parses one manifest blob as read; errors name the blob's path and digest.
    static func parseManifest(
        _ read: Result<UnsafeRawBufferPointer, SweepError>, _ digest: Digest, path: @autoclosure () -> String
    ) -> Result<ParsedManifest, SweepError> {
        do throws(SweepError) {
            return .success(try ManifestParser.parse(read.get()))
        } catch {
            var problem = error
            problem.path = problem.path ?? path()
            problem.digest = digest
            switch problem.code {
            case .notFound:
                problem = SweepError(
                    .missingBlob, "manifest blob is missing from the store", path: path(), digest: digest)
            case .invalidArgument:
                problem.code = .invalidManifest
            default:
                break
            }
            return .failure(problem)
        }
    }
}
