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

    /// Where the planner stats: the scan's view of the store (see ``StorageBackend/snapshotView()``).
    private var reader: any StorageBackend { snapshot.view ?? backend }

    /// True if `path`'s mtime is within the grace period or after the scan began (or it cannot
    /// be stat'ed: keep).
    func isYoung(_ path: String) async -> Bool {
        do {
            let info = try await reader.stat(path)
            return freshness.isYoung(info.modified)
        } catch {
            return error.code != .notFound
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
                var paths = (historyTags[id] ?? []).map { StorePath.tagIndexEntry(repository.name, $0, digests[id]) }
                paths.append(StorePath.revision(repository.name, digests[id]))
                plan.manifests.append(.init(repository: repository.name, digest: digests[id], paths: paths))
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
                "part of the repository tree could not be read or is a symbolic link (see problems): no blob is deleted this run")
            return
        }
        var unmarked: [Digest] = []
        for id in (candidates ?? snapshot.blobs).ids where snapshot.blobs.contains(id) && !mark.marked.contains(id) {
            unmarked.append(snapshot.digests[id])
        }
        let reader = self.reader
        let options = self.options
        let freshness = self.freshness
        let results = await withTaskGroup(of: [(Digest, Int, Bool, SweepError?)].self) { group in
            let chunk = max(64, unmarked.count / (options.concurrency * 4) + 1)
            for start in stride(from: 0, to: unmarked.count, by: chunk) {
                let slice = unmarked[start..<min(start + chunk, unmarked.count)]
                group.addTask {
                    var out: [(Digest, Int, Bool, SweepError?)] = []
                    for digest in slice {
                        var size = 0
                        var young = false
                        var failure: SweepError?
                        do throws(SweepError) {
                            let info = try await reader.stat(StorePath.blobData(digest))
                            size = info.size
                            young = freshness.isYoung(info.modified)
                        } catch where error.code == .notFound {
                            // No data file: judge the directory's age (an interrupted move leaves it).
                            let info = try? await reader.stat(StorePath.blobDirectory(digest))
                            young = info.map { freshness.isYoung($0.modified) } ?? true
                        } catch {
                            // Cannot tell its age: keep it, and say so.
                            young = true
                            failure = error
                        }
                        out.append((digest, size, young, failure))
                    }
                    return out
                }
            }
            var all: [(Digest, Int, Bool, SweepError?)] = []
            for await part in group { all += part }
            return all
        }
        for (digest, size, young, failure) in results.sorted(by: { $0.0 < $1.0 }) {
            if let failure {
                var problem = StoreProblem(failure)
                problem.message = "the age of an unreferenced blob cannot be read, so it is kept: \(failure.message)"
                problem.digest = digest
                plan.problems.append(problem)
            } else if young {
                plan.keptYoungBlobs += 1
            } else {
                plan.blobs.append(.init(digest: digest, bytes: size))
            }
        }
    }

    private func planLinks(_ mark: Marker.Result, only: Set<String>?, into plan: inout SweepPlan) async {
        var deletedBlobs = BitSet(universe: snapshot.digests.count)
        for blob in plan.blobs {
            if let id = snapshot.digests.id(of: blob.digest) { deletedBlobs.insert(id) }
        }
        // Scratch sets over all digest ids, emptied after each repository (ids in `touched`).
        var needed = BitSet(universe: snapshot.digests.count)
        var visited = BitSet(universe: snapshot.digests.count)
        var revisions = BitSet(universe: snapshot.digests.count)
        var touched: [UInt32] = []
        for (index, repository) in snapshot.repositories.enumerated() where !mark.keptWhole[index] {
            if let only, !only.contains(repository.name) { continue }
            defer {
                for id in touched {
                    needed.remove(id)
                    visited.remove(id)
                    revisions.remove(id)
                }
                touched.removeAll(keepingCapacity: true)
            }
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
                let digest = snapshot.digests[id]
                let path = StorePath.layerLink(repository.name, digest)
                // Young links stay whatever the reason: a blob uploaded after the blob listing has
                // a link the scan saw before the blob.
                if await isYoung(path + "/link") { continue }
                plan.links.append(.init(
                    ref: .init(repository: repository.name, kind: .layer, tag: nil, digest: digest), path: path,
                    digest: digest, blobGone: !snapshot.blobs.contains(id)))
            }
            for digest in repository.linklessRevisions {
                let path = StorePath.revision(repository.name, digest)
                if await isYoung(path) { continue }
                plan.links.append(.init(
                    ref: .init(repository: repository.name, kind: .revisionWithoutLink, tag: nil, digest: digest),
                    path: path, digest: digest))
            }
            // A tag without current/link (an interrupted write or removal) is an unknown tag to the
            // registry: garbage to finish once nothing in it is young (a push writes index first).
            for tag in repository.linklessTags {
                let path = StorePath.tag(repository.name, tag.name)
                if await isYoung(path) { continue }
                if await repository.history(of: tag).asyncContains(where: { id in
                    await isYoung(StorePath.tagIndexEntry(repository.name, tag.name, snapshot.digests[id]) + "/link")
                }) { continue }
                plan.links.append(.init(
                    ref: .init(repository: repository.name, kind: .tagWithoutLink, tag: tag.name, digest: nil),
                    path: path, digest: nil))
            }
            for tag in tags {
                for id in repository.history(of: tag) where !revisions.contains(id) && tag.current != id {
                    let path = StorePath.tagIndexEntry(repository.name, tag.name, snapshot.digests[id])
                    if await isYoung(path + "/link") { continue }
                    plan.links.append(.init(
                        ref: .init(repository: repository.name, kind: .tagHistory, tag: tag.name, digest: snapshot.digests[id]),
                        path: path, digest: snapshot.digests[id]))
                }
            }
        }
    }

    private func planUploads(age: Double, into plan: inout SweepPlan) async {
        for repository in snapshot.repositories {
            for upload in repository.uploads {
                let path = StorePath.upload(repository.name, upload.uuid)
                var started = upload.startedAt
                if started == nil {
                    started = try? await reader.stat(path).modified
                    if started != nil {
                        plan.warnings.append("\(repository.name): upload \(upload.uuid) has no readable startedat; judged by its directory's mtime")
                    }
                }
                guard let started, started < options.now - age else { continue }
                plan.uploads.append(.init(ref: .init(repository: repository.name, uuid: upload.uuid, startedAt: upload.startedAt.map(Timestamp.formatRFC3339)), path: path))
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

extension Sequence {
    /// True if `predicate` holds for some element (evaluated in order, stopping at the first).
    func asyncContains(where predicate: (Element) async -> Bool) async -> Bool {
        for element in self where await predicate(element) { return true }
        return false
    }
}
