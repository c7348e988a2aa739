#if canImport(Glibc)
    import Glibc
#endif

/// Memory-management calls: page size, transparent huge pages, and the page replacement the
/// `SIGBUS` guard makes (see ``BusErrorSignal``).
extension SystemCalls {
    /// The size of a memory page in bytes (`sysconf(_SC_PAGESIZE)`).
    package static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// The number of processors online (`sysconf(_SC_NPROCESSORS_ONLN)`), at least 1.
    package static var onlineProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Asks the kernel to back `[start, start + length)` with transparent huge pages
    /// (`madvise(MADV_HUGEPAGE)`): only a hint, errors are ignored.
    ///
    /// Safe: the advice changes no contents and no protection; `start` must be 2 MiB-aligned
    /// and the range inside the caller's own allocation.
    package static func adviseHugePages(_ start: UnsafeMutableRawPointer, length: Int) {
        _ = madvise(start, length, MADV_HUGEPAGE)
    }

    /// Replaces the pages `[start, start + length)` of a mapping with anonymous read-only zero
    /// pages (`mmap` with `MAP_FIXED | MAP_ANONYMOUS`).
    ///
    /// Async-signal-safe (glibc's `mmap` is the bare system call on Linux): the `SIGBUS`
    /// handler calls it. It allocates nothing and never touches `errno`'s meaning.
    ///
    /// - Parameters:
    ///   - start: a page-aligned address inside a mapping the caller owns.
    ///   - length: bytes to replace, ending at or before the mapping's end.
    /// - Returns: `false` if the kernel could not make the pages (no memory for page tables).
    package static func replaceWithZeroPages(_ start: UInt, length: Int) -> Bool {
        // Safe: the caller guarantees [start, start + length) lies inside its own mapping;
        // MAP_FIXED replaces exactly those pages of it.
        let patched = mmap(
            UnsafeMutableRawPointer(bitPattern: start), length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
            0)
        return patched != MAP_FAILED
    }
}
