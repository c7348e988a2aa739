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
    /// Dry run, prune, grace and concurrency.
    public let options: DeleteOptions

    /// Creates a deleter.
    public init(backend: any StorageBackend, options: DeleteOptions = DeleteOptions()) {
        self.backend = backend
        self.options = options
    }

    /// The options of the shared planner and sweeper.
    private var collectOptions: CollectOptions { options.collectOptions }

    /// Deletes the targets.
    ///
    /// A real run first finishes the journal an interrupted delete left (`ROOT/.regsweep-delete.journal`);
    /// targets that journal already covered are done, not unknown.
    ///
    /// - Returns: the report; `removedTags` lists `NAME:TAG` removed, `eligibleRepositories` the
    ///   repositories removed.
    /// - Throws: `.unknownReference` for a missing repository or tag, `.invalidStore` when a
    ///   target repository could not be read completely (fix the reported problems first) or the
    ///   root is not a store, `.locked`, and the scan's fatal errors.
    public func run(_ targets: [DeleteTarget]) async throws(SweepError) -> DeleteReport {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await perform(targets, reviewed: nil) }
    }

    /// What the scan reads: the default, at this deletion's concurrency.
    var scanOptions: ScanOptions {
        var scan = ScanOptions()
        scan.concurrency = options.concurrency
        return scan
    }

    /// Plans the deletion for review; changes nothing.
    ///
    /// - Returns: the plan, with the targets and options it was made for (see ``SweepPlan``).
    /// - Throws: as ``run(_:)``.
    public func plan(_ targets: [DeleteTarget]) async throws(SweepError) -> SweepPlan {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await planOnTaskExecutor(targets) }
    }

    /// ``plan(_:)``, on the backend's task executor.
    private func planOnTaskExecutor(_ targets: [DeleteTarget]) async throws(SweepError) -> SweepPlan {
        try await Collector.checkStore(backend)
        let snapshot = try await StoreScanner(backend: backend, options: scanOptions).scan()
        var journal = try decide(targets, snapshot: snapshot)
        journal.prune = options.prune
        var (plan, _) = await plan(journal, snapshot: snapshot)
        var planOptions = options
        planOptions.dryRun = true
        await plan.prepareForReview(
            backend: backend, snapshot: snapshot, options: collectOptions,
            origin: .init(
                operation: "delete", store: backend.displayName, scannedAt: snapshot.startedAt,
                delete: .init(targets: targets.map(\.description), options: planOptions)))
        return plan
    }

    /// Executes a reviewed delete plan: decides again against a fresh scan, and removes only
    /// what both the fresh decision and the reviewed plan list (see
    /// ``Collector/execute(_:maxAge:)``). With ``DeleteOptions/dryRun`` set on this deleter,
    /// reports what executing would do now.
    ///
    /// - Throws: `.invalidArgument` for a plan of another store, operation or version, or one
    ///   older than `maxAge`; `.unknownReference` if a target is gone since; as ``run(_:)``.
    public func execute(_ reviewed: SweepPlan, maxAge: Double = SweepPlan.defaultMaxAge) async throws(SweepError)
        -> DeleteReport
    {
        try await backend.onTaskExecutor { () async throws(SweepError) in
            try await executeOnTaskExecutor(reviewed, maxAge: maxAge)
        }
    }

    /// ``execute(_:maxAge:)``, on the backend's task executor.
    private func executeOnTaskExecutor(_ reviewed: SweepPlan, maxAge: Double) async throws(SweepError) -> DeleteReport {
        try await Collector.checkStore(backend)
        try reviewed.checkExecutable(on: backend, operation: "delete", maxAge: maxAge, now: Timestamp.now())
        guard let request = reviewed.origin?.delete else {
            throw SweepError(.invalidArgument, "the plan holds no delete targets; make it again")
        }
        let targets = try request.targets.map { text throws(SweepError) in try DeleteTarget(parsing: text) }
        var planOptions = request.options
        planOptions.dryRun = options.dryRun
        planOptions.now = options.now
        planOptions.concurrency = options.concurrency
        planOptions.pauseAfterEachDeletion = options.pauseAfterEachDeletion
        planOptions.progress = options.progress
        return try await ImageDeleter(backend: backend, options: planOptions).perform(targets, reviewed: reviewed)
    }

    /// Runs a delete, bounded by a reviewed plan when one is given.
    private func perform(_ targets: [DeleteTarget], reviewed: SweepPlan?) async throws(SweepError) -> DeleteReport {
        let collector = Collector(backend: backend, options: collectOptions)
        try await Collector.checkStore(backend)
        let lock = try await collector.takeLock()
        defer { withExtendedLifetime(lock) {} }
        var finished: DeleteReport?
        if !options.dryRun, let journal = try await DeleteJournal.load(backend) {
            finished = try await finish(journal)
            let covered = Set(journal.targets)
            if reviewed == nil, targets.allSatisfy({ covered.contains($0.description) }), var report = finished {
                report.report.warnings.insert(
                    "finished the interrupted delete of \(journal.targets.joined(separator: ", "))", at: 0)
                return report
            }
        }
        var timings: [String: Double] = [:]
        var clock = Timestamp.monotonic()
        let snapshot = try await StoreScanner(backend: backend, options: scanOptions).scan()
        timings["scan"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()
        var journal = try decide(targets, snapshot: snapshot)
        journal.prune = options.prune
        if let reviewed { journal.restrict(to: reviewed) }
        var (plan, marked) = await plan(journal, snapshot: snapshot)
        timings["plan"] = Timestamp.monotonic() - clock
        var gone: [CollectReport.Skipped] = []
        var unreviewed = 0
        if let reviewed { (plan, gone, unreviewed) = plan.restricted(to: reviewed) }
        if !options.dryRun { try journal.save(backend) }
        var report = await collector.finish(plan, snapshot: snapshot, marked: marked, timings: timings, explicit: true)
        // A cancelled or failed delete keeps its journal: the next run finishes it.
        if !options.dryRun && report.failures.isEmpty && !report.cancelled { try await DeleteJournal.remove(backend) }
        report.skipped.insert(contentsOf: gone, at: 0)
        if unreviewed > 0 {
            report.warnings.append(
                "\(unreviewed) items the delete would now remove were not in the reviewed plan; they were left alone")
        }
        var result = DeleteReport(
            report: report,
            removedTags: journal.tags.map { "\($0.repository):\($0.tag)" }.sorted(),
            paths: plan.paths)
        if let finished {
            result.report.warnings.insert(
                "finished first the interrupted delete: \(finished.removedTags.joined(separator: ", "))", at: 0)
        }
        return result
    }

    /// Finishes an interrupted delete from its journal against a fresh scan; removes the
    /// journal when nothing failed.
    func finish(_ journal: DeleteJournal) async throws(SweepError) -> DeleteReport {
        let snapshot = try await StoreScanner(backend: backend, options: scanOptions).scan()
        let (plan, marked) = await plan(journal, snapshot: snapshot)
        var freshness = Freshness(snapshot: snapshot, options: collectOptions)
        // Files written since the first run's decision are young; directories changed since then
        // are not news (this scan read them; the first run's own removals changed them).
        freshness.decidedAt = min(freshness.decidedAt, journal.scannedAt)
        freshness.youngSince = min(freshness.youngSince, journal.scannedAt)
        let report = await Collector(backend: backend, options: collectOptions)
            .finish(plan, snapshot: snapshot, marked: marked, timings: [:], explicit: true, freshness: freshness)
        if report.failures.isEmpty && !report.cancelled { try await DeleteJournal.remove(backend) }
        return DeleteReport(
            report: report, removedTags: journal.tags.map { "\($0.repository):\($0.tag)" }.sorted(), paths: plan.paths)
    }

    /// Decides, from the snapshot, which tags, manifests and blobs the targets remove.
    ///
    /// - Throws: `.unknownReference` or `.invalidStore` as ``run(_:)``; nothing is changed.
    func decide(_ targets: [DeleteTarget], snapshot: StoreSnapshot) throws(SweepError) -> DeleteJournal {
        var journal = DeleteJournal(
            scannedAt: snapshot.startedAt, targets: targets.map(\.description), tags: [], deadRevisions: [:],
            wholeRepositories: [], blobCandidates: [], prune: options.prune)
        var candidates = BitSet(universe: snapshot.digests.count)
        var walked = BitSet(universe: snapshot.digests.count)
        let byName = Dictionary(snapshot.repositories.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let grouped = Dictionary(grouping: targets, by: \.repository)
        for (name, repositoryTargets) in grouped.sorted(by: { $0.key < $1.key }) {
            guard let repository = byName[name] else {
                throw SweepError(
                    .unknownReference, "no repository \"\(name)\" in the store; nothing was changed",
                    path: StorePath.repository(name))
            }
            if repository.isIncomplete || !repository.hasValidName
                || repository.revisions.contains(where: snapshot.unreadableManifests.contains)
            {
                throw SweepError(
                    .invalidStore,
                    "repository \"\(name)\" could not be read completely (a scan lists its problems); nothing was changed",
                    path: StorePath.repository(name))
            }
            func current(_ tag: Repository.Tag) -> String? { tag.current.map { snapshot.digests[$0].description } }
            let dead: Set<UInt32>
            let removed: [Repository.Tag]
            if repositoryTargets.contains(where: { $0.tag == nil }) {
                removed = repository.tags
                dead = Set(repository.revisions)
                journal.wholeRepositories.append(name)
            } else {
                var chosen: [Repository.Tag] = []
                var chosenNames = Set<String>()
                // By name, built once: retention names thousands of tags of one repository.
                let tagsByName = Dictionary(
                    repository.tags.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
                for target in repositoryTargets {
                    guard let tag = tagsByName[target.tag ?? ""] else {
                        throw SweepError(
                            .unknownReference,
                            "no tag \"\(target.tag ?? "")\" in repository \"\(name)\"; nothing was changed",
                            path: StorePath.tag(name, target.tag ?? ""))
                    }
                    if chosenNames.insert(tag.name).inserted { chosen.append(tag) }
                }
                removed = chosen
                let removedNames = Set(chosen.map(\.name))
                let remaining = repository.tags.filter { !removedNames.contains($0.name) }
                let reached = snapshot.reach(from: chosen.compactMap(\.current), in: repository)
                let live = snapshot.reach(from: remaining.compactMap(\.current), in: repository)
                    .union(repository.revisions.filter { !reached.contains($0) })
                dead = reached.subtracting(live).intersection(repository.revisions)
            }
            for tag in removed {
                journal.tags.append(.init(repository: name, tag: tag.name, current: current(tag)))
                // A removed tag's manifest may be no revision here: its content is still the delete's to free.
                if let id = tag.current {
                    snapshot.closure(from: CollectionOfOne(id), into: &candidates, visited: &walked)
                }
            }
            journal.deadRevisions[name] = dead.sorted().map { snapshot.digests[$0] }
            snapshot.closure(from: dead, into: &candidates, visited: &walked)
        }
        journal.blobCandidates = candidates.filter(snapshot.blobs.contains).map { snapshot.digests[$0] }
        return journal
    }

    /// Marks the snapshot with the journal's decisions and plans the removals.
    ///
    /// - Returns: the plan and the number of marked blobs.
    func plan(_ journal: DeleteJournal, snapshot: StoreSnapshot) async -> (SweepPlan, Int) {
        var exclusions = Marker.Exclusions()
        for (name, digests) in journal.deadRevisions {
            exclusions.deadRevisions[name] = Set(digests.compactMap(snapshot.digests.id(of:)))
        }
        for tag in journal.tags { exclusions.removedTags.insert(.init(repository: tag.repository, tag: tag.tag)) }
        let kept = Self.stillNeeded(journal, exclusions: exclusions, snapshot: snapshot)
        var markerOptions = collectOptions
        markerOptions.deleteUntagged = false
        var marker = Marker(snapshot: snapshot, options: markerOptions)
        marker.exclusions = exclusions
        let mark = await marker.mark { _, _ in false }

        // Only blobs the deleted manifests and tags referenced may go.
        var candidates = BitSet(universe: snapshot.digests.count)
        for digest in journal.blobCandidates {
            if let id = snapshot.digests.id(of: digest) { _ = candidates.insert(id) }
        }
        var planner = Planner(backend: backend, snapshot: snapshot, options: collectOptions)
        planner.removedTags = exclusions.removedTags
        let affected = Set(journal.tags.map(\.repository)).union(journal.deadRevisions.keys)
        var plan = await planner.plan(mark, blobCandidates: candidates, linkRepositories: affected, uploads: false)
        plan.tags = journal.tags.map {
            .init(repository: $0.repository, tag: $0.tag, current: $0.current.flatMap(Digest.init))
        }
        for name in journal.wholeRepositories where !plan.repositories.contains(name) { plan.repositories.append(name) }
        plan.repositories.removeAll {
            !affected.contains($0) || (!journal.prune && !journal.wholeRepositories.contains($0))
        }
        plan.warnings += kept
        return (plan, mark.marked.count)
    }

    /// The delete's notes for deleted tags whose manifest stays (another tag still needs it).
    static func stillNeeded(_ journal: DeleteJournal, exclusions: Marker.Exclusions, snapshot: StoreSnapshot)
        -> [String]
    {
        let byName = Dictionary(snapshot.repositories.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var revisions: [String: Set<UInt32>] = [:]
        var notes = Set<String>()
        for tag in journal.tags {
            guard let current = tag.current, let digest = Digest(current), let id = snapshot.digests.id(of: digest),
                let repository = byName[tag.repository],
                !(exclusions.deadRevisions[tag.repository]?.contains(id) ?? false)
            else { continue }
            if revisions[tag.repository] == nil { revisions[tag.repository] = Set(repository.revisions) }
            if revisions[tag.repository]?.contains(id) == true {
                notes.insert("\(tag.repository)@\(current) is still needed by another tag; only the tag was removed")
            }
        }
        return notes.sorted()
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
