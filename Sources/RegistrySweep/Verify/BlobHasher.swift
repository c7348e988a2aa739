import Crypto

/// What reading one blob's `data` produced.
struct BlobReading: Sendable {
    /// Bytes read (the file's size at the time it was read).
    var size: Int
    /// Its modification time, nanoseconds since 1970, from the descriptor that was read.
    var modifiedNanoseconds: Int64
    /// SHA-256 of the content, when asked for.
    var sha256: Digest?
    /// XXH3-64 of the content, when asked for.
    var xxh3: UInt64?
}

/// Reads blobs and hashes them with SHA-256, XXH3 or both in one pass; one per worker.
///
/// Blobs are streamed with `pread` in `chunkSize` reads (``FileSystemBackend/streamSync(_:chunkSize:_:)``),
/// and both digests are fed from the same chunk while it is hot in cache. `pread` rather
/// than `mmap`: a disk read error must become an `.io` problem for that one blob, where a
/// mapping would kill the whole run with `SIGBUS`; and on a warm page cache the copy costs
/// about as much CPU as the page faults a mapping takes (measured on a 2-core VM: total
/// CPU time equal within noise, both about 0.2 CPU-s per GB on top of SHA-256's 0.75).
///
/// Not thread-safe (the XXH3 state is reused): each worker creates its own.
///
/// ## Performance
/// Memory: one `chunkSize` read buffer while a blob is read.
final class BlobHasher {
    private let backend: FileSystemBackend
    private let chunkSize: Int
    private let xxh3 = XXH3Hasher()

    /// Creates a hasher reading from `backend`.
    ///
    /// - Parameters:
    ///   - backend: the store.
    ///   - chunkSize: bytes per `pread`.
    init(backend: FileSystemBackend, chunkSize: Int) {
        self.backend = backend
        self.chunkSize = chunkSize
    }

    /// Reads the `data` of `digest` and hashes it.
    ///
    /// - Parameters:
    ///   - digest: the blob.
    ///   - sha256: compute SHA-256.
    ///   - xxh3: compute XXH3-64.
    /// - Returns: size, modification time and the requested digests.
    /// - Throws: `.notFound` if `data` is absent, `.io` or `.permissionDenied` if it cannot be
    ///   read, `.cancelled` if the task was cancelled mid-blob.
    /// - Complexity: O(size), one pass.
    func read(_ digest: Digest, sha256: Bool, xxh3 useXXH3: Bool) throws(SweepError) -> BlobReading {
        var sha = SHA256()
        let xxh3 = self.xxh3
        xxh3.reset()
        let path = StorePath.blobData(digest)
        var chunks = 0
        let info = try backend.streamSync(path, chunkSize: chunkSize) { chunk throws(SweepError) in
            if sha256 { sha.update(bufferPointer: chunk) }
            if useXXH3 { xxh3.update(chunk) }
            chunks += 1
            // Check cancellation every 64 chunks (64 MiB by default), not per read.
            if chunks & 63 == 0 && Task.isCancelled {
                throw SweepError(.cancelled, "verification was cancelled", path: backend.absolute(path))
            }
        }
        return BlobReading(
            size: info.size, modifiedNanoseconds: info.modifiedNanoseconds,
            sha256: sha256 ? Digest(bytes: sha.finalize()) : nil, xxh3: useXXH3 ? xxh3.digest() : nil)
    }
}
