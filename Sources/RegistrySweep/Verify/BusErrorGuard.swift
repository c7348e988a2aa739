import Synchronization

/// Lets a worker read a file mapping that may shrink or fail under it without dying of `SIGBUS`.
///
/// Reading a mapped page that no longer exists (the file was truncated after it was
/// mapped) or that the kernel cannot read from disk (EIO) raises `SIGBUS`, whose default
/// action kills the process. Verify hashes large blobs from a mapping, and must survive
/// both: a damaged disk is what it looks for, and the store may be changed by others.
///
/// How: a process-wide `SIGBUS` handler (``BusErrorSignal``, in `Storage/`), installed once
/// on the first ``Slot`` claimed, looks the faulting address up in a table of at most
/// ``capacity`` guarded ranges (one per hashing worker). Inside a range, it replaces the pages from the faulting one to the
/// range's end with anonymous zero pages
/// (``SystemCalls/replaceWithZeroPages(_:length:)``), marks the range as faulted and returns: the read resumes on zeros, and the owner, seeing the
/// mark, discards what it computed and reads the file again with `pread`, which reports
/// the short size or the I/O error as a problem of that one blob. A fault outside every
/// guarded range is not ours: the handler reinstalls the action that was in place before
/// (default: terminate with a core dump) and returns, so the faulting access repeats
/// under that action, exactly as if this guard did not exist.
///
/// The handler runs on the faulting thread, inside the guarded read. It touches only
/// memory allocated before it was installed, through atomics, and calls `mmap` and
/// `sigaction`: system calls, safe in a signal handler (`mmap` is not on POSIX's list, but
/// glibc's is the bare system call on Linux). It allocates nothing, takes no lock and does
/// no reference counting. If replacing the pages fails (no memory for page tables), it
/// gives up as for a foreign fault: the process dies as it would have without the guard.
///
/// Embedding tools that own `SIGBUS` themselves turn mapping off with
/// ``VerifyOptions/mapThreshold`` set to `Int.max`; the handler is then never installed.
///
/// ## Performance
/// Free when nothing faults: registering a range is three atomic stores. The table is
/// 64 x 3 words (1.5 KiB), allocated once per process.
enum BusErrorGuard {
    /// Guarded ranges at once (hashing workers at once; more workers fall back to `pread`).
    static let capacity = 64

    /// Per slot: start address, end address (exclusive; 0 when idle), faulted flag.
    ///
    /// Raw memory, never freed, so the handler can reach it without the Swift runtime.
    /// `nonisolated(unsafe)`: the pointer itself never changes; every access to its
    /// pointees goes through `Atomic`.
    nonisolated(unsafe) static let table: UnsafeMutablePointer<Atomic<UInt>> = {
        let table = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: capacity * 3)
        for index in 0..<(capacity * 3) { (table + index).initialize(to: Atomic(0)) }
        return table
    }()

    /// The page size, for rounding the faulting address down.
    static let pageSize = UInt(SystemCalls.pageSize)

    /// Which slots are claimed, one bit each.
    static let claimed = Atomic<UInt64>(0)

    /// True once the handler is installed (evaluated once, thread-safely, by the first claim).
    static let installed: Bool = {
        // Touch everything the handler reads before it can run.
        _ = table
        _ = pageSize
        return BusErrorSignal.install(busErrorHandler)
    }()

    /// One worker's entry in the guard table; released when it goes away.
    ///
    /// A class so that exactly one owner releases it, once, in `deinit`.
    final class Slot {
        /// The index into ``BusErrorGuard/table`` (three words from `3 * index`).
        let index: Int

        /// Claims a free slot, installing the handler on first use.
        ///
        /// - Returns: `nil` if all ``BusErrorGuard/capacity`` slots are taken or the handler
        ///   could not be installed: the caller must not map, and reads with `pread`.
        init?() {
            guard BusErrorGuard.installed else { return nil }
            var bits = BusErrorGuard.claimed.load(ordering: .relaxed)
            while true {
                guard bits != .max else { return nil }
                let free = (~bits).trailingZeroBitCount
                let (exchanged, original) = BusErrorGuard.claimed.compareExchange(
                    expected: bits, desired: bits | 1 << UInt64(free), ordering: .acquiringAndReleasing)
                if exchanged {
                    index = free
                    return
                }
                bits = original
            }
        }

        deinit {
            BusErrorGuard.claimed.bitwiseAnd(~(1 << UInt64(index)), ordering: .acquiringAndReleasing)
        }

        /// Runs `body` with `region` guarded.
        ///
        /// - Parameters:
        ///   - region: a mapping made by this thread, unmapped only after this returns.
        ///   - body: reads `region` (on this thread only: the handler runs on the faulting thread).
        /// - Returns: `true` if reading `region` faulted: pages from the fault on read as
        ///   zeros, so whatever `body` computed is wrong and must be discarded.
        /// - Throws: what `body` throws.
        func guarding<E: Error>(_ region: UnsafeRawBufferPointer, _ body: () throws(E) -> Void) throws(E) -> Bool {
            guard let base = region.baseAddress, !region.isEmpty else {
                try body()
                return false
            }
            let start = UInt(bitPattern: base)
            let words = BusErrorGuard.table + 3 * index
            // Sequentially consistent stores before the reads: the hashing is an opaque
            // call the compiler cannot move across them.
            words[2].store(0, ordering: .sequentiallyConsistent)
            words[0].store(start, ordering: .sequentiallyConsistent)
            words[1].store(start + UInt(region.count), ordering: .sequentiallyConsistent)
            defer {
                words[1].store(0, ordering: .sequentiallyConsistent)
                words[0].store(0, ordering: .sequentiallyConsistent)
            }
            try body()
            return words[2].load(ordering: .sequentiallyConsistent) != 0
        }
    }
}

/// The `SIGBUS` decision: see ``BusErrorGuard``. Runs inside the signal handler: nothing here
/// may allocate or lock.
///
/// - Parameter address: the faulting address.
/// - Returns: `true` if the fault was inside a guarded range and its pages were replaced.
private func busErrorHandler(_ address: UInt) -> Bool {
    let table = BusErrorGuard.table
    for slot in 0..<BusErrorGuard.capacity {
        let words = table + 3 * slot
        let start = words[0].load(ordering: .sequentiallyConsistent)
        let end = words[1].load(ordering: .sequentiallyConsistent)
        guard start <= address && address < end else { continue }
        let page = address & ~(BusErrorGuard.pageSize - 1)
        // Safe: [page, end) lies inside the guarded mapping, which its owner (this thread,
        // stopped in the faulting read) unmaps only after the read.
        guard SystemCalls.replaceWithZeroPages(page, length: Int(end - page)) else { return false }
        words[2].store(1, ordering: .sequentiallyConsistent)
        return true
    }
    return false
}
