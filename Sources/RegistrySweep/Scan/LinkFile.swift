/// Reading the registry's link files (`…/link`: a digest, no newline).
enum LinkFile {
    /// The largest link file accepted; real ones are 71 bytes.
    static let limit = 1024

    /// Reads the digest a link file holds.
    ///
    /// - Throws: `.emptyLink` for an empty file (an interrupted write), `.corruptLink` for
    ///   content that is not a sha256 digest, or the I/O error (`.notFound` only when the file
    ///   is absent, `.wrongType` when it is not a regular file, …).
    static func read(_ backend: any StorageBackend, _ path: String) async throws(SweepError) -> Digest {
        try await backend.withContents(of: path, limit: limit) { bytes throws(SweepError) in
            try parse(bytes, path: backend.displayName + "/" + path)
        }
    }

    /// Reads the digest a link file holds and the file's modification time as of the read
    /// (``StorageBackend/withContentsAndInfo(of:limit:_:)``; `nil` if it could not be read).
    ///
    /// - Throws: as ``read(_:_:)``.
    static func readTimed(_ backend: any StorageBackend, _ path: String) async throws(SweepError) -> (Digest, Double?) {
        try await backend.withContentsAndInfo(of: path, limit: limit) { bytes, info throws(SweepError) in
            (try parse(bytes, path: backend.displayName + "/" + path), info?.modified)
        }
    }

    /// The digest a link file's content holds.
    ///
    /// - Parameter path: names the file in errors (evaluated only on error).
    /// - Throws: `.emptyLink` or `.corruptLink`, as ``read(_:_:)``.
    static func parse(_ bytes: UnsafeRawBufferPointer, path: @autoclosure () -> String) throws(SweepError) -> Digest {
        switch Digest.parse(bytes) {
        case .success(let digest): return digest
        case .failure(.empty):
            throw SweepError(.emptyLink, "link file is empty (an interrupted write)", path: path())
        case .failure:
            throw SweepError(
                .corruptLink, "link file does not hold a sha256 digest: \(Digest.preview(bytes))", path: path())
        }
    }
}
