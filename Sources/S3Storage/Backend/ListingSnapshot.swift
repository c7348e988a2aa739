import RegistrySweep
import Synchronization

/// The flat listings one ``S3Backend/snapshotView()`` has made, by the store path they cover (a
/// blob shard, or the whole repositories tree): each is listed once, by the first task that
/// needs it, and shared by every task reading through the view.
final class ListingSnapshot: Sendable {
    private let listings = Mutex<[String: Task<KeyListing, any Error>]>([:])
    /// For a view of one directory (``S3Backend/liveView(below:)``): the only listing, of that
    /// directory; `nil` for a scan's view.
    let scope: String?

    /// A scan's snapshot (`scope` `nil`), or one of the single directory `scope`.
    init(scope: String? = nil) {
        self.scope = scope
    }

    /// The listing that answers for `path`: in a scoped snapshot the scope's, for the scope and
    /// the paths below it; else as ``base(for:)``. `nil` for paths read live.
    func base(for path: String) -> String? {
        guard let scope else { return Self.base(for: path) }
        return path == scope || path.hasPrefix(scope + "/") ? scope : nil
    }

    /// The listing of `base`, made by `make` the first time it is asked for.
    func listing(
        _ base: String, make: @escaping @Sendable () async throws(SweepError) -> KeyListing
    ) async throws(SweepError) -> KeyListing {
        let task = listings.withLock { listings in
            if let task = listings[base] { return task }
            let task = Task<KeyListing, any Error> { try await make() }
            listings[base] = task
            return task
        }
        do {
            return try await task.value
        } catch let error as SweepError {
            throw error
        } catch {
            throw SweepError(.io, "listing failed: \(error)", path: base)
        }
    }

    /// The listing that answers for `path` in a scan: a blob shard's (`blobs/sha256/XX`), or the
    /// repositories tree's; `nil` for paths read live.
    static func base(for path: String) -> String? {
        let shards = StorePath.blobShards + "/"
        if path.hasPrefix(shards) {
            let rest = path.utf8.dropFirst(shards.utf8.count)
            guard rest.count >= 2, rest.count == 2 || rest[rest.index(rest.startIndex, offsetBy: 2)] == 0x2F else { return nil }
            return String(path.utf8.prefix(shards.utf8.count + 2))!
        }
        if path == StorePath.repositories || path.hasPrefix(StorePath.repositories + "/") { return StorePath.repositories }
        return nil
    }

    /// `path` relative to `base` (`""` for the base itself).
    static func relative(_ path: String, to base: String) -> String {
        path == base ? "" : String(path.dropFirst(base.count + 1))
    }
}
