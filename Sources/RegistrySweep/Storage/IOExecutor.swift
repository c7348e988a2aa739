import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed-size set of threads for blocking filesystem calls, so that they never occupy
/// Swift's cooperative pool (one thread per core, which a blocked `openat` or page fault
/// would take away from every other task).
///
/// It is a `TaskExecutor`, used two ways:
/// - ``run(_:)`` runs a blocking closure on one of its threads: inline when the caller is
///   already on one, else after a hop (`withTaskExecutorPreference`) there and back;
/// - an operation that makes many small calls (a scan makes hundreds of thousands) runs with
///   this executor as its task's preference (``StorageBackend/taskExecutor``): it and its child
///   tasks then run on these threads, and each ``run(_:)`` is a plain call. The scanner,
///   collector, deleter and verifier run so.
///
/// Threads start on demand, up to ``threadCount``, and exit after a few idle seconds; a
/// thread keeps the executor alive while it runs, so nothing needs shutting down.
///
/// Performance: a hop costs two thread switches, about 6 µs of CPU on the 2-core benchmark
/// machine (a cached `fstatat` costs 0.8 µs), which is why whole operations run here rather
/// than hopping per call; a call already on an I/O thread costs one thread-local read. Jobs
/// wait in one FIFO queue behind a `Mutex`; a POSIX semaphore wakes idle threads.
public final class IOExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked Sendable: the only mutable state is `state`, behind its `Mutex`; the
    // semaphore is thread-safe by construction.

    /// The most threads this executor runs at once.
    public let threadCount: Int

    /// The executor the filesystem backend uses unless told otherwise, with
    /// ``defaultThreadCount`` threads (started on first use).
    public static let shared = IOExecutor(threads: defaultThreadCount)

    /// The default number of threads: twice the online cores, at least 4 (as many as the
    /// scan's default ``ScanOptions/concurrency``, so no scan task waits for a thread).
    ///
    /// Chosen by measurement on 2 cores with a warm cache (100k blobs, paired runs against
    /// the cooperative pool): 2 and 4 threads ran at parity with it, 8 and 16 up to ~13%
    /// slower (the kernel's work on cached metadata is CPU-bound and does not overlap past
    /// the cores); 4 keeps threads free for reads that do block (a cold cache, slow disks).
    public static let defaultThreadCount = max(4, 2 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Seconds a thread waits for work before it exits.
    static let idleSeconds = 2

    private struct State {
        /// Jobs not yet taken, oldest first from `head`.
        var queue: [UnownedJob] = []
        var head = 0
        /// Threads started and not yet exited.
        var threads = 0
        /// Threads waiting on the semaphore.
        var idle = 0
        /// Jobs run so far (for tests).
        var jobsRun = 0

        mutating func pop() -> UnownedJob? {
            guard head < queue.count else { return nil }
            let job = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            return job
        }
    }

    private let state = Mutex(State())
    private let wakeups = SystemCalls.Semaphore()
    /// On each I/O thread: the executor that owns it (unretained), for ``isCurrent``.
    private static let owner = SystemCalls.ThreadLocal()

    /// An executor with at most `threads` threads.
    ///
    /// - Parameter threads: at least 1.
    public init(threads: Int) {
        precondition(threads >= 1, "an I/O executor needs at least one thread")
        threadCount = threads
    }

    /// True when the calling thread is one of this executor's.
    ///
    /// - Complexity: one thread-local read.
    public var isCurrent: Bool {
        // Safe: the pointer is only compared, never dereferenced.
        Self.owner.value == Unmanaged.passUnretained(self).toOpaque()
    }

    /// Runs `body` on one of this executor's threads and returns its result.
    ///
    /// - Parameter body: blocking work; it runs inline when the caller is already on one of
    ///   these threads, else the calling task moves here for the call and back after it.
    /// - Throws: what `body` throws.
    public func run<T, E: Error>(_ body: () throws(E) -> T) async throws(E) -> T {
        if isCurrent { return try body() }
        return try await hop(body)
    }

    /// ``run(_:)`` from a thread that is not one of ours.
    private func hop<T, E: Error>(_ body: () throws(E) -> T) async throws(E) -> T {
        try await withTaskExecutorPreference(self) { () async throws(E) -> T in
            assert(isCurrent, "a task with an I/O executor preference runs on another thread")
            return try body()
        }
    }

    /// Number of jobs this executor has run (task steps, including ``run(_:)`` hops).
    package var jobsRun: Int { state.withLock { $0.jobsRun } }

    /// Threads running now.
    package var runningThreads: Int { state.withLock { $0.threads } }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let start = state.withLock { state -> Bool in
            state.queue.append(job)
            guard state.queue.count - state.head > state.idle && state.threads < threadCount else { return false }
            state.threads += 1
            return true
        }
        wakeups.post()
        if start { startThread() }
    }

    /// Starts one more thread (already counted in `threads`).
    private func startThread() {
        do {
            try SystemCalls.startThread { [self] in work() }
        } catch {
            let none = state.withLock { state -> Bool in
                state.threads -= 1
                return state.threads == 0
            }
            // Without a thread no job would ever run: better to stop than to hang.
            if none { fatalError("regsweep: cannot start a thread for blocking I/O: \(error)") }
        }
    }

    /// What a thread does next.
    private enum Next {
        case run(UnownedJob)
        case wait
        case exit
    }

    /// A thread's loop: take jobs until none comes for ``idleSeconds``.
    private func work() {
        // Safe: an identity for ``isCurrent`` only; this thread holds a strong reference
        // (the `startThread` closure) until it clears the value and exits.
        Self.owner.value = Unmanaged.passUnretained(self).toOpaque()
        let executor = asUnownedTaskExecutor()
        var waited = false
        var woke = true
        while true {
            let next = state.withLock { state -> Next in
                if waited { state.idle -= 1 }
                if let job = state.pop() {
                    state.jobsRun += 1
                    return .run(job)
                }
                // Exit only when a wait timed out and the queue is still empty, decided under
                // the lock that `enqueue` starts threads under: a job is never left without one.
                if !woke {
                    state.threads -= 1
                    return .exit
                }
                state.idle += 1
                return .wait
            }
            switch next {
            case .run(let job):
                waited = false
                woke = true
                job.runSynchronously(on: executor)
            case .wait:
                waited = true
                woke = wakeups.wait(seconds: Self.idleSeconds)
            case .exit:
                Self.owner.value = nil
                return
            }
        }
    }
}
