/// Computes where a store's space goes (`regsweep du`): per repository the bytes it
/// references, and the bytes only it references, which deleting it would free.
///
/// ```swift
/// let backend = try FileSystemBackend(root: "/var/lib/registry")
/// let report = try await UsageCalculator(backend: backend).run()
/// for row in report.sorted(by: .exclusive).repositories.prefix(10) {
///     print(row.name, row.exclusiveBytes, row.totalBytes)
/// }
/// ```
///
/// "Referenced" follows `gc`'s default mark (every revision and every tag's manifest is a root;
/// index children, configs, layers and artifact blobs; repositories kept whole also keep their
/// layer links' blobs), and "exclusive" follows `delete --image`: see ``RepositoryUsage`` and
/// the identities in ``UsageReport``. Grace periods play no part: a blob is exclusive however
/// young it is (a delete with a grace period frees it on a later run).
///
/// Read-only, takes no lock: safe next to a running registry (the numbers are those of the
/// moment of the scan).
///
/// ## Performance
/// One scan (a delete's, plus one `stat` per blob and per upload), then one walk of each
/// repository's references with a few bytes per blob (see `BlobOwnership`): no per-repository
/// blob sets.
public struct UsageCalculator: Sendable {
    /// The store.
    public let backend: any StorageBackend
    /// Concurrency and progress.
    public let options: UsageOptions

    /// Creates a calculator.
    public init(backend: any StorageBackend, options: UsageOptions = UsageOptions()) {
        self.backend = backend
        self.options = options
    }

    /// Scans the store and attributes every blob.
    ///
    /// Problems the scan finds (unreadable links or manifests, unlistable directories) are in
    /// ``UsageReport/problems``; what they concern is accounted for safely (see ``UsageReport``).
    ///
    /// - Returns: the report, rows sorted by repository name.
    /// - Throws: `.invalidStore` when the root is not a store or the scan refuses it (see
    ///   ``StoreScanner/scan()``), `.cancelled` when the task is cancelled.
    public func run() async throws(SweepError) -> UsageReport {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await runOnTaskExecutor() }
    }

    /// ``run()``, on the backend's task executor.
    private func runOnTaskExecutor() async throws(SweepError) -> UsageReport {
        try await Collector.checkStore(backend)
        var clock = Timestamp.monotonic()
        let snapshot = try await StoreScanner(backend: backend, options: options.scanOptions).scan()
        var timings = ["scan": Timestamp.monotonic() - clock]
        clock = Timestamp.monotonic()
        let (uploadBytes, uploadProblems) = await Self.uploadBytes(snapshot, reader: snapshot.view ?? backend)
        timings["uploads"] = Timestamp.monotonic() - clock
        try SweepError.checkCancellation("du")
        clock = Timestamp.monotonic()
        var report = BlobOwnership(snapshot).report(snapshot, uploadBytes: uploadBytes)
        timings["attribute"] = Timestamp.monotonic() - clock
        report.problems += uploadProblems
        report.timings = timings
        return report
    }

    /// The bytes of each repository's uploads (`_uploads/<uuid>/data`), one `stat` each. An
    /// upload without `data` (none written yet, or an object store that keeps it elsewhere until
    /// it completes) counts 0; one whose `data` cannot be stat'ed counts 0 and is a problem.
    static func uploadBytes(_ snapshot: StoreSnapshot, reader: any StorageBackend) async -> ([Int], [StoreProblem]) {
        var bytes: [Int] = []
        var problems: [StoreProblem] = []
        for repository in snapshot.repositories {
            var total = 0
            for upload in repository.uploads {
                do throws(SweepError) {
                    let info = try await reader.stat(StorePath.upload(repository.name, upload.uuid) + "/data")
                    if info.isFile { total += info.size }
                } catch  where error.code == .notFound {
                    continue
                } catch {
                    var problem = StoreProblem(error)
                    problem.message = "the size of an upload cannot be read, so it counts 0 bytes: \(error.message)"
                    problems.append(problem)
                }
            }
            bytes.append(total)
        }
        return (bytes, problems)
    }
}
