/// Turns a mark into a ``SweepPlan``: stats only what may be deleted (for age and size).
struct Planner: Sendable {
    let backend: any StorageBackend
    let snapshot: StoreSnapshot
    let options: CollectOptions
    /// Tags the delete command removes: not roots, and their directories go whole.
    var removedTags: Set<Marker.TagRef> = []

    private func remainingTags(_ repository: Repository) -> [Repository.Tag] {
        repository.tags.filter { !removedTags.contains(Marker.TagRef(repository: repository.name, tag: $0.name)) }
    }

    /// The young-or-changed cutoffs for this snapshot.
    var freshness: Freshness { Freshness(snapshot: snapshot, options: options) }

    /// Where the planner stats: the scan's view of the store (see ``StorageBackend/scanView()``).
    private var reader: any StorageBackend { snapshot.view ?? backend }

    /// True if `path`'s mtime is within the grace period or after the scan began (or it cannot
    /// be stat'ed: keep).
    func isYoung(_ path: String) async -> Bool {
        do {
            return isYoung(.success(try await reader.stat(path)))
        } catch {
            return isYoung(.failure(error))
        }
    }

    /// The same judgement on a stat's result: an absent file is not young, one that cannot
    /// be stat'ed is.
    func isYoung(_ info: Result<FileInfo, SweepError>) -> Bool {
        switch info {
        case .success(let info): freshness.isYoung(info.modified)
        case .failure(let error): error.code != .notFound
        }
    }

    /// Builds the plan.
    ///
    /// - Parameters:
    ///   - mark: the mark result.
    ///   - blobCandidates: if given, only these unmarked blobs may be deleted (delete command);
    ///     otherwise every unmarked blob.
    ///   - linkRepositories: if given, only these repositories' links are cleaned.
    ///   - uploads: whether old uploads are planned for removal.
    func plan(
        _ mark: Marker.Result, blobCandidates: BitSet? = nil, linkRepositories: Set<String>? = nil, uploads: Bool = true
    ) async -> SweepPlan {
        var plan = SweepPlan()
        plan.warnings = mark.warnings
        let digests = snapshot.digests
        for (index, repository) in snapshot.repositories.enumerated() where !mark.deadRevisions[index].isEmpty {
            // Which remaining tags' history names each digest: built once per repository.
            var historyTags: [UInt32: [String]] = [:]
            for tag in remainingTags(repository) {
                for id in repository.history(of: tag) { historyTags[id, default: []].append(tag.name) }
            }
            for id in mark.deadRevisions[index] {
                plan.manifests.append(
                    .init(repository: repository.name, digest: digests[id], historyTags: historyTags[id] ?? []))
            }
        }
        await planBlobs(mark, candidates: blobCandidates, into: &plan)
        if options.cleanLinks { await planLinks(mark, only: linkRepositories, into: &plan) }
        if uploads, let age = options.uploadAge { await planUploads(age: age, into: &plan) }
        if options.prune { planRepositories(mark, into: &plan) }
        return plan
    }

    private func planBlobs(_ mark: Marker.Result, candidates: BitSet?, into plan: inout SweepPlan) async {
        guard snapshot.isTreeComplete else {
            plan.warnings.append(
                "part of the repository tree could not be read or is a symbolic link (see problems): no blob is deleted this run"
            )
            return
        }
        // The unmarked blobs by shard: each shard's data files are stat'ed in one batch.
        var shards = [[Digest]](repeating: [], count: 256)
        for id in candidates ?? snapshot.blobs where snapshot.blobs.contains(id) && !mark.marked.contains(id) {
            let digest = snapshot.digests[id]
            shards[Int(digest.w0 >> 56)].append(digest)
        }
        let reader = self.reader
        let freshness = self.freshness
        // Per shard, in digest order: each blob's size and age (48 bytes a blob), and apart from
        // them the rare blobs whose age cannot be read (an error is far larger than an age).
        let parts = await withTaskGroup(of: (Int, BlobAges).self) { group in
            for (shard, digests) in shards.enumerated() where !digests.isEmpty {
                group.addTask {
                    let directory = "\(StorePath.blobShards)/\(StorePath.blobShardName(shard))"
                    let infos = await reader.statDigestFiles(in: directory, digests, leaf: "data")
                    var part = BlobAges()
                    part.ages.reserveCapacity(digests.count)
                    for (digest, result) in zip(digests, infos) {
                        switch result {
                        case .success(let info):
                            part.ages.append((digest, info.size, freshness.isYoung(info.modified)))
                        case .failure(let error) where error.code == .notFound:
                            // No data file: judge the directory's age (an interrupted move leaves it).
                            let info = try? await reader.stat(StorePath.blobDirectory(digest))
                            part.ages.append((digest, 0, info.map { freshness.isYoung($0.modified) } ?? true))
                        case .failure(let error):
                            // Cannot tell its age: keep it, and say so.
                            part.failures.append((digest, error))
                        }
                    }
                    part.ages.sort { $0.digest < $1.digest }
                    part.failures.sort { $0.digest < $1.digest }
                    return (shard, part)
                }
            }
            var parts = [BlobAges](repeating: BlobAges(), count: shards.count)
            for await (shard, part) in group { parts[shard] = part }
            return parts
        }
        plan.blobs.reserveCapacity(plan.blobs.count + parts.reduce(0) { $0 + $1.ages.count })
        for part in parts {
            for (digest, failure) in part.failures {
                var problem = StoreProblem(failure)
                problem.message = "the age of an unreferenced blob cannot be read, so it is kept: \(failure.message)"
                problem.digest = digest
                plan.problems.append(problem)
            }
            for (digest, size, young) in part.ages {
                if young {
                    plan.keptYoungBlobs += 1
                } else {
                    plan.blobs.append(.init(digest: digest, bytes: size))
                }
            }
        }
    }

    /// One shard's unmarked blobs: sizes and ages, and the blobs whose age could not be read.
    private struct BlobAges: Sendable {
        var ages: [(digest: Digest, size: Int, young: Bool)] = []
        var failures: [(digest: Digest, error: SweepError)] = []
    }

    /// One repository's link candidates: removed unless young (judged by ``judge(_:)``).
    private struct LinkCandidates: Sendable {
        var repository: String
        /// Layer links no live manifest needs, or whose blob is gone (with whether it is gone).
        var layers: [(digest: Digest, blobGone: Bool)] = []
        var linklessRevisions: [Digest] = []
        /// Tags without `current/link`, with their history.
        var linklessTags: [(tag: String, history: [Digest])] = []
        /// Per remaining tag, the history entries naming no revision and not its current manifest.
        var history: [(tag: String, digests: [Digest])] = []

        /// The most items these candidates can give (each one unless it is young).
        var count: Int {
            layers.count + linklessRevisions.count + linklessTags.count + history.reduce(0) { $0 + $1.digests.count }
        }
    }

    private func planLinks(_ mark: Marker.Result, only: Set<String>?, into plan: inout SweepPlan) async {
        // Which links are candidates is pure computation over the snapshot, repository by repository
        // with shared scratch sets; their ages are then read in batches, many repositories at once.
        let candidates = await linkCandidates(mark, only: only, plan: plan)
        // Room for every candidate at once (young ones are few): growing by doubling would hold
        // up to twice the items at the end of the plan, when the plan is largest.
        plan.links.reserveCapacity(plan.links.count + candidates.reduce(0) { $0 + $1.count })
        // Results are appended in the candidates' order as soon as their turn comes, so only the
        // few that finished ahead of it wait (not every repository's items beside the plan's).
        var waiting: [Int: [SweepPlan.LinkItem]] = [:]
        var appended = 0
        await withTaskGroup(of: (Int, [SweepPlan.LinkItem]).self) { group in
            let width = max(1, options.concurrency)
            var next = 0
            repeat {
                while next < candidates.count && next - appended - waiting.count < width {
                    let index = next
                    group.addTask { (index, await judge(candidates[index])) }
                    next += 1
                }
                guard let (index, items) = await group.next() else { break }
                waiting[index] = items
                while let ready = waiting.removeValue(forKey: appended) {
                    plan.links += ready
                    appended += 1
                }
            } while true
        }
    }

    /// Each repository's link candidates, in the snapshot's order (repositories without any left out).
    ///
    /// Pure computation over the snapshot: the repositories are cut into one contiguous part per
    /// processor, each computed by its own task with its own scratch sets, and the parts joined
    /// in order (the same result as one pass).
    private func linkCandidates(_ mark: Marker.Result, only: Set<String>?, plan: SweepPlan) async -> [LinkCandidates] {
        var deletedBlobs = BitSet(universe: snapshot.digests.count)
        for blob in plan.blobs {
            if let id = snapshot.digests.id(of: blob.digest) { deletedBlobs.insert(id) }
        }
        let count = snapshot.repositories.count
        let parts = max(1, min(count, options.planParts ?? min(SystemCalls.onlineProcessorCount, count / 64)))
        if parts == 1 { return linkCandidates(0..<count, mark, only: only, deletedBlobs: deletedBlobs) }
        let bounds = (0...parts).map { count * $0 / parts }
        return await withTaskGroup(of: (Int, [LinkCandidates]).self) { group in
            for part in 0..<parts {
                group.addTask { [deletedBlobs] in
                    (
                        part,
                        linkCandidates(bounds[part]..<bounds[part + 1], mark, only: only, deletedBlobs: deletedBlobs)
                    )
                }
            }
            var results = [[LinkCandidates]](repeating: [], count: parts)
            for await (part, candidates) in group { results[part] = candidates }
            return results.flatMap { $0 }
        }
    }

    /// The link candidates of the repositories at `indices` (see above).
    private func linkCandidates(
        _ indices: Range<Int>, _ mark: Marker.Result, only: Set<String>?, deletedBlobs: BitSet
    ) -> [LinkCandidates] {
        let digests = snapshot.digests
        var all: [LinkCandidates] = []
        // Scratch sets over all digest ids, emptied after each repository (ids in `touched`).
        var needed = BitSet(universe: digests.count)
        var visited = BitSet(universe: digests.count)
        var revisions = BitSet(universe: digests.count)
        var touched: [UInt32] = []
        for index in indices where !mark.keptWhole[index] {
            let repository = snapshot.repositories[index]
            if let only, !only.contains(repository.name) { continue }
            defer {
                for id in touched {
                    needed.remove(id)
                    visited.remove(id)
                    revisions.remove(id)
                }
                touched.removeAll(keepingCapacity: true)
            }
            var candidates = LinkCandidates(repository: repository.name)
            // Every revision, dead or remaining: tag history naming one is planned with it (or kept).
            for id in repository.revisions where revisions.insert(id) { touched.append(id) }
            let dead = mark.deadRevisions[index]
            let tags = removedTags.isEmpty ? repository.tags : remainingTags(repository)
            // Blobs the repository's live manifests need, through index children. Every node the
            // walk meets (walked manifests included) is inserted into `needed`, so `touched`
            // lists every id to clear from the scratch sets.
            let live = dead.isEmpty ? repository.revisions : repository.revisions.filter { !dead.contains($0) }
            snapshot.walkClosure(from: live + tags.compactMap(\.current), visited: &visited) { id, _ in
                if needed.insert(id) { touched.append(id) }
            }
            for id in repository.layers {
                let gone = !snapshot.blobs.contains(id) || deletedBlobs.contains(id)
                guard gone || !needed.contains(id) else { continue }
                candidates.layers.append((digests[id], !snapshot.blobs.contains(id)))
            }
            candidates.linklessRevisions = repository.linklessRevisions
            candidates.linklessTags = repository.linklessTags.map { tag in
                (tag.name, repository.history(of: tag).map { digests[$0] })
            }
            for tag in tags {
                let stale = repository.history(of: tag).filter { !revisions.contains($0) && tag.current != $0 }
                if !stale.isEmpty { candidates.history.append((tag.name, stale.map { digests[$0] })) }
            }
            if !candidates.layers.isEmpty || !candidates.linklessRevisions.isEmpty || !candidates.linklessTags.isEmpty
                || !candidates.history.isEmpty
            {
                all.append(candidates)
            }
        }
        return all
    }

    /// The links of one repository's candidates that are not young, in the plan's order: layer
    /// links, revisions without a link, tags without `current/link`, tag-history entries.
    private func judge(_ candidates: LinkCandidates) async -> [SweepPlan.LinkItem] {
        let name = candidates.repository
        var items: [SweepPlan.LinkItem] = []
        // Young links stay whatever the reason: a blob uploaded after the blob listing has a link
        // the scan saw before the blob.
        let layers = await reader.statDigestFiles(
            in: "\(StorePath.repository(name))/_layers/sha256", candidates.layers.map(\.digest), leaf: "link")
        for (candidate, info) in zip(candidates.layers, layers) where !isYoung(info) {
            items.append(
                .init(
                    ref: .init(repository: name, kind: .layer, tag: nil, digest: candidate.digest),
                    blobGone: candidate.blobGone))
        }
        for digest in candidates.linklessRevisions {
            let path = StorePath.revision(name, digest)
            if await isYoung(path) { continue }
            items.append(.init(ref: .init(repository: name, kind: .revisionWithoutLink, tag: nil, digest: digest)))
        }
        // A tag without current/link (an interrupted write or removal) is an unknown tag to the
        // registry: garbage to finish once nothing in it is young (a push writes index first).
        for (tag, history) in candidates.linklessTags {
            let path = StorePath.tag(name, tag)
            if await isYoung(path) { continue }
            let entries = await reader.statDigestFiles(in: "\(path)/index/sha256", history, leaf: "link")
            if entries.contains(where: isYoung) { continue }
            items.append(.init(ref: .init(repository: name, kind: .tagWithoutLink, tag: tag, digest: nil)))
        }
        for (tag, digests) in candidates.history {
            let entries = await reader.statDigestFiles(
                in: "\(StorePath.tag(name, tag))/index/sha256", digests, leaf: "link")
            for (digest, info) in zip(digests, entries) where !isYoung(info) {
                items.append(.init(ref: .init(repository: name, kind: .tagHistory, tag: tag, digest: digest)))
            }
        }
        return items
    }

    private func planUploads(age: Double, into plan: inout SweepPlan) async {
        for repository in snapshot.repositories {
            for upload in repository.uploads {
                let path = StorePath.upload(repository.name, upload.uuid)
                var started = upload.startedAt
                if started == nil {
                    started = try? await reader.stat(path).modified
                    if started != nil {
                        plan.warnings.append(
                            "\(repository.name): upload \(upload.uuid) has no readable startedat; judged by its directory's mtime"
                        )
                    }
                }
                guard let started, started < options.now - age else { continue }
                plan.uploads.append(
                    .init(
                        ref: .init(
                            repository: repository.name, uuid: upload.uuid,
                            startedAt: upload.startedAt.map(Timestamp.formatRFC3339)), path: path))
            }
        }
        do {
            for upload in try await backend.incompleteUploads() where upload.initiated < options.now - age {
                plan.incompleteUploads.append(upload)
            }
        } catch {
            var problem = StoreProblem(error)
            problem.message = "incomplete uploads cannot be listed, so none is aborted: \(error.message)"
            plan.problems.append(problem)
        }
    }

    private func planRepositories(_ mark: Marker.Result, into plan: inout SweepPlan) {
        let removedUploads = Set(plan.uploads.map { "\($0.ref.repository)/\($0.ref.uuid)" })
        for (index, repository) in snapshot.repositories.enumerated() where !mark.keptWhole[index] {
            let remaining = Set(repository.revisions).subtracting(mark.deadRevisions[index])
            let uploadsLeft = repository.uploads.contains { !removedUploads.contains("\(repository.name)/\($0.uuid)") }
            if remainingTags(repository).isEmpty && remaining.isEmpty && !uploadsLeft {
                plan.repositories.append(repository.name)
            }
        }
    }
}
