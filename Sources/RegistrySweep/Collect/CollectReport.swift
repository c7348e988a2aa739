/// What `gc` found and did. Field names are stable: automation reads the JSON.
public struct CollectReport: Sendable, Codable, Equatable {
    /// A manifest revision of one repository.
    public struct ManifestRef: Sendable, Codable, Hashable {
        public var repository: String
        public var digest: String
    }

    /// A link file (layer link or tag-history entry) of one repository.
    public struct LinkRef: Sendable, Codable, Hashable {
        public var repository: String
        /// `layer`, `tag-history`, `revision-without-link` (a revision directory the registry emptied),
        /// or `tag-without-link` (a tag directory without `current/link`; `digest` is empty).
        public var kind: String
        /// The tag, for tag-history entries.
        public var tag: String?
        public var digest: String
    }

    /// An upload in progress.
    public struct UploadRef: Sendable, Codable, Hashable {
        public var repository: String
        public var uuid: String
        /// `startedat` as RFC 3339, or `nil` when it was unreadable (the directory mtime was used).
        public var startedAt: String?
    }

    /// What a real run removed: counts of what actually happened (failed and skipped
    /// removals are not counted).
    public struct Removed: Sendable, Codable, Equatable {
        public var tags = 0
        public var manifests = 0
        public var links = 0
        public var blobs = 0
        /// Bytes of the removed blobs' data.
        public var bytes = 0
        public var uploads = 0
        public var repositories = 0

        public init() {}
    }

    /// An eligible item left in place because the store changed under the run (a live registry
    /// wrote it or something it references after the scan) or because it is young.
    public struct Skipped: Sendable, Codable, Hashable {
        /// `tag`, `manifest`, `link`, `blob`, `upload` or `repository`.
        public var kind: String
        /// The store-relative path kept.
        public var path: String
        /// Why it was kept.
        public var reason: String

        public init(kind: String, path: String, reason: String) {
            self.kind = kind
            self.path = path
            self.reason = reason
        }
    }

    /// True if nothing was changed.
    public var dryRun: Bool
    /// Distinct digests marked live (the reference GC's "N blobs marked").
    public var markedBlobs: Int
    /// Blobs that are (or were) deleted: unmarked and older than the grace period.
    public var eligibleBlobs: [String]
    /// Untagged manifests deleted (only with delete-untagged).
    public var eligibleManifests: [ManifestRef]
    /// Bytes of the eligible blobs' data.
    public var eligibleBytes: Int
    /// Uploads older than the upload age.
    public var eligibleUploads: [UploadRef]
    /// Layer links and tag-history entries that point at nothing live.
    public var eligibleLinks: [LinkRef]
    /// Repositories left with no tags and no manifests (removed with prune).
    public var eligibleRepositories: [String]
    /// Unmarked blobs kept because they are younger than the grace period.
    public var keptYoungBlobs: Int
    /// Blobs and manifests in the store when scanned.
    public var totalBlobs: Int
    public var totalManifests: Int
    /// Things the operator should know (repositories kept whole, cache restarts, …).
    public var warnings: [String]
    /// Problems the scan found (each kept everything it might reference).
    public var problems: [StoreInventory.Problem]
    /// Deletions that failed (not dry run); the run goes on and exits non-zero.
    public var failures: [StoreInventory.Problem]
    /// Seconds per phase: scan, mark, plan, revalidate, sweep.
    public var timings: [String: Double]
    /// What a real run removed; `nil` for a dry run.
    public var removed: Removed?
    /// Eligible items kept because the store changed under the run.
    public var skipped: [Skipped] = []
    /// How many times the run looked for what a live registry wrote since the scan (its cost is
    /// `timings["revalidate"]`).
    public var revalidations = 0
    /// The run was cancelled: it stopped at a safe point, having removed only proven garbage,
    /// references before data; what is left is for the next run.
    public var cancelled = false

    /// The reference GC's dry-run lines (`--format distribution`).
    public var distributionLines: [String] {
        var lines = [
            "\(markedBlobs) blobs marked, \(eligibleBlobs.count) blobs and \(eligibleManifests.count) manifests eligible for deletion"
        ]
        for manifest in eligibleManifests { lines.append("manifest eligible for deletion: \(manifest.repository)@\(manifest.digest)") }
        for blob in eligibleBlobs { lines.append("blob eligible for deletion: \(blob)") }
        return lines
    }
}
