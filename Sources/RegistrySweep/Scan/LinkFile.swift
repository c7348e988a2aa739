/// Reading the registry's link files (`…/link`: a digest, no newline).
enum LinkFile {
    /// The largest link file accepted; real ones are 71 bytes.
    static let limit = 1024

    /// Reads the digest a link file holds.
    ///
    /// - Throws: `.emptyLink` for an empty file (an interrupted write), `.corruptLink` for
    ///   content that is not a sha256 digest, or the I/O error (`.notFound`, …).
    static func read(_ backend: any StorageBackend, _ path: String) async throws(SweepError) -> Digest {
        try await backend.withContents(of: path, limit: limit) { bytes throws(SweepError) in
            switch Digest.parse(bytes) {
            case .success(let digest): return digest
            case .failure(.empty):
                throw SweepError(.emptyLink, "link file is empty (an interrupted write)", path: backend.displayName + "/" + path)
            case .failure:
                throw SweepError(
                    .corruptLink, "link file does not hold a sha256 digest: \(Digest.preview(bytes))",
                    path: backend.displayName + "/" + path)
            }
        }
    }

    /// Reads a link and checks it names `expected` (the digest of its directory).
    ///
    /// - Returns: the problem found, or `nil` if the link is sound.
    static func check(_ backend: any StorageBackend, _ path: String, expected: Digest) async -> SweepError? {
        do {
            let digest = try await read(backend, path)
            if digest != expected {
                return SweepError(.linkMismatch, "link names \(digest) but its directory is \(expected)", path: backend.displayName + "/" + path, digest: expected)
            }
            return nil
        } catch {
            return error
        }
    }
}
