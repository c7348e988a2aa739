/// A summary of a snapshot for people and scripts (`regsweep scan`).
public struct StoreInventory: Sendable, Codable, Equatable {
    /// Repositories found.
    public var repositories: Int
    /// Tags, over all repositories.
    public var tags: Int
    /// Tag directories without `current/link` (unknown tags to the registry), over all repositories.
    public var linklessTags: Int
    /// Manifest revision links, over all repositories.
    public var revisions: Int
    /// Distinct manifests read, by kind (`schema2`, `oci-index`, …, `unreadable`).
    public var manifestsByKind: [String: Int]
    /// Blobs present.
    public var blobs: Int
    /// Bytes of blob data (only when sizes were read).
    public var bytes: Int?
    /// Uploads in progress.
    public var uploads: Int
    /// Layer links whose blob is not in the store.
    public var danglingLayerLinks: Int
    /// Memory held by the in-memory graph, in bytes.
    public var graphBytes: Int
    /// Seconds per scan phase.
    public var timings: [String: Double]
    /// Every problem found.
    public var problems: [StoreProblem]

    /// Summarizes a snapshot.
    public init(_ snapshot: StoreSnapshot) {
        repositories = snapshot.repositories.count
        tags = snapshot.repositories.reduce(0) { $0 + $1.tags.count }
        linklessTags = snapshot.repositories.reduce(0) { $0 + $1.linklessTags.count }
        revisions = snapshot.repositories.reduce(0) { $0 + $1.revisions.count }
        var kinds: [String: Int] = [:]
        for m in 0..<snapshot.manifests.count {
            let name = snapshot.manifests.manifestKind(m)?.description ?? "unreadable"
            kinds[name, default: 0] += 1
        }
        manifestsByKind = kinds
        blobs = snapshot.blobCount
        bytes = snapshot.blobSizes.isEmpty && snapshot.blobCount > 0 ? nil : snapshot.blobSizes.values.reduce(0, +)
        uploads = snapshot.repositories.reduce(0) { $0 + $1.uploads.count }
        danglingLayerLinks = snapshot.repositories.reduce(0) { total, repository in
            total + repository.layers.filter { !snapshot.blobs.contains($0) }.count
        }
        graphBytes = snapshot.memoryFootprint
        timings = snapshot.timings
        problems = snapshot.problems
    }
}
