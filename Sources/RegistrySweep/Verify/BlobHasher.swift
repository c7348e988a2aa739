import Crypto

/// What reading one blob's `data` produced.
package struct BlobReading: Sendable {
    /// Bytes read (the file's size at the time it was read).
    package var size: Int
    /// Its modification time, nanoseconds since 1970, from the descriptor that was read.
    package var modifiedNanoseconds: Int64
    /// SHA-256 of the content, when asked for.
    package var sha256: Digest?
    /// XXH3-64 of the content, when asked for.
    package var xxh3: UInt64?
    /// True if the content was hashed from a memory mapping, false if read with `pread`.
    package var mapped = false
}

/// Reads blobs and hashes them with SHA-256, XXH3 or both in one pass; one per worker.
///
/// Any backend works: blobs are streamed through ``StorageBackend/stream(_:chunkSize:_:)`` in
/// `chunkSize` chunks. A backend with ``LocalFileAccess`` (the filesystem) takes the fast path
/// below instead.
///
/// On the fast path, blobs of at least `mapThreshold` bytes are hashed straight from a read-only memory
/// mapping; smaller ones are read with `pread` into one reusable `chunkSize` buffer. Both
/// digests are fed from the same slice while it is hot in cache.
///
/// Why map: on a warm page cache, a `pread` copy costs about 0.18 CPU-s per GB of kernel
/// time, mapping and faulting the pages in about 0.09 (large blobs' pages arrive in 64 KiB
/// fault-around batches or as 2 MiB huge mappings), and the copy evicts the CPU caches for
/// nothing. Below about 256 KiB the `mmap`/`munmap` pair costs more than the copy (measured
/// on the project's 2-core VM, see `Benchmarks/README.md`).
///
/// Why mapping is safe here: a mapped page that cannot be read (the file was truncated
/// after it was mapped, or the disk returns EIO) raises `SIGBUS`. The read runs under a
/// ``BusErrorGuard`` slot, which turns that signal into a flag; a flagged read, or one
/// whose file changed size or mtime while it was read (`fstat` before and after), is
/// discarded and the blob is read again with `pread`, which reports the short size or the
/// I/O error for that one blob. A worker that gets no guard slot never maps. The mapping is
/// `PROT_READ` and `MAP_PRIVATE`: nothing can reach the file through it.
///
/// Not thread-safe (the XXH3 state and buffer are reused): each worker creates its own.
///
/// ## Performance
/// Memory: one `chunkSize` read buffer per hasher; mappings are unmapped before `read`
/// returns. Per blob: `openat`, `fstat`, then one `pread` per chunk, or `mmap`, `fstat`,
/// `munmap`; `close`. No heap allocation on the hot path besides the blob's path string.
package final class BlobHasher {
    private let backend: any StorageBackend
    /// The backend's local-file capability, when it has one: the `openat`/`mmap` fast path.
    private let local: (any LocalFileAccess)?
    private let chunkSize: Int
    private let mapThreshold: Int
    private let xxh3 = XXH3Hasher()
    private let buffer: UnsafeMutableRawBufferPointer
    private let slot: BusErrorGuard.Slot?
    /// Runs after a blob is mapped and before it is read (tests truncate the file here).
    package var afterMapping: (() -> Void)?

    /// Bytes hashed per step from a mapping: SHA-256 and XXH3 both read a slice while it
    /// is in the L2 cache; cancellation is checked every 256 slices (64 MiB).
    static let sliceSize = 256 << 10

    /// Creates a hasher reading from `backend`.
    ///
    /// - Parameters:
    ///   - backend: the store.
    ///   - chunkSize: bytes per `pread` (the buffer this hasher holds), or per streamed chunk.
    ///   - mapThreshold: on a local backend, blobs at least this large are hashed from a
    ///     mapping; `Int.max` never maps (and never installs the ``BusErrorGuard`` handler).
    package init(backend: any StorageBackend, chunkSize: Int, mapThreshold: Int) {
        self.backend = backend
        local = backend as? any LocalFileAccess
        self.chunkSize = max(chunkSize, 4096)
        self.mapThreshold = max(mapThreshold, 1)
        buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: local == nil ? 0 : max(chunkSize, 4096), alignment: 64)
        slot = mapThreshold == .max || local == nil ? nil : BusErrorGuard.Slot()
    }

    deinit { buffer.deallocate() }

    /// Reads the `data` of `digest` and hashes it.
    ///
    /// - Parameters:
    ///   - digest: the blob.
    ///   - sha256: compute SHA-256.
    ///   - xxh3: compute XXH3-64.
    /// - Returns: size, modification time and the requested digests.
    /// - Throws: `.notFound` if `data` is absent, `.io` or `.permissionDenied` if it cannot be
    ///   read (`.io` also for something other than a regular file), `.cancelled` if the task
    ///   was cancelled mid-blob.
    /// - Complexity: O(size), one pass (two if the file changed or failed while mapped).
    package func read(_ digest: Digest, sha256: Bool, xxh3 useXXH3: Bool) async throws(SweepError) -> BlobReading {
        guard let local else { return try await streamThroughBackend(digest, sha256: sha256, xxh3: useXXH3) }
        let path = StorePath.blobData(digest)
        do throws(SweepError) {
            // The relative path is the display until an error needs the absolute one (below).
            let fd = try local.openForReading(path, display: path)
            defer { SystemCalls.close(fd) }
            let info = try SystemCalls.stat(fd, display: path)
            guard info.isFile else {
                throw SweepError(.wrongType, "not a regular file (a symbolic link is never followed)", path: path)
            }
            if info.size >= mapThreshold, let slot,
                let reading = try mappedRead(fd, info, path, slot, sha256: sha256, xxh3: useXXH3)
            {
                return reading
            }
            return try streamedRead(fd, path, sha256: sha256, xxh3: useXXH3)
        } catch {
            var error = error
            if error.path == path { error.path = local.absolute(path) }
            throw error
        }
    }

    /// Hashes a blob streamed through the backend in `chunkSize` chunks: the path of every
    /// backend without ``LocalFileAccess``.
    private func streamThroughBackend(_ digest: Digest, sha256: Bool, xxh3 useXXH3: Bool) async throws(SweepError)
        -> BlobReading
    {
        let path = StorePath.blobData(digest)
        var sha = SHA256()
        let xxh3 = self.xxh3
        xxh3.reset()
        var chunks = 0
        let info = try await backend.stream(path, chunkSize: chunkSize) { chunk throws(SweepError) in
            if sha256 { sha.update(bufferPointer: chunk) }
            if useXXH3 { xxh3.update(chunk) }
            chunks += 1
            if chunks & 63 == 0 && Task.isCancelled {
                throw SweepError(.cancelled, "verification was cancelled", path: path)
            }
        }
        return BlobReading(
            size: info.size, modifiedNanoseconds: info.modifiedNanoseconds,
            sha256: sha256 ? Digest(bytes: sha.finalize()) : nil, xxh3: useXXH3 ? xxh3.digest() : nil)
    }

    /// Hashes an open blob from a guarded mapping of its `fstat` size.
    ///
    /// - Returns: the reading, or `nil` if the file could not be mapped, the read faulted, or
    ///   the file changed size or mtime meanwhile: the caller reads it again with `pread`.
    private func mappedRead(
        _ fd: Int32, _ info: FileInfo, _ path: String, _ slot: BusErrorGuard.Slot,
        sha256: Bool, xxh3 useXXH3: Bool
    ) throws(SweepError) -> BlobReading? {
        // A filesystem that cannot map (or no address space): read it with `pread` instead.
        guard let region = try? SystemCalls.map(fd, length: info.size, display: path) else { return nil }
        defer { SystemCalls.unmap(region) }
        afterMapping?()
        var sha = SHA256()
        let xxh3 = self.xxh3
        xxh3.reset()
        let faulted = try slot.guarding(region) { () throws(SweepError) in
            var offset = 0
            var slices = 0
            while offset < region.count {
                let end = min(offset + Self.sliceSize, region.count)
                let slice = UnsafeRawBufferPointer(rebasing: region[offset..<end])
                if sha256 { sha.update(bufferPointer: slice) }
                if useXXH3 { xxh3.update(slice) }
                offset = end
                slices += 1
                if slices & 255 == 0 && Task.isCancelled {
                    throw SweepError(.cancelled, "verification was cancelled", path: path)
                }
            }
        }
        if faulted { return nil }
        let after = try SystemCalls.stat(fd, display: path)
        guard after.size == info.size && after.modifiedNanoseconds == info.modifiedNanoseconds else { return nil }
        return BlobReading(
            size: info.size, modifiedNanoseconds: info.modifiedNanoseconds,
            sha256: sha256 ? Digest(bytes: sha.finalize()) : nil, xxh3: useXXH3 ? xxh3.digest() : nil, mapped: true)
    }

    /// Hashes an open blob by `pread` into the reusable buffer, to the end of the file.
    private func streamedRead(_ fd: Int32, _ path: String, sha256: Bool, xxh3 useXXH3: Bool) throws(SweepError)
        -> BlobReading
    {
        let info = try SystemCalls.stat(fd, display: path)
        var sha = SHA256()
        let xxh3 = self.xxh3
        xxh3.reset()
        var offset = 0
        var chunks = 0
        while true {
            let count = try SystemCalls.read(fd, into: buffer, at: offset, display: path)
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            if sha256 { sha.update(bufferPointer: chunk) }
            if useXXH3 { xxh3.update(chunk) }
            offset += count
            chunks += 1
            // Check cancellation every 64 chunks (64 MiB by default), not per read.
            if chunks & 63 == 0 && Task.isCancelled {
                throw SweepError(.cancelled, "verification was cancelled", path: path)
            }
        }
        return BlobReading(
            size: offset, modifiedNanoseconds: info.modifiedNanoseconds,
            sha256: sha256 ? Digest(bytes: sha.finalize()) : nil, xxh3: useXXH3 ? xxh3.digest() : nil)
    }
}
