import RegistrySweep
import Synchronization

/// The flat listings one view of an ``S3Backend`` has made, by the store path they cover: each
/// is listed once, by the first task that needs it, and shared by every task reading through the
/// view.
///
/// Three kinds of view:
/// - a **snapshot** (``S3Backend/snapshotView()``, a sweep's revalidation): each blob shard and
///   the whole repositories tree, every listing kept for the view's life;
/// - a **scan's** view (``S3Backend/scanView()``): each blob shard, kept, and each repository's
///   `_manifests`, `_layers` and `_uploads` apart; of those at most ``partCapacity`` are kept,
///   the least recently read dropped first (a part asked for again is listed again), so memory
///   follows the repositories being read, not the tree;
/// - a **scoped** view (``S3Backend/liveView(below:)``): one listing, of one directory.
package final class ListingSnapshot: Sendable {
    /// How a view splits the store into listings.
    package enum Kind: Sendable, Equatable {
        /// Blob shards and the whole repositories tree.
        case snapshot
        /// Blob shards and repository parts, a bounded number of parts kept.
        case scan
        /// One directory.
        case scoped(String)
    }

    /// A listing being made (shared by every task that asks meanwhile), or made. A made listing
    /// is kept as a value: a finished task kept alive also keeps the memory its frames used.
    private enum Entry {
        case making(Task<KeyListing, any Error>)
        case made(KeyListing)
    }

    private struct State {
        var listings: [String: Entry] = [:]
        /// When each kept repository part was last asked for (a counter), to drop the oldest.
        var lastUse: [String: UInt64] = [:]
        var clock: UInt64 = 0
    }

    private let state = Mutex(State())
    let kind: Kind
    /// The most repository-part listings a scan's view keeps.
    let partCapacity: Int

    /// A view of `kind`; a scan's keeps at most `partCapacity` repository-part listings.
    package init(_ kind: Kind = .snapshot, partCapacity: Int = 128) {
        self.kind = kind
        self.partCapacity = max(1, partCapacity)
    }

    /// For a scoped view, its directory.
    var scope: String? {
        if case .scoped(let directory) = kind { return directory }
        return nil
    }

    /// The listing that answers for `path`, or `nil` for paths read live: in a scoped view the
    /// scope's, for the scope and the paths below it; else a blob shard's (`blobs/sha256/XX`);
    /// else, in a snapshot, the repositories tree's; in a scan's view, the repository part's
    /// (the path through its first component that starts with `_`, which no repository or
    /// namespace name does: `repositories/NAME/_manifests`, `_layers`, `_uploads`).
    package func base(for path: String) -> String? {
        switch kind {
        case .scoped(let scope): return path == scope || path.hasPrefix(scope + "/") ? scope : nil
        case .snapshot:
            if path == StorePath.repositories || path.hasPrefix(StorePath.repositories + "/") {
                return StorePath.repositories
            }
            return Self.shard(of: path)
        case .scan: return Self.shard(of: path) ?? Self.repositoryPart(of: path)
        }
    }

    /// The listing of `base`, made by `make` the first time it is asked for (in a scan's view,
    /// again when it was dropped since).
    package func listing(
        _ base: String, make: @escaping @Sendable () async throws(SweepError) -> KeyListing
    ) async throws(SweepError) -> KeyListing {
        let bounded = kind == .scan && base.hasPrefix(StorePath.repositories + "/")
        let capacity = partCapacity
        let entry = state.withLock { state -> Entry in
            state.clock += 1
            if bounded { state.lastUse[base] = state.clock }
            if let entry = state.listings[base] { return entry }
            let task = Task<KeyListing, any Error> { try await make() }
            state.listings[base] = .making(task)
            if bounded && state.lastUse.count > capacity,
                let oldest = state.lastUse.min(by: { $0.value < $1.value })?.key
            {
                state.lastUse[oldest] = nil
                state.listings[oldest] = nil
            }
            return .making(task)
        }
        switch entry {
        case .made(let listing): return listing
        case .making(let task):
            do {
                let listing = try await task.value
                state.withLock { state in
                    if case .making(let kept) = state.listings[base], kept == task {
                        state.listings[base] = .made(listing)
                    }
                }
                return listing
            } catch let error as SweepError {
                throw error
            } catch {
                throw SweepError(.io, "listing failed: \(error)", path: base)
            }
        }
    }

    /// The number of listings held now (for tests).
    package var heldCount: Int { state.withLock { $0.listings.count } }

    /// The blob shard holding `path` (`blobs/sha256/XX`), if it lies in one.
    static func shard(of path: String) -> String? {
        let shards = StorePath.blobShards + "/"
        guard path.hasPrefix(shards) else { return nil }
        let rest = path.utf8.dropFirst(shards.utf8.count)
        guard rest.count >= 2, rest.count == 2 || rest[rest.index(rest.startIndex, offsetBy: 2)] == 0x2F else {
            return nil
        }
        return String(path.utf8.prefix(shards.utf8.count + 2))!
    }

    /// `repositories/…/_part` for a path in or below a repository part (`nil` above one).
    package static func repositoryPart(of path: String) -> String? {
        let tree = StorePath.repositories + "/"
        guard path.hasPrefix(tree) else { return nil }
        var start = path.utf8.index(path.utf8.startIndex, offsetBy: tree.utf8.count)
        while start < path.utf8.endIndex {
            let end = path.utf8[start...].firstIndex(of: 0x2F) ?? path.utf8.endIndex
            if path.utf8[start] == 0x5F { return String(path.utf8[..<end])! }
            guard end < path.utf8.endIndex else { return nil }
            start = path.utf8.index(after: end)
        }
        return nil
    }

    /// `path` relative to `base` (`""` for the base itself).
    static func relative(_ path: String, to base: String) -> String {
        path == base ? "" : String(path.dropFirst(base.count + 1))
    }
}
