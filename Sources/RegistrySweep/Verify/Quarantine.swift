/// Moves corrupt blobs out of a store into a directory the operator named; never deletes.
///
/// A quarantined blob's whole directory (`blobs/sha256/<xx>/<hex>`) is renamed to
/// `<directory>/<hex>` (`<hex>.1`, `<hex>.2`, … if that name is taken), so its content stays
/// available for inspection or recovery and the registry stops serving corrupt bytes (a
/// pull then fails with "blob unknown" until the image is pushed again).
///
/// This is the one place verification writes near the store, and only because the
/// operator asked for it with `--quarantine DIR`: DIR is the explicit destination. Moves
/// are single `renameat` calls, so DIR must be on the store's filesystem; a DIR elsewhere
/// is refused up front instead of copying and deleting. DIR must already exist and must not
/// lie inside the store's `docker/` tree (the registry and the scanner would see it).
struct Quarantine {
    /// The store blobs are moved out of.
    let store: FileSystemBackend
    /// The directory they are moved into.
    let destination: FileSystemBackend

    /// Checks `directory` and opens it. Blocking: call inside the store's
    /// ``FileSystemBackend/executor`` (``IOExecutor/run(_:)``), as for ``move(_:)``.
    ///
    /// - Parameters:
    ///   - store: the store.
    ///   - directory: the quarantine directory.
    /// - Throws: `.invalidArgument` if the directory does not exist, lies inside the store's
    ///   `docker/` tree, or is on another filesystem than the store's blobs; other codes if
    ///   either cannot be inspected.
    init(store: FileSystemBackend, directory: String) throws(SweepError) {
        do {
            destination = try FileSystemBackend(root: directory, executor: store.executor)
        } catch  where error.code == .notFound {
            throw SweepError(
                .invalidArgument, "the quarantine directory does not exist: create it first, on the store's filesystem",
                path: directory)
        }
        self.store = store
        if try StoreVerifier.isInsideStoreTree(directory, store: store) {
            throw SweepError(
                .invalidArgument,
                "the quarantine directory is inside the store's docker/ tree; choose one outside it "
                    + "(next to the store root)",
                path: directory)
        }
        let blobDevice: UInt64
        do {
            blobDevice = try store.blockingStat(StorePath.blobShards).device
        } catch  where error.code == .notFound {
            blobDevice = try store.blockingStat("").device
        }
        guard try destination.blockingStat("").device == blobDevice else {
            throw SweepError(
                .invalidArgument,
                "the quarantine directory is on another filesystem than the store's blobs; blobs are only ever moved "
                    + "with rename, never copied and deleted: choose a directory on the same filesystem",
                path: directory)
        }
    }

    /// Moves the directory of `digest` into the quarantine directory.
    ///
    /// - Parameter digest: a blob present in the store.
    /// - Returns: the absolute path it was moved to.
    /// - Throws: the `renameat` failure; nothing has moved then.
    ///
    /// Blocking: call inside the store's ``FileSystemBackend/executor``.
    func move(_ digest: Digest) throws(SweepError) -> String {
        let name = try freeName(digest.hex)
        try store.move(StorePath.blobDirectory(digest), to: destination, at: name)
        return destination.absolute(name)
    }

    /// The first of `hex`, `hex.1`, `hex.2`, … that does not exist in the quarantine directory.
    private func freeName(_ hex: String) throws(SweepError) -> String {
        for attempt in 0..<1000 {
            let name = attempt == 0 ? hex : "\(hex).\(attempt)"
            do {
                _ = try destination.blockingStat(name)
            } catch  where error.code == .notFound {
                return name
            }
        }
        throw SweepError(
            .invalidArgument, "1000 quarantined copies of this blob already exist", path: destination.absolute(hex))
    }
}
