/// Garbage collection of a registry store: scan, mark, plan, sweep.
///
/// ```swift
/// let backend = try FileSystemBackend(root: "/var/lib/registry")
/// var options = CollectOptions()
/// options.dryRun = false
/// options.deleteUntagged = true
/// let report = try await Collector(backend: backend, options: options).run()
/// print(report.eligibleBytes)
/// ```
///
/// Safety: only what the mark proves unreachable and is older than the grace period is
/// removed; anything unreadable keeps what it might reference; references are removed before
/// the data they name; a non-dry run holds the store lock.
public struct Collector: Sendable {
    /// The store.
    public let backend: any StorageBackend
    /// What to collect.
    public let options: CollectOptions

    /// Creates a collector.
    public init(backend: any StorageBackend, options: CollectOptions = CollectOptions()) {
        self.backend = backend
        self.options = options
    }

    /// Runs the collection: a dry run reports, a real run plans and sweeps at once.
    ///
    /// A dry run reports what a real run would remove now: what the registry wrote since the
    /// scan is rechecked and left out (``CollectReport/skipped``), except on a backend whose
    /// directory times cost a listing (``StorageBackend/statsDirectoriesByListing``, an object
    /// store), where that recheck would list the repositories tree a second time: there a dry
    /// run reports as of its scan. A real run rechecks before every phase on every backend.
    ///
    /// - Parameter given: a fresh snapshot to reuse; `nil` scans the store first.
    /// - Returns: what was eligible and, unless a dry run, what was deleted.
    /// - Throws: `.invalidStore` before anything is written if the root is not a registry store,
    ///   `.locked` if another run holds the lock, the scan's fatal errors.
    public func run(snapshot given: StoreSnapshot? = nil) async throws(SweepError) -> CollectReport {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await runOnTaskExecutor(given) }
    }

    /// ``run(snapshot:)``, on the backend's task executor.
    private func runOnTaskExecutor(_ given: StoreSnapshot?) async throws(SweepError) -> CollectReport {
        try await Self.checkStore(backend)
        let lock = try await takeLock()
        defer { withExtendedLifetime(lock) {} }
        let finishedDelete = given == nil ? try await finishInterruptedDelete() : nil
        let (snapshot, plan, marked, timings) = try await scanAndPlan(given)
        // The plan's last reference: the report takes its place list by list.
        var report = await finish(consume plan, snapshot: snapshot, marked: marked, timings: timings)
        if let finishedDelete { report.warnings.insert(finishedDelete, at: 0) }
        return report
    }

    /// Plans the collection for review; changes nothing.
    ///
    /// The plan lists what a real run would remove now (eligible, and not referenced by
    /// anything the registry wrote since the scan), with the store and options it was made
    /// for. Review it (it is `Codable`), then hand it to ``execute(_:maxAge:)``.
    ///
    /// - Throws: as ``run(snapshot:)`` (no lock is taken).
    public func plan() async throws(SweepError) -> SweepPlan {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await planOnTaskExecutor() }
    }

    /// ``plan()``, on the backend's task executor.
    private func planOnTaskExecutor() async throws(SweepError) -> SweepPlan {
        try await Self.checkStore(backend)
        let planned = try await scanAndPlan(nil)
        var plan = planned.plan
        var planOptions = options
        planOptions.dryRun = true
        await plan.prepareForReview(
            backend: backend, snapshot: planned.snapshot, options: options,
            origin: .init(
                operation: "gc", store: backend.displayName, scannedAt: planned.snapshot.startedAt, collect: planOptions
            ))
        return plan
    }

    /// Executes a reviewed plan: removes what it lists and a fresh scan still proves garbage.
    ///
    /// The store is scanned and planned again with the plan's own options; only items both
    /// plans list are removed, through the same revalidation and per-item checks as
    /// ``run(snapshot:)``, so a plan reviewed for an hour is as safe as a fresh run. Items of
    /// the reviewed plan that are no longer eligible are reported as skipped; items that
    /// became eligible since are left alone (nobody reviewed them) and counted in a warning.
    /// With ``CollectOptions/dryRun`` set on this collector, reports what executing would do now.
    ///
    /// - Parameters:
    ///   - reviewed: a plan from ``plan()``, possibly decoded from a file.
    ///   - maxAge: the oldest plan accepted, in seconds (default ``SweepPlan/defaultMaxAge``).
    /// - Throws: `.invalidArgument` for a plan of another store, operation or version, or one
    ///   older than `maxAge` (nothing is changed); otherwise as ``run(snapshot:)``.
    public func execute(_ reviewed: SweepPlan, maxAge: Double = SweepPlan.defaultMaxAge) async throws(SweepError)
        -> CollectReport
    {
        try await backend.onTaskExecutor { () async throws(SweepError) in
            try await executeOnTaskExecutor(reviewed, maxAge: maxAge)
        }
    }

    /// ``execute(_:maxAge:)``, on the backend's task executor.
    private func executeOnTaskExecutor(_ reviewed: SweepPlan, maxAge: Double) async throws(SweepError) -> CollectReport
    {
        try await Self.checkStore(backend)
        try reviewed.checkExecutable(on: backend, operation: "gc", maxAge: maxAge, now: Timestamp.now())
        guard var planOptions = reviewed.origin?.collect else {
            throw SweepError(.invalidArgument, "the plan holds no collection options; make it again")
        }
        planOptions.dryRun = options.dryRun
        planOptions.now = options.now
        planOptions.concurrency = options.concurrency
        planOptions.pauseAfterEachDeletion = options.pauseAfterEachDeletion
        planOptions.progress = options.progress
        let collector = Collector(backend: backend, options: planOptions)
        let lock = try await collector.takeLock()
        defer { withExtendedLifetime(lock) {} }
        let finishedDelete = try await collector.finishInterruptedDelete()
        let planned = try await collector.scanAndPlan(nil)
        let (plan, gone, unreviewed) = planned.plan.restricted(to: reviewed)
        var report = await collector.finish(
            plan, snapshot: planned.snapshot, marked: planned.marked, timings: planned.timings)
        report.skipped.insert(contentsOf: gone, at: 0)
        if unreviewed > 0 {
            report.warnings.append(
                "\(unreviewed) items became eligible after the plan was made; they were left alone (not in the reviewed plan)"
            )
        }
        if let finishedDelete { report.warnings.insert(finishedDelete, at: 0) }
        return report
    }

    /// A scan (unless given), mark and plan.
    private func scanAndPlan(_ given: StoreSnapshot?) async throws(SweepError)
        -> (snapshot: StoreSnapshot, plan: SweepPlan, marked: Int, timings: [String: Double])
    {
        var timings: [String: Double] = [:]
        var clock = Timestamp.monotonic()
        let snapshot: StoreSnapshot
        if let given {
            snapshot = given
        } else {
            snapshot = try await StoreScanner(backend: backend, options: scanOptions).scan()
        }
        timings["scan"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()
        let planner = Planner(backend: backend, snapshot: snapshot, options: options)
        try SweepError.checkCancellation("the collection")
        options.progress.send(.init(phase: .mark, done: 0, total: 1))
        let mark = await Marker(snapshot: snapshot, options: options).mark { repository, id in
            await planner.isYoung(StorePath.revision(repository.name, snapshot.digests[id]) + "/link")
        }
        timings["mark"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()
        options.progress.send(.init(phase: .plan, done: 0, total: 1))
        let plan = await planner.plan(mark)
        timings["plan"] = Timestamp.monotonic() - clock
        try SweepError.checkCancellation("the collection")
        return (snapshot, plan, mark.marked.count, timings)
    }

    /// A real run first finishes an interrupted delete: its decisions cannot be made again from
    /// the store. Returns what to tell the operator, or `nil` when there was none.
    private func finishInterruptedDelete() async throws(SweepError) -> String? {
        guard !options.dryRun, let journal = try await DeleteJournal.load(backend) else { return nil }
        var deleteOptions = DeleteOptions()
        deleteOptions.dryRun = false
        deleteOptions.prune = options.prune
        deleteOptions.grace = options.grace
        deleteOptions.concurrency = options.concurrency
        deleteOptions.now = options.now
        let finished = try await ImageDeleter(backend: backend, options: deleteOptions).finish(journal)
        return
            "finished first the interrupted delete of \(journal.targets.joined(separator: ", ")) (\(finished.report.removed?.blobs ?? 0) blobs removed)"
    }

    /// What the scan must read for these options (no more: hygiene costs listings).
    public var scanOptions: ScanOptions {
        var scan = ScanOptions()
        scan.concurrency = options.concurrency
        scan.readTagHistory = options.cleanLinks || options.deleteUntagged
        scan.listLayerLinks = options.cleanLinks
        scan.progress = options.progress
        return scan
    }

    /// Throws unless the root holds `docker/registry/v2` as a directory: checked before the lock
    /// file is created, so that nothing is ever written into a directory that is not a store.
    static func checkStore(_ backend: any StorageBackend) async throws(SweepError) {
        let info: FileInfo
        do {
            info = try await backend.stat(StorePath.v2)
        } catch {
            throw SweepError(
                .invalidStore,
                "no docker/registry/v2 under the root (\(error.message)): pass the storage rootdirectory (the folder holding docker/); nothing was changed",
                path: backend.displayName)
        }
        guard info.isDirectory else {
            throw SweepError(
                .invalidStore, "docker/registry/v2 under the root is not a directory; nothing was changed",
                path: backend.displayName)
        }
    }

    /// Takes the store lock for a real run (``StorageBackend/lock()``); a dry run takes none.
    ///
    /// - Throws: `.locked`, or the backend's refusal if it cannot lock: a real run never sweeps
    ///   unlocked.
    func takeLock() async throws(SweepError) -> StoreLockHandle? {
        guard !options.dryRun else { return nil }
        return try await backend.lock()
    }

    /// For each blob the plan removes, the repositories holding a layer link to it.
    static func layerHolders(of plan: SweepPlan, snapshot: StoreSnapshot) -> [Digest: [String]] {
        guard !plan.blobs.isEmpty else { return [:] }
        var planned = BitSet(universe: snapshot.digests.count)
        for blob in plan.blobs {
            if let id = snapshot.digests.id(of: blob.digest) { _ = planned.insert(id) }
        }
        var holders: [Digest: [String]] = [:]
        for repository in snapshot.repositories {
            for id in repository.layers where planned.contains(id) {
                holders[snapshot.digests[id], default: []].append(repository.name)
            }
        }
        return holders
    }

    /// Revalidates (a dry run once, unless the backend's directory times cost a listing; a real
    /// run before each phase), sweeps unless a dry run, and builds the report.
    ///
    /// - Parameter explicit: the plan's tags and manifests were named by the operator (`delete`).
    /// - Parameter freshness: the cutoffs (default: from the snapshot and the options).
    ///
    /// The plan is consumed: each of its lists is let go once the report holds its copy, so a
    /// caller that passes its last reference (`consume`) does not hold a large plan and its
    /// report at once.
    func finish(
        _ plan: consuming SweepPlan, snapshot: StoreSnapshot, marked: Int, timings: [String: Double],
        explicit: Bool = false, freshness given: Freshness? = nil
    ) async -> CollectReport {
        var timings = timings
        var failures: [SweepError] = []
        var warnings = plan.warnings
        let freshness = given ?? Freshness(snapshot: snapshot, options: options)
        var revalidator = Revalidator(
            backend: backend, snapshot: snapshot, freshness: freshness, concurrency: options.concurrency,
            layersListed: snapshot.layersListed)
        var skipped: [CollectReport.Skipped] = []
        var failedItems: [CollectReport.Skipped] = []
        var removed: CollectReport.Removed?
        var cancelled = false
        if options.dryRun {
            // What a real run would do now: nothing the registry wrote since the scan is eligible.
            // Where that recheck would list the store a second time (an object store), the dry
            // run reports as of its scan: a real run rechecks before every phase regardless.
            if !backend.statsDirectoriesByListing {
                await revalidator.refresh()
                skipped = plan.keepProtected(revalidator)
            }
        } else {
            let clock = Timestamp.monotonic()
            var sweeper = Sweeper(backend: backend, options: options, freshness: freshness)
            sweeper.explicit = explicit
            let outcome = await sweeper.execute(
                plan, revalidator: &revalidator, layerHolders: Self.layerHolders(of: plan, snapshot: snapshot))
            failures = outcome.failures
            skipped = outcome.skipped
            failedItems = outcome.failedItems
            removed = outcome.removed
            cancelled = outcome.cancelled
            timings["sweep"] = Timestamp.monotonic() - clock - revalidator.seconds
            if outcome.removed.blobs > 0 || outcome.removed.manifests > 0 {
                warnings.append(
                    "a running registry with storage.cache configured may still claim deleted blobs exist: restart it or disable the cache"
                )
            }
        }
        timings["revalidate"] = revalidator.seconds
        if cancelled {
            warnings.append(
                "cancelled: only proven garbage was removed, references before data; the rest is left for the next run")
        }
        if !skipped.isEmpty {
            warnings.append(
                "\(skipped.count) eligible items were kept because the store changed under the run (see skipped)")
        }
        // List by list, each of the plan's let go once copied (see above).
        let eligibleLinks = plan.links.map(\.ref)
        plan.links = []
        let eligibleManifests = plan.manifests.map {
            CollectReport.ManifestRef(repository: $0.repository, digest: $0.digest)
        }
        plan.manifests = []
        let eligibleBytes = plan.bytes
        let eligibleBlobSizes = plan.blobs.map(\.bytes)
        let eligibleBlobs = plan.blobs.map(\.digest)
        plan.blobs = []
        return CollectReport(
            dryRun: options.dryRun, markedBlobs: marked,
            eligibleBlobs: eligibleBlobs,
            eligibleManifests: eligibleManifests,
            eligibleBytes: eligibleBytes, eligibleBlobSizes: eligibleBlobSizes,
            eligibleUploads: plan.uploads.map(\.ref),
            eligibleIncompleteUploads: plan.incompleteUploads, eligibleLinks: eligibleLinks,
            eligibleRepositories: plan.repositories, keptYoungBlobs: plan.keptYoungBlobs,
            totalBlobs: snapshot.blobCount, totalManifests: snapshot.manifests.count, warnings: warnings,
            problems: snapshot.problems + plan.problems + revalidator.problems,
            failures: failures.map { StoreProblem($0) },
            timings: timings, removed: removed, skipped: skipped, failedItems: failedItems,
            revalidations: revalidator.refreshes, cancelled: cancelled, scannedAt: snapshot.startedAt)
    }
}
