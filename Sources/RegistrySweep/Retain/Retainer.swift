/// Applies a retention policy: decides from one scan which tags go, deletes them the way
/// `delete NAME:TAG` does and, with ``RetentionOptions/collect``, collects on the same scan.
///
/// ```swift
/// let policy = try RetentionPolicy.load(yamlFile: "retention.yml")
/// var options = RetentionOptions()
/// options.collect = true
/// let preview = try await Retainer(backend: backend, options: options).run(policy)
/// print(preview.deletedTags, preview.bytes)
/// ```
///
/// Safety: whatever cannot be judged keeps its tags (see ``RetentionDecision/Reason``); the
/// deletion is ``ImageDeleter``'s own decision for those `NAME:TAG` targets (a manifest goes only
/// if no surviving tag reaches it; its index children and untagged referrers with it), written
/// to the delete journal before anything is removed, so an interrupted run is finished by the
/// next `delete`, `gc` or `retain`; the collection is the global mark with the deleted manifests
/// excluded; removals go through the same revalidating sweep as `gc`.
public struct Retainer: Sendable {
    /// The store.
    public let backend: any StorageBackend
    /// Dry run, scope, collect, prune, grace.
    public let options: RetentionOptions

    /// Creates a retainer.
    public init(backend: any StorageBackend, options: RetentionOptions = RetentionOptions()) {
        self.backend = backend
        self.options = options
    }

    /// Applies the policy: a dry run reports, a real run removes.
    ///
    /// - Returns: the decisions per repository, the tags deleted, and the removal report (its
    ///   bytes are those the whole run frees).
    /// - Throws: `.invalidStore` before anything is written if the root is not a registry store,
    ///   `.locked` if another run holds the lock, `.invalidArgument` for a policy pattern that
    ///   does not compile, and the scan's fatal errors.
    public func run(_ policy: RetentionPolicy) async throws(SweepError) -> RetentionReport {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await perform(policy) }
    }

    /// Plans the run for review; changes nothing.
    ///
    /// The plan is a `delete` plan for the chosen tags (``SweepPlan/Origin/delete``):
    /// ``ImageDeleter/execute(_:maxAge:)`` (`regsweep delete ROOT --apply FILE`) carries it out
    /// later against a fresh scan. With ``RetentionOptions/collect`` it also lists what the
    /// collection would remove; executing it removes the deletion's part, the rest is `gc`'s.
    ///
    /// - Throws: as ``run(_:)``.
    public func plan(_ policy: RetentionPolicy) async throws(SweepError) -> SweepPlan {
        try await backend.onTaskExecutor { () async throws(SweepError) in
            try await Collector.checkStore(backend)
            var dry = options
            dry.dryRun = true
            let retainer = Retainer(backend: backend, options: dry)
            let snapshot = try await StoreScanner(backend: backend, options: dry.scanOptions).scan()
            let decided = try retainer.decide(policy, snapshot: snapshot)
            var (plan, _) = await retainer.plan(decided.journal, snapshot: snapshot)
            await plan.prepareForReview(
                backend: backend, snapshot: snapshot, options: dry.collectOptions,
                origin: .init(
                    operation: "delete", store: backend.displayName, scannedAt: snapshot.startedAt,
                    delete: .init(targets: decided.targets.map(\.description), options: dry.deleteOptions)))
            return plan
        }
    }

    /// The decision of one run: per repository, the delete targets, and the delete's journal.
    struct Decided {
        var decisions: [RetentionDecision]
        var targets: [DeleteTarget]
        var journal: DeleteJournal
    }

    /// Selects the tags and makes the delete decision for them, from one snapshot.
    func decide(_ policy: RetentionPolicy, snapshot: StoreSnapshot) throws(SweepError) -> Decided {
        let decisions = try RetentionSelector(policy: policy, options: options).select(snapshot)
        let targets = decisions.flatMap { decision in
            decision.deletedTags.map { DeleteTarget(repository: decision.repository, tag: $0) }
        }
        var journal = try ImageDeleter(backend: backend, options: options.deleteOptions).decide(
            targets, snapshot: snapshot)
        journal.prune = options.prune
        return Decided(decisions: decisions, targets: targets, journal: journal)
    }

    /// Plans the removals: the delete's own plan, or with collect the global mark with the
    /// deleted manifests excluded and every unmarked blob a candidate.
    ///
    /// - Returns: the plan and the number of marked blobs.
    func plan(_ journal: DeleteJournal, snapshot: StoreSnapshot) async -> (SweepPlan, Int) {
        let deleter = ImageDeleter(backend: backend, options: options.deleteOptions)
        guard options.collect else { return await deleter.plan(journal, snapshot: snapshot) }
        let collectOptions = options.collectOptions
        var exclusions = Marker.Exclusions()
        for (name, digests) in journal.deadRevisions {
            exclusions.deadRevisions[name] = Set(digests.compactMap(snapshot.digests.id(of:)))
        }
        for tag in journal.tags { exclusions.removedTags.insert(.init(repository: tag.repository, tag: tag.tag)) }
        var marker = Marker(snapshot: snapshot, options: collectOptions)
        marker.exclusions = exclusions
        let mark = await marker.mark { _, _ in false }
        var planner = Planner(backend: backend, snapshot: snapshot, options: collectOptions)
        planner.removedTags = exclusions.removedTags
        var plan = await planner.plan(mark, uploads: collectOptions.uploadAge != nil)
        plan.tags = journal.tags.map {
            .init(repository: $0.repository, tag: $0.tag, current: $0.current.flatMap(Digest.init))
        }
        plan.warnings += ImageDeleter.stillNeeded(journal, exclusions: exclusions, snapshot: snapshot)
        return (plan, mark.marked.count)
    }

    /// ``run(_:)``, on the backend's task executor.
    private func perform(_ policy: RetentionPolicy) async throws(SweepError) -> RetentionReport {
        let collector = Collector(backend: backend, options: options.collectOptions)
        try await Collector.checkStore(backend)
        let lock = try await collector.takeLock()
        defer { withExtendedLifetime(lock) {} }
        var finished: String?
        if !options.dryRun, let journal = try await DeleteJournal.load(backend) {
            let done = try await ImageDeleter(backend: backend, options: options.deleteOptions).finish(journal)
            finished = "finished first the interrupted delete: \(done.removedTags.joined(separator: ", "))"
        }
        var timings: [String: Double] = [:]
        var clock = Timestamp.monotonic()
        let snapshot = try await StoreScanner(backend: backend, options: options.scanOptions).scan()
        timings["scan"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()
        let decided = try decide(policy, snapshot: snapshot)
        let (plan, marked) = await plan(decided.journal, snapshot: snapshot)
        timings["plan"] = Timestamp.monotonic() - clock
        // The report's path list (one string per removal) is built on another core meanwhile.
        async let paths = plan.paths
        if !options.dryRun && !decided.journal.tags.isEmpty { try decided.journal.save(backend) }
        var report = await collector.finish(plan, snapshot: snapshot, marked: marked, timings: timings, explicit: true)
        // A cancelled or failed run keeps its journal: the next run finishes the deletion.
        if !options.dryRun && report.failures.isEmpty && !report.cancelled && !decided.journal.tags.isEmpty {
            try await DeleteJournal.remove(backend)
        }
        if let finished { report.warnings.insert(finished, at: 0) }
        var decisions = decided.decisions
        let unattributed = attributeBytes(
            report.eligibleBlobs, plan: plan, journal: decided.journal, snapshot: snapshot, to: &decisions)
        let unjudged: Set<RetentionDecision.Reason> = [
            .pushTimeUnknown, .unreadable, .repositoryIncomplete, .invalidName,
        ]
        for decision in decisions where decision.keptTags.contains(where: { unjudged.contains($0.reason) }) {
            report.warnings.append("\(decision.repository): tags that could not be judged were kept (see keptUnjudged)")
        }
        var result = RetentionReport(
            repositories: decisions,
            deletedTags: decided.targets.map(\.description).sorted(),
            keptUnjudged: decisions.flatMap { decision in
                decision.keptTags.filter { unjudged.contains($0.reason) }.map { "\(decision.repository):\($0.tag)" }
            }.sorted(),
            collect: options.collect, report: report, paths: await paths)
        result.unattributedBytes = unattributed
        return result
    }

    /// Sets each decision's ``RetentionDecision/bytes``: the freed blobs its repository referenced
    /// through its deleted manifests and tags or its layer links.
    ///
    /// - Returns: the bytes of freed blobs no decided repository referenced.
    private func attributeBytes(
        _ freed: [Digest], plan: SweepPlan, journal: DeleteJournal, snapshot: StoreSnapshot,
        to decisions: inout [RetentionDecision]
    ) -> Int {
        guard !freed.isEmpty else { return 0 }
        // Flat tables over digest ids: the freed blobs of the plan, and their sizes.
        let universe = snapshot.digests.count
        var isFreed = BitSet(universe: universe)
        for digest in freed {
            if let id = snapshot.digests.id(of: digest) { isFreed.insert(id) }
        }
        // `bytes`: the freed blobs the plan sized (each once, whatever the plan holds twice).
        var bytes = BitSet(universe: universe)
        var sizes = [Int](repeating: 0, count: universe)
        var freedIDs: [UInt32] = []
        for blob in plan.blobs {
            guard let id = snapshot.digests.id(of: blob.digest), isFreed.contains(id), bytes.insert(id) else {
                continue
            }
            sizes[Int(id)] = blob.bytes
            freedIDs.append(id)
        }
        let byName = Dictionary(snapshot.repositories.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var roots: [String: [UInt32]] = [:]
        for tag in journal.tags {
            if let current = tag.current.flatMap(Digest.init).flatMap(snapshot.digests.id(of:)) {
                roots[tag.repository, default: []].append(current)
            }
        }
        for (name, digests) in journal.deadRevisions {
            roots[name, default: []] += digests.compactMap(snapshot.digests.id(of:))
        }
        // Scratch sets for all repositories, cleared after each through `walked` and `counted`.
        var visited = BitSet(universe: universe)
        var isCounted = BitSet(universe: universe)
        var attributed = BitSet(universe: universe)
        var counted: [UInt32] = []
        var walked: [UInt32] = []
        for index in decisions.indices {
            guard let repository = byName[decisions[index].repository] else { continue }
            for id in repository.layers where bytes.contains(id) && isCounted.insert(id) { counted.append(id) }
            snapshot.walkClosure(from: roots[repository.name] ?? [], visited: &visited) { id, node in
                if node == .manifest { walked.append(id) }
                if bytes.contains(id) && isCounted.insert(id) { counted.append(id) }
            }
            for id in walked { visited.remove(id) }
            decisions[index].bytes = counted.reduce(0) { $0 + sizes[Int($1)] }
            for id in counted {
                isCounted.remove(id)
                _ = attributed.insert(id)
            }
            walked.removeAll(keepingCapacity: true)
            counted.removeAll(keepingCapacity: true)
        }
        return freedIDs.reduce(0) { $0 + (attributed.contains($1) ? 0 : sizes[Int($1)]) }
    }
}
