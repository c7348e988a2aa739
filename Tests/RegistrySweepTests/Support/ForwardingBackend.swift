import RegistrySweep

/// A test wrapper around a real backend that forwards the operations `StorageBackend` requires
/// (and its name) to `base`; a wrapper implements whatever else it wants to change or keep.
protocol ForwardingBackend: StorageBackend {
    associatedtype Base: StorageBackend
    var base: Base { get }
}

extension ForwardingBackend {
    var displayName: String { base.displayName }
    func list(_ path: String) async throws(SweepError) -> [DirectoryEntry] { try await base.list(path) }
    func withContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        try await base.withContents(of: path, limit: limit, body)
    }
    func stream(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> FileInfo {
        try await base.stream(path, chunkSize: chunkSize, body)
    }
    func stat(_ path: String) async throws(SweepError) -> FileInfo { try await base.stat(path) }
    func removeFile(_ path: String) async throws(SweepError) { try await base.removeFile(path) }
    func removeTree(_ path: String) async throws(SweepError) { try await base.removeTree(path) }
    func removeEmptyDirectory(_ path: String) async throws(SweepError) -> Bool {
        try await base.removeEmptyDirectory(path)
    }
}

/// Forwards the operations `StorageBackend` requires and nothing else, so the protocol's
/// defaults answer the rest: no lock (a backend that cannot lock, to prove real runs refuse),
/// the generic batch read and digest listing (to compare with a backend's own).
struct RequiredOperationsOnly<Base: StorageBackend>: ForwardingBackend {
    let base: Base
}
