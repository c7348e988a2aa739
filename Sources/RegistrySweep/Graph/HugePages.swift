/// Asks the kernel to back large, randomly accessed tables with transparent huge pages.
///
/// The digest table's arrays (32 bytes per digest, 4–8 bytes of slots) are probed at
/// random; with 4 KiB pages nearly every probe of a million-digest table also misses the
/// TLB. `madvise(MADV_HUGEPAGE)` is only a hint: on kernels with THP off, or memory that
/// cannot be compacted, nothing changes, and errors are ignored.
enum HugePages {
    /// Tables smaller than this are left alone (a huge page is 2 MiB).
    static let threshold = 4 << 20

    /// Advises the whole 2 MiB-aligned part of `[start, start + byteCount)`.
    ///
    /// Safe: the advice (``SystemCalls/adviseHugePages(_:length:)``) changes no contents and no
    /// protection; the range lies inside the caller's own allocation.
    static func advise(_ start: UnsafeRawPointer, byteCount: Int) {
        guard byteCount >= threshold else { return }
        let huge = 2 << 20
        let first = (Int(bitPattern: start) + huge - 1) & ~(huge - 1)
        let last = (Int(bitPattern: start) + byteCount) & ~(huge - 1)
        guard last > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        SystemCalls.adviseHugePages(pointer, length: last - first)
    }

    /// Advises the storage of `array`, up to its capacity.
    static func advise<Element>(_ array: inout [Element]) {
        let capacity = array.capacity
        array.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress {
                advise(UnsafeRawPointer(base), byteCount: capacity * MemoryLayout<Element>.stride)
            }
        }
    }
}
