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

    /// Runs the collection.
    ///
    /// - Parameter snapshot: a fresh snapshot to reuse; `nil` scans the store first.
    /// - Returns: what was eligible and, unless a dry run, what was deleted.
    /// - Throws: `.locked` if another run holds the lock, the scan's fatal errors.
    public func run(snapshot given: StoreSnapshot? = nil) async throws(SweepError) -> CollectReport {
        var timings: [String: Double] = [:]
        let lock = try takeLock()
        defer { withExtendedLifetime(lock) {} }
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
        let mark = await Marker(snapshot: snapshot, options: options).mark { repository, id in
            await planner.isYoung(StorePath.revision(repository.name, snapshot.digests[id]) + "/link")
        }
        timings["mark"] = Timestamp.monotonic() - clock
        clock = Timestamp.monotonic()
        let plan = await planner.plan(mark)
        timings["plan"] = Timestamp.monotonic() - clock
        return await finish(plan, snapshot: snapshot, marked: mark.marked.count, timings: timings)
    }

    /// What the scan must read for these options (no more: hygiene costs listings).
    public var scanOptions: ScanOptions {
        var scan = ScanOptions()
        scan.concurrency = options.concurrency
        scan.readTagHistory = options.cleanLinks || options.deleteUntagged
        scan.listLayerLinks = options.cleanLinks
        return scan
    }

    /// Takes the store lock for a real run on a filesystem store.
    func takeLock() throws(SweepError) -> StoreLock? {
        guard !options.dryRun, let filesystem = backend as? FileSystemBackend else { return nil }
        return try StoreLock(root: filesystem)
    }

    /// Sweeps (unless dry run) and builds the report.
    func finish(_ plan: SweepPlan, snapshot: StoreSnapshot, marked: Int, timings: [String: Double]) async -> CollectReport {
        var timings = timings
        var failures: [SweepError] = []
        var warnings = plan.warnings
        if !options.dryRun {
            let clock = Timestamp.monotonic()
            failures = await Sweeper(backend: backend, options: options).execute(plan)
            timings["sweep"] = Timestamp.monotonic() - clock
            if !plan.blobs.isEmpty || !plan.manifests.isEmpty {
                warnings.append(
                    "a running registry with storage.cache configured may still claim deleted blobs exist: restart it or disable the cache")
            }
        }
        return CollectReport(
            dryRun: options.dryRun, markedBlobs: marked,
            eligibleBlobs: plan.blobs.map(\.digest.description),
            eligibleManifests: plan.manifests.map { .init(repository: $0.repository, digest: $0.digest.description) },
            eligibleBytes: plan.bytes, eligibleUploads: plan.uploads.map(\.ref), eligibleLinks: plan.links.map(\.ref),
            eligibleRepositories: plan.repositories, keptYoungBlobs: plan.keptYoungBlobs,
            totalBlobs: snapshot.blobCount, totalManifests: snapshot.manifests.count, warnings: warnings,
            problems: snapshot.problems.map(StoreInventory.Problem.init), failures: failures.map(StoreInventory.Problem.init),
            timings: timings)
    }
}
