/// Deletes repositories or single tags and everything only they kept alive.
///
/// A tag's manifest goes only if nothing live still needs it: no other tag of the repository
/// reaches it (directly, as an index child, or as a referrer's subject), and it is not an
/// untagged manifest the operator did not ask about. Its index children and untagged referrers
/// go with it under the same rule. Blobs go only when no live manifest in any repository
/// references them (a global mark), and only blobs the deleted manifests referenced: the rest
/// of the store is `gc`'s business. Tag directories and links are removed before blobs.
///
/// Unknown repositories or tags are an error before anything is touched.
public struct ImageDeleter: Sendable {
    /// The store.
    public let backend: any StorageBackend
    /// Dry run, prune, grace and concurrency (other fields are ignored).
    public let options: CollectOptions

    /// Creates a deleter.
    public init(backend: any StorageBackend, options: CollectOptions) {
        self.backend = backend
        self.options = options
    }

    /// Deletes the targets.
    ///
    /// - Returns: the report; `removedTags` lists `NAME:TAG` removed, `eligibleRepositories` the
    ///   repositories removed.
    /// - Throws: `.unknownReference` for a missing repository or tag, `.invalidStore` when a
    ///   target repository could not be read completely (fix the reported problems first),
    ///   `.locked`, and the scan's fatal errors.
    public func run(_ targets: [DeleteTarget]) async throws(SweepError) -> DeleteReport {
        let collector = Collector(backend: backend, options: options)
        let lock = try collector.takeLock()
        defer { withExtendedLifetime(lock) {} }
        var timings: [String: Double] = [:]
        var clock = Timestamp.monotonic()
        let snapshot = try await StoreScanner(backend: backend).scan()
        timings["scan"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()

        var exclusions = Marker.Exclusions()
        var tagPaths: [String] = []
        var wholeRepositories: [String] = []
        var kept: [String] = []
        let byName = Dictionary(snapshot.repositories.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let grouped = Dictionary(grouping: targets, by: \.repository)
        for (name, repositoryTargets) in grouped.sorted(by: { $0.key < $1.key }) {
            guard let repository = byName[name] else {
                throw SweepError(.unknownReference, "no repository \"\(name)\" in the store; nothing was changed", path: StorePath.repository(name))
            }
            if repository.isIncomplete || !repository.hasValidName
                || repository.revisions.contains(where: snapshot.unreadableManifests.contains)
            {
                throw SweepError(.invalidStore, "repository \"\(name)\" could not be read completely (run regsweep scan); nothing was changed", path: StorePath.repository(name))
            }
            if repositoryTargets.contains(where: { $0.tag == nil }) {
                exclusions.deadRevisions[name] = Set(repository.revisions)
                for tag in repository.tags {
                    exclusions.removedTags.insert(.init(repository: name, tag: tag.name))
                    tagPaths.append(StorePath.tag(name, tag.name))
                }
                wholeRepositories.append(name)
                continue
            }
            var removed: [Repository.Tag] = []
            for target in repositoryTargets {
                guard let tag = repository.tags.first(where: { $0.name == target.tag }) else {
                    throw SweepError(.unknownReference, "no tag \"\(target.tag ?? "")\" in repository \"\(name)\"; nothing was changed", path: StorePath.tag(name, target.tag ?? ""))
                }
                if !removed.contains(where: { $0.name == tag.name }) { removed.append(tag) }
            }
            let removedNames = Set(removed.map(\.name))
            for tag in removed {
                exclusions.removedTags.insert(.init(repository: name, tag: tag.name))
                tagPaths.append(StorePath.tag(name, tag.name))
            }
            let remaining = repository.tags.filter { !removedNames.contains($0.name) }
            let candidates = reach(from: removed.compactMap(\.current), in: repository, snapshot: snapshot)
            let live = reach(from: remaining.compactMap(\.current), in: repository, snapshot: snapshot)
                .union(repository.revisions.filter { !candidates.contains($0) })
            let dead = candidates.subtracting(live)
            for id in candidates.intersection(live) where removed.contains(where: { $0.current == id }) {
                kept.append("\(name)@\(snapshot.digests[id]) is still needed by another tag; only the tag was removed")
            }
            exclusions.deadRevisions[name] = dead.intersection(repository.revisions)
        }

        var markerOptions = options
        markerOptions.deleteUntagged = false
        var marker = Marker(snapshot: snapshot, options: markerOptions)
        marker.exclusions = exclusions
        let mark = await marker.mark { _, _ in false }
        timings["mark"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()

        // Only blobs the deleted manifests referenced may go.
        var candidates = BitSet(universe: snapshot.digests.count)
        for dead in mark.deadRevisions { for id in dead { collect(id, snapshot: snapshot, into: &candidates) } }
        var planner = Planner(backend: backend, snapshot: snapshot, options: options)
        planner.removedTags = exclusions.removedTags
        let affected = Set(grouped.keys)
        var plan = await planner.plan(mark, blobCandidates: candidates, linkRepositories: affected, uploads: false)
        plan.tags = tagPaths
        for name in wholeRepositories where !plan.repositories.contains(name) { plan.repositories.append(name) }
        plan.repositories.removeAll { !affected.contains($0) }
        plan.warnings += kept
        timings["plan"] = Timestamp.monotonic() - clock
        let report = await collector.finish(plan, snapshot: snapshot, marked: mark.marked.count, timings: timings)
        return DeleteReport(
            report: report,
            removedTags: exclusions.removedTags.map { "\($0.repository):\($0.tag)" }.sorted(),
            paths: plan.paths)
    }

    /// Revisions reachable in `repository` from `roots`: index children and referrers, recursively.
    private func reach(from roots: [UInt32], in repository: Repository, snapshot: StoreSnapshot) -> Set<UInt32> {
        let revisions = Set(repository.revisions)
        var referrers: [UInt32: [UInt32]] = [:]
        for id in repository.revisions {
            if let m = snapshot.manifests.manifest(of: id), snapshot.manifests.subject[m] != ManifestTable.none {
                referrers[snapshot.manifests.subject[m], default: []].append(id)
            }
        }
        var reached = Set<UInt32>()
        var stack = roots
        while let id = stack.popLast() {
            guard reached.insert(id).inserted else { continue }
            if let m = snapshot.manifests.manifest(of: id) {
                stack += snapshot.manifests.children(m).filter { revisions.contains($0) }
            }
            stack += referrers[id] ?? []
        }
        return reached
    }

    /// Adds a manifest's digest and everything it references, through children.
    private func collect(_ id: UInt32, snapshot: StoreSnapshot, into set: inout BitSet) {
        var stack = [id]
        while let current = stack.popLast() {
            guard set.insert(current) else { continue }
            guard let m = snapshot.manifests.manifest(of: current) else { continue }
            for blob in snapshot.manifests.blobs(m) { set.insert(blob) }
            stack += snapshot.manifests.children(m)
        }
    }
}

/// What `delete` removed (or would remove).
public struct DeleteReport: Sendable, Codable, Equatable {
    /// The collection report of the deletion (eligible blobs, manifests, links, repositories).
    public var report: CollectReport
    /// `NAME:TAG` of every tag removed.
    public var removedTags: [String]
    /// Every store-relative path removed, in order.
    public var paths: [String]
}
