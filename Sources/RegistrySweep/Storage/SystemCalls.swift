import CSyscalls

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Thin wrappers over the system calls the filesystem backend uses; each one once.
///
/// Every wrapper retries `EINTR`, never follows a symbolic link in the final path
/// component, opens descriptors close-on-exec, and turns a failure into a
/// `SweepError` through `SweepError.system`. Paths are relative to a directory
/// descriptor; nothing above this file touches `errno` or raw descriptors.
package enum SystemCalls {
    /// Opens a directory relative to `base` without following a final symlink.
    package static func openDirectory(_ base: Int32, _ path: String, display: @autoclosure () -> String)
        throws(SweepError) -> Int32
    {
        try retrying("openat", display()) {
            regsweep_openat(base, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
    }

    /// Opens a regular file for reading relative to `base` without following a final symlink.
    ///
    /// Paths here and in ``createFile(_:_:display:exclusive:)`` and
    /// ``makeDirectory(_:_:display:)`` are C strings: a `String` argument converts implicitly,
    /// and hot paths pass a buffer they built in place (no `String`, no allocation).
    package static func openFile(_ base: Int32, _ path: UnsafePointer<CChar>, display: @autoclosure () -> String)
        throws(SweepError) -> Int32
    {
        // O_NONBLOCK: a FIFO planted in the store must not block the scan (reads then fail).
        try retrying("openat", display()) {
            regsweep_openat(base, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        }
    }

    /// Opens a file for reading by path, following symbolic links (for files outside a store,
    /// such as a registry's `config.yml`, which is often a link into a config-management tree).
    /// Non-blocking, so a FIFO never blocks the caller.
    package static func openFollowingLinks(_ path: String, display: @autoclosure () -> String) throws(SweepError)
        -> Int32
    {
        try retrying("openat", display()) { openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
    }

    /// Creates (or truncates) a file for writing relative to `base`.
    package static func createFile(
        _ base: Int32, _ path: UnsafePointer<CChar>, display: @autoclosure () -> String, exclusive: Bool = false
    )
        throws(SweepError) -> Int32
    {
        let flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC)
        return try retrying("openat", display()) { openat(base, path, flags, 0o644) }
    }

    /// Opens (creating if needed) a file to hold an `flock`; never truncates.
    package static func openLockFile(_ base: Int32, _ path: String, display: @autoclosure () -> String)
        throws(SweepError) -> Int32
    {
        try retrying("openat", display()) { openat(base, path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644) }
    }

    /// Closes a descriptor; errors on close of a read-only descriptor are not actionable.
    package static func close(_ fd: Int32) {
        _ = regsweep_close(fd)
    }

    /// Closes a descriptor that was written to: an error may mean the data is lost, so it is
    /// reported (`EINTR` is not: the descriptor is closed then, and retrying is wrong on Linux).
    package static func closeWritten(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError) {
        if Glibc.close(fd) != 0 && Glibc.errno != EINTR {
            throw SweepError.system("close", errno: Glibc.errno, path: display())
        }
    }

    /// Lists a directory's entries (without `.` and `..`) and closes `fd`.
    ///
    /// `DT_UNKNOWN` entries (filesystems without `d_type`) are resolved with `fstatat`.
    package static func readEntries(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError)
        -> [DirectoryEntry]
    {
        var entries: [DirectoryEntry] = []
        try forEachEntry(fd, display: display()) { name, kind in
            entries.append(DirectoryEntry(name: String(decoding: name, as: UTF8.self), kind: kind))
        }
        return entries
    }

    /// Lists a directory like ``readEntries(_:display:)``, but returns each directory named
    /// by 64 hex digits as a ``Digest`` parsed straight from the record: no `String` for them.
    package static func readDigestEntries(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError)
        -> DigestListing
    {
        var listing = DigestListing()
        // Sized once from the first buffer, every record taken as a digest's (88 bytes: 19 + 64 +
        // NUL, padded to 8); later buffers grow it geometrically by appending (an exact reserve per
        // buffer would copy the whole array once per 64 KiB of a large directory).
        var sized = false
        try forEachEntry(
            fd, display: display(),
            filled: { bytes in
                if !sized { listing.digests.reserveCapacity(bytes / 88) }
                sized = true
            },
            each: { name, kind in
                if kind == .directory, let digest = Digest.parseHex(name) {
                    listing.digests.append(digest)
                } else {
                    listing.others.append(DirectoryEntry(name: String(decoding: name, as: UTF8.self), kind: kind))
                }
            })
        return listing
    }

    /// Calls `body` with each entry's name bytes (valid only during the call) and kind, then
    /// closes `fd`. `.` and `..` are skipped.
    ///
    /// Reads records with `getdents64` straight into a 64 KiB buffer: per directory that is
    /// `getdents64` until it returns 0, and `close`; `opendir` would add an `fstat` and two
    /// `fcntl` calls and allocate its own buffer.
    ///
    /// - Parameter filled: called with the byte count of each buffer of records before them.
    private static func forEachEntry(
        _ fd: Int32, display: @autoclosure () -> String, filled filledBuffer: (Int) -> Void = { _ in },
        each body: (UnsafeRawBufferPointer, DirectoryEntry.Kind) -> Void
    ) throws(SweepError) {
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let filled = try retrying("getdents64", display()) {
                regsweep_getdents64(fd, buffer.baseAddress, buffer.count)
            }
            if filled == 0 { return }
            filledBuffer(filled)
            // Safe: the kernel filled `filled` bytes with whole records (`struct linux_dirent64`:
            // u64 ino, s64 off, u16 reclen at 16, u8 type at 18, NUL-terminated name from 19),
            // each `reclen` long and inside the filled part; both are checked before use.
            var offset = 0
            while offset + 19 < filled {
                let record = UnsafeRawPointer(buffer.baseAddress! + offset)
                let length = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                guard length > 19, offset + length <= filled else {
                    throw SweepError(.io, "malformed directory record from getdents64", path: display())
                }
                offset += length
                let namePointer = (record + 19).assumingMemoryBound(to: CChar.self)
                let name = UnsafeRawBufferPointer(start: record + 19, count: strnlen(namePointer, length - 19))
                if name.count <= 2 && name.allSatisfy({ $0 == UInt8(ascii: ".") }) { continue }
                var kind = DirectoryEntry.Kind(dType: record.load(fromByteOffset: 18, as: UInt8.self))
                if kind == .unknown {
                    var info = Glibc.stat()
                    if fstatat(fd, namePointer, &info, AT_SYMLINK_NOFOLLOW) == 0 {
                        kind = DirectoryEntry.Kind(mode: info.st_mode)
                    }
                }
                body(name, kind)
            }
        }
    }

    /// `fstatat` without following a final symlink (a `String` path converts implicitly).
    package static func stat(_ base: Int32, _ path: UnsafePointer<CChar>, display: @autoclosure () -> String)
        throws(SweepError) -> FileInfo
    {
        var info = Glibc.stat()
        _ = try retrying("fstatat", display()) { fstatat(base, path, &info, AT_SYMLINK_NOFOLLOW) }
        return FileInfo(info)
    }

    /// `fstat` of an open descriptor.
    package static func stat(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError) -> FileInfo {
        var info = Glibc.stat()
        _ = try retrying("fstat", display()) { fstat(fd, &info) }
        return FileInfo(info)
    }

    /// Reads up to `buffer.count` bytes at `offset`; returns the count read (0 at end of file).
    package static func read(
        _ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, display: @autoclosure () -> String
    )
        throws(SweepError) -> Int
    {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return try retrying("pread", display()) { regsweep_pread(fd, base, buffer.count, offset) }
    }

    /// Writes all of `bytes` to `fd`.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, display: @autoclosure () -> String)
        throws(SweepError)
    {
        var done = 0
        while done < bytes.count {
            // Safe: done < bytes.count, so the pointer and remaining length stay inside the buffer.
            let written = try retrying("write", display()) { write(fd, bytes.baseAddress! + done, bytes.count - done) }
            done += written
        }
    }

    /// `fsync`.
    package static func sync(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError) {
        _ = try retrying("fsync", display()) { fsync(fd) }
    }

    /// Removes a file (or, with `directory`, an empty directory) relative to `base`.
    package static func unlink(_ base: Int32, _ path: String, directory: Bool, display: @autoclosure () -> String)
        throws(SweepError)
    {
        _ = try retrying(directory ? "rmdir" : "unlink", display()) {
            unlinkat(base, path, directory ? AT_REMOVEDIR : 0)
        }
        CrashPoint.removed()
    }

    /// Renames within the tree (atomic on one filesystem).
    package static func rename(_ base: Int32, _ from: String, _ to: String, display: @autoclosure () -> String)
        throws(SweepError)
    {
        _ = try retrying("renameat", display()) { renameat(base, from, base, to) }
    }

    /// Renames `from` (relative to `fromBase`) to `to` (relative to `toBase`); both must be on
    /// one filesystem, else `renameat` fails with `EXDEV` (reported as `.io`).
    package static func rename(
        _ fromBase: Int32, _ from: String, to toBase: Int32, _ to: String, display: @autoclosure () -> String
    ) throws(SweepError) {
        _ = try retrying("renameat", display()) { renameat(fromBase, from, toBase, to) }
    }

    /// The canonical absolute path of `path` (symlinks resolved), for containment checks.
    package static func resolvedPath(_ path: String) throws(SweepError) -> String {
        guard let resolved = realpath(path, nil) else {
            throw SweepError.system("realpath", errno: Glibc.errno, path: path)
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Creates a directory (mode 0755); an existing directory is not an error unless
    /// `exclusive` (then `.io` with errno `EEXIST`).
    package static func makeDirectory(
        _ base: Int32, _ path: UnsafePointer<CChar>, display: @autoclosure () -> String, exclusive: Bool = false
    ) throws(SweepError) {
        while true {
            if mkdirat(base, path, 0o755) == 0 { return }
            let error = Glibc.errno
            if error == EINTR { continue }
            if error == EEXIST && !exclusive { return }
            throw SweepError.system("mkdirat", errno: error, path: display())
        }
    }

    /// Sets access and modification time (seconds since 1970) of a path, not following symlinks.
    package static func setModificationTime(
        _ base: Int32, _ path: String, seconds: Int, display: @autoclosure () -> String
    )
        throws(SweepError)
    {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        _ = try retrying("utimensat", display()) { utimensat(base, path, &times, AT_SYMLINK_NOFOLLOW) }
    }

    /// Sets access and modification time (nanoseconds since 1970) of a path, not following symlinks.
    package static func setModificationTime(
        _ base: Int32, _ path: String, nanoseconds: Int64, display: @autoclosure () -> String
    )
        throws(SweepError)
    {
        let spec = timespec(
            tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var times = [spec, spec]
        _ = try retrying("utimensat", display()) { utimensat(base, path, &times, AT_SYMLINK_NOFOLLOW) }
    }

    /// Maps `length` bytes of `fd` read-only; the caller unmaps with `unmap`.
    package static func map(_ fd: Int32, length: Int, display: @autoclosure () -> String) throws(SweepError)
        -> UnsafeRawBufferPointer
    {
        let pointer = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0)
        if pointer == MAP_FAILED || pointer == nil {
            throw SweepError.system("mmap", errno: Glibc.errno, path: display())
        }
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }

    /// Unmaps what `map` returned.
    package static func unmap(_ region: UnsafeRawBufferPointer) {
        if let base = region.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), region.count) }
    }

    /// Takes an exclusive, non-blocking `flock`; false if another process holds it.
    package static func tryLock(_ fd: Int32, display: @autoclosure () -> String) throws(SweepError) -> Bool {
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return true }
            let error = Glibc.errno
            if error == EINTR { continue }
            if error == EWOULDBLOCK { return false }
            throw SweepError.system("flock", errno: error, path: display())
        }
    }

    /// Runs `call` until it does not fail with `EINTR`; a negative result throws.
    @inline(__always)
    private static func retrying<T: BinaryInteger>(
        _ name: String, _ display: @autoclosure () -> String, _ call: () -> T
    ) throws(SweepError) -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw SweepError.system(name, errno: error, path: display())
        }
    }
}
