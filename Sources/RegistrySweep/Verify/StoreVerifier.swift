/// Proves that a store's blobs hold what their digests say, and names the tags that break
/// where they do not.
///
/// Phases:
/// 1. **scan**: the store graph (``StoreScanner`` with link checks on): repositories, tags,
///    manifests, every link's content against its path;
/// 2. **stat**: every blob's `data` (size, mtime; absent `data` is reported);
/// 3. **hash**: SHA-256 of every blob (full mode), or XXH3 against the baseline for blobs
///    whose size and mtime are unchanged (fast mode; with ``VerifyOptions/trustContentTags``,
///    those whose content tag is unchanged too are not read), on all cores, largest blobs first;
/// 4. **attribute**: each problem is charged to the `repository:tag` pulls it breaks
///    (the broken-tag finder);
/// 5. optionally **quarantine** corrupt blobs and write the **baseline**.
///
/// The store is only read, except by `quarantine` (moves, asked for explicitly). Nothing
/// but an unusable store, baseline or quarantine directory stops a run: every other
/// failure is a problem in the report.
///
/// ## Performance
/// Hashing reads blobs below `mapThreshold` (512 KiB) through one reusable buffer per
/// worker (`chunkSize`, 1 MiB) and larger ones from a read-only mapping, unmapped before the
/// next blob (the blob hasher), so memory is O(blobs) for the graph and outcomes plus
/// O(workers x chunkSize) and at most one mapping per worker. On a warm
/// page cache SHA-256 runs at the CPU's hash rate on every core (SHA-NI where present).
public struct StoreVerifier: Sendable {
    /// The store.
    public let backend: any StorageBackend
    /// What to check and write.
    public let options: VerifyOptions

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - backend: the store (its root holds `docker/registry/v2`): any backend; blobs are
    ///     memory-mapped on the filesystem (local file access) and streamed elsewhere.
    ///   - options: mode, baseline, quarantine (a filesystem store only), concurrency.
    public init(backend: any StorageBackend, options: VerifyOptions = VerifyOptions()) {
        self.backend = backend
        self.options = options
    }

    /// Verifies the store.
    ///
    /// - Returns: the report; `isClean` is false when anything is wrong.
    /// - Throws: `.invalidArgument` for `fast` without a baseline, a baseline inside the
    ///   store's `docker/` tree, or an unusable quarantine directory; `.notFound` if the
    ///   baseline's directory does not exist; `.invalidBaseline` if the baseline (fast mode) is absent, damaged or of
    ///   another version; `.invalidStore` if the root is not a store; `.cancelled`; or the
    ///   error writing the baseline. These are checked before any hashing starts.
    /// - Complexity: O(total blob bytes) hashing; O(tags x closure) attribution.
    public func verify() async throws(SweepError) -> VerifyReport {
        try await backend.onTaskExecutor { () async throws(SweepError) in try await verifyOnTaskExecutor() }
    }

    /// ``verify()``, on the backend's task executor.
    private func verifyOnTaskExecutor() async throws(SweepError) -> VerifyReport {
        let start = Timestamp.monotonic()
        var report = VerifyReport(mode: options.mode)
        var previous: VerifyBaseline?
        if let path = options.baseline {
            let directory = try VerifyBaseline.split(path).directory
            if try Self.isInsideStoreTree(directory, store: backend) {
                throw SweepError(
                    .invalidArgument, "the baseline file must lie outside the store's docker/ tree", path: path)
            }
        }
        if options.trustContentTags && options.mode != .fast {
            throw SweepError(
                .invalidArgument, "trusting content tags (--trust-etag) needs fast mode (--fast --baseline FILE)")
        }
        if options.mode == .fast {
            guard let path = options.baseline else {
                throw SweepError(.invalidArgument, "fast verification needs a baseline file (VerifyOptions.baseline)")
            }
            previous = try await VerifyBaseline.load(path: path)
            report.baseline = VerifyReport.BaselineSummary(path: path, recordsRead: previous?.records.count)
        }
        var quarantine: Quarantine?
        if let directory = options.quarantine {
            // Quarantine is a `renameat` between two local directories: a filesystem store only.
            guard let store = backend as? FileSystemBackend else {
                throw SweepError(
                    .invalidArgument, "quarantine moves blobs with rename and needs a filesystem store",
                    path: directory)
            }
            quarantine = try await store.executor.run { () throws(SweepError) in
                try Quarantine(store: store, directory: directory)
            }
        }

        var phase = Timestamp.monotonic()
        var scanOptions = ScanOptions()
        scanOptions.checkLinks = true
        scanOptions.progress = options.progress
        let snapshot = try await StoreScanner(backend: backend, options: scanOptions).scan()
        report.timings["scan"] = Timestamp.monotonic() - phase
        var problems = snapshot.problems

        phase = Timestamp.monotonic()
        let digests = snapshot.blobs.map { snapshot.digests[$0] }
        report.blobs = digests.count
        // Through the scan's view: an object store answers from the listing it made.
        let reader = snapshot.view ?? backend
        let infos = await statBlobs(digests, reader: reader)
        var jobs: [HashJob] = []
        jobs.reserveCapacity(digests.count)
        var records: [VerifyBaseline.Record] = []
        for (digest, info) in zip(digests, infos) {
            switch info {
            case .success(let info):
                var baseline = previous?.record(for: digest)
                if baseline?.size != info.size || baseline?.modifiedNanoseconds != info.modifiedNanoseconds {
                    baseline = nil
                }
                if options.trustContentTags, let record = baseline, record.contentTag != 0,
                    record.contentTag == info.contentTag
                {
                    report.verified += 1
                    report.trustedContentTags += 1
                    records.append(record)
                    continue
                }
                jobs.append(
                    HashJob(
                        digest: digest, size: info.size, baseline: baseline, recordXXH3: options.baseline != nil,
                        contentTag: info.contentTag, modifiedNanoseconds: info.modifiedNanoseconds))
            case .failure(let error):
                problems.append(Self.readProblem(error, digest, backend))
            }
        }
        report.timings["stat"] = Timestamp.monotonic() - phase

        phase = Timestamp.monotonic()
        let pass = try await hash(jobs, reader: reader)
        report.hashSeconds = Timestamp.monotonic() - phase
        report.timings["hash"] = report.hashSeconds
        report.bytesHashed = pass.counters.bytes
        report.hashedSHA256 = pass.counters.sha256
        report.checkedXXH3 = pass.counters.xxh3
        report.throughput = report.hashSeconds > 0 ? Double(pass.counters.bytes) / report.hashSeconds : 0
        var corrupt: [Digest] = []
        for (job, outcome) in zip(pass.jobs, pass.outcomes) {
            switch outcome {
            case .verified(let reading)?:
                report.verified += 1
                if let xxh3 = reading.xxh3 {
                    records.append(
                        VerifyBaseline.Record(
                            digest: job.digest, size: reading.size, modifiedNanoseconds: reading.modifiedNanoseconds,
                            xxh3: xxh3,
                            contentTag: reading.modifiedNanoseconds == job.modifiedNanoseconds ? job.contentTag : 0))
                }
            case .mismatch(let reading)?:
                report.corrupt += 1
                corrupt.append(job.digest)
                problems.append(Self.mismatchProblem(job.digest, reading, previous?.record(for: job.digest), backend))
                if let old = previous?.record(for: job.digest) { records.append(old) }
            case .failed(let error)?:
                problems.append(Self.readProblem(error, job.digest, backend))
            case nil:
                throw SweepError(.cancelled, "verification was cancelled")
            }
        }

        phase = Timestamp.monotonic()
        var finder = BrokenTagFinder(snapshot: snapshot, problems: problems)
        let broken = finder.attribute(&problems)
        for index in problems.indices { problems[index].brokenTags = broken[index].map { $0.sorted() } ?? [] }
        report.problems = problems
        report.brokenTags = Set(broken.values.joined()).sorted()
        report.missing = Set(problems.lazy.filter { $0.code == .missingBlob }.compactMap(\.digest)).count
        report.unreadable = problems.lazy.filter { Self.unreadableCodes.contains($0.code) && $0.digest != nil }.count
        report.warnings = Self.danglingLayerLinks(snapshot)
        report.timings["attribute"] = Timestamp.monotonic() - phase

        if let quarantine {
            phase = Timestamp.monotonic()
            for digest in corrupt {
                do {
                    report.quarantined.append(
                        try await quarantine.store.executor.run { () throws(SweepError) in try quarantine.move(digest) }
                    )
                } catch {
                    report.problems.append(StoreProblem(error, brokenTags: []))
                }
            }
            report.timings["quarantine"] = Timestamp.monotonic() - phase
        }
        if let path = options.baseline {
            phase = Timestamp.monotonic()
            let written = try await writeBaseline(records, previous: previous, to: path)
            report.baseline = VerifyReport.BaselineSummary(
                path: path, recordsRead: previous?.records.count, recordsWritten: written)
            report.timings["baseline"] = Timestamp.monotonic() - phase
        }
        report.seconds = Timestamp.monotonic() - start
        return report
    }

    /// Writes the new baseline unless it equals the previous one (fast mode, nothing changed).
    ///
    /// - Returns: the number of records written, or `nil` if nothing was written.
    private func writeBaseline(
        _ records: [VerifyBaseline.Record], previous: VerifyBaseline?, to path: String
    ) async throws(SweepError) -> Int? {
        let now = Int64(Timestamp.now() * 1e9)
        let baseline = VerifyBaseline(records: records, createdNanoseconds: now)
        if let previous, previous.records == baseline.records { return nil }
        try await baseline.write(to: path)
        return baseline.records.count
    }
}
