import Synchronization

/// One blob to hash, and how.
struct HashJob: Sendable {
    /// The blob.
    var digest: Digest
    /// Its size at the stat pass (orders the work: largest first).
    var size: Int
    /// The baseline record to check with XXH3 (fast mode, size and mtime unchanged), else
    /// `nil`: hash with SHA-256.
    var baseline: VerifyBaseline.Record?
    /// Also compute XXH3 for a new baseline record.
    var recordXXH3: Bool
    /// The store's content tag and modification time at the stat pass: a new record takes the
    /// tag only if the content read has that time (the tag then names that content).
    var contentTag: UInt64 = 0
    var modifiedNanoseconds: Int64 = 0
}

/// What hashing one blob found.
enum HashOutcome: Sendable {
    /// The content matches the digest (by SHA-256, or by XXH3, size and mtime against the baseline).
    case verified(BlobReading)
    /// SHA-256 of the content differs from the digest; `reading.sha256` is what it hashes to.
    case mismatch(BlobReading)
    /// The blob could not be read.
    case failed(SweepError)
}

/// What the hash pass did: the jobs (largest first) and each one's outcome.
struct HashPass: Sendable {
    /// The jobs in the order they were started.
    var jobs: [HashJob]
    /// The outcome of each job, by index (`nil` only if the run was cancelled).
    var outcomes: [HashOutcome?]
    /// Work counters.
    var counters = HashCounters()
}

/// What a worker (or the whole pass) hashed.
struct HashCounters: Sendable {
    /// Bytes read and hashed.
    var bytes = 0
    /// Blobs hashed with SHA-256.
    var sha256 = 0
    /// Blobs checked with XXH3.
    var xxh3 = 0

    static func += (lhs: inout HashCounters, rhs: HashCounters) {
        lhs.bytes += rhs.bytes
        lhs.sha256 += rhs.sha256
        lhs.xxh3 += rhs.xxh3
    }
}

/// One worker's results: job indices and their outcomes.
private struct WorkerResult: Sendable {
    var indices: [Int] = []
    var outcomes: [HashOutcome] = []
    var counters = HashCounters()
}

/// The next job index for the workers: one atomic counter, no lock.
private final class JobCursor: Sendable {
    let next = Atomic<Int>(0)
    /// Jobs and bytes done, for progress (taken only when someone observes it).
    let done = Mutex<(jobs: Int, bytes: Int)>((0, 0))
}

extension StoreVerifier {
    /// Stats every blob's `data` concurrently (about 1 µs each on a warm cache).
    ///
    /// - Parameters:
    ///   - digests: the blobs.
    ///   - backend: where to stat: the scan's view of the store.
    /// - Returns: per blob, its file information or the failure (`.notFound`: no `data`).
    func statBlobs(_ digests: [Digest], reader backend: any StorageBackend) async -> [Result<FileInfo, SweepError>] {
        let chunk = max(512, digests.count / (options.concurrency * 4) + 1)
        var results = [Result<FileInfo, SweepError>](
            repeating: .failure(SweepError(.cancelled, "not stat'ed")), count: digests.count)
        await withTaskGroup(of: (Int, [Result<FileInfo, SweepError>]).self) { group in
            for start in stride(from: 0, to: digests.count, by: chunk) {
                let range = start..<min(start + chunk, digests.count)
                group.addTask {
                    var out: [Result<FileInfo, SweepError>] = []
                    out.reserveCapacity(range.count)
                    for digest in digests[range] {
                        do throws(SweepError) {
                            out.append(.success(try await backend.stat(StorePath.blobData(digest))))
                        } catch {
                            out.append(.failure(error))
                        }
                    }
                    return (range.lowerBound, out)
                }
            }
            for await (start, out) in group {
                for (offset, result) in out.enumerated() { results[start + offset] = result }
            }
        }
        return results
    }

    /// Hashes every job with `options.concurrency` workers, largest blobs first.
    ///
    /// Workers take the next job from a shared atomic cursor, so a worker that drew small
    /// blobs keeps going while another hashes a large one; starting with the largest keeps
    /// one multi-gigabyte layer from running alone at the end. Memory: one read buffer per
    /// worker, plus one outcome per job (large blobs are mapped, one at a time per worker,
    /// see ``BlobHasher``). Workers block their thread in `pread` or page faults and hash on
    /// it: with one worker per core they hold the cooperative pool for the pass, on purpose
    /// (the work is CPU-bound on a warm cache, and more readers only add seeks on a cold one).
    ///
    /// - Parameters:
    ///   - jobs: the blobs to hash.
    ///   - backend: where to read them: the scan's view of the store (an object store then
    ///     knows each blob's size and time from its listing and only GETs the content).
    /// - Returns: the outcome of each job (`nil` only if the run was cancelled).
    /// - Throws: `.cancelled` if the task was cancelled.
    func hash(_ jobs: [HashJob], reader backend: any StorageBackend) async throws(SweepError) -> HashPass {
        let order = jobs.indices.sorted { jobs[$0].size > jobs[$1].size }
        let sorted = order.map { jobs[$0] }
        let cursor = JobCursor()
        let chunkSize = options.chunkSize
        let mapThreshold = options.mapThreshold
        let workers = max(1, min(options.concurrency, sorted.count))
        let progress = options.progress
        let total = sorted.count
        var pass = HashPass(jobs: sorted, outcomes: Array(repeating: nil, count: sorted.count))
        await withTaskGroup(of: WorkerResult.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    let hasher = BlobHasher(backend: backend, chunkSize: chunkSize, mapThreshold: mapThreshold)
                    var mine = WorkerResult()
                    while !Task.isCancelled {
                        let index = cursor.next.add(1, ordering: .relaxed).oldValue
                        guard index < sorted.count else { break }
                        mine.indices.append(index)
                        let before = mine.counters.bytes
                        mine.outcomes.append(await Self.hash(sorted[index], with: hasher, counters: &mine.counters))
                        if let progress {
                            // Under the lock, so that events arrive one at a time and in order.
                            let bytes = mine.counters.bytes - before
                            cursor.done.withLock { done in
                                done.jobs += 1
                                done.bytes += bytes
                                progress(.init(phase: .verify, done: done.jobs, total: total, bytes: done.bytes))
                            }
                        }
                    }
                    return mine
                }
            }
            for await part in group {
                for (index, outcome) in zip(part.indices, part.outcomes) { pass.outcomes[index] = outcome }
                pass.counters += part.counters
            }
        }
        if Task.isCancelled { throw SweepError(.cancelled, "verification was cancelled") }
        return pass
    }

    /// Hashes one job: XXH3 against its baseline record, confirmed by SHA-256 on any
    /// disagreement; or SHA-256 (and XXH3 when recording).
    private static func hash(_ job: HashJob, with hasher: BlobHasher, counters: inout HashCounters) async -> HashOutcome
    {
        do throws(SweepError) {
            if let record = job.baseline {
                let reading = try await hasher.read(job.digest, sha256: false, xxh3: true)
                counters.bytes += reading.size
                counters.xxh3 += 1
                if reading.xxh3 == record.xxh3 && reading.size == record.size
                    && reading.modifiedNanoseconds == record.modifiedNanoseconds
                {
                    return .verified(reading)
                }
                // Changed since the stat pass, or damaged: only SHA-256 decides, never XXH3 alone.
            }
            let reading = try await hasher.read(job.digest, sha256: true, xxh3: job.recordXXH3 || job.baseline != nil)
            counters.bytes += reading.size
            counters.sha256 += 1
            return reading.sha256 == job.digest ? .verified(reading) : .mismatch(reading)
        } catch {
            return .failed(error)
        }
    }
}
