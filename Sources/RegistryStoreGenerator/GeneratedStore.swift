import RegistrySweep

/// What ``StoreGenerator`` wrote: counts, and per repository the facts a test checks
/// against what a registry serves or a scan finds.
public struct GeneratedStore: Sendable {
    /// Totals over the whole store.
    public struct Counts: Sendable, Codable, Equatable {
        /// Blob directories under `blobs/sha256` (layers, configs, manifests, orphans).
        public var blobs = 0
        /// Distinct manifests among the blobs.
        public var manifests = 0
        /// Manifests by kind, named as ``ManifestKind/description`` (`schema2`, `oci-index`, …).
        public var manifestsByKind: [String: Int] = [:]
        /// Repositories.
        public var repositories = 0
        /// Tags (`_manifests/tags/*`), over all repositories.
        public var tags = 0
        /// Revision links, over all repositories.
        public var revisions = 0
        /// Layer links (`_layers`), over all repositories.
        public var layerLinks = 0
        /// Orphan blobs (linked, never referenced).
        public var orphans = 0
        /// Referrer manifests (untagged, with a `subject`).
        public var referrers = 0
        /// Abandoned uploads.
        public var uploads = 0
        /// Regular files written.
        public var files = 0
        /// Bytes of blob data.
        public var bytes = 0

        /// Adds another part's counts to these.
        mutating func add(_ other: Counts) {
            blobs += other.blobs
            manifests += other.manifests
            for (kind, count) in other.manifestsByKind { manifestsByKind[kind, default: 0] += count }
            repositories += other.repositories
            tags += other.tags
            revisions += other.revisions
            layerLinks += other.layerLinks
            orphans += other.orphans
            referrers += other.referrers
            uploads += other.uploads
            files += other.files
            bytes += other.bytes
        }
    }

    /// One repository as written.
    public struct RepositoryRecord: Sendable {
        /// The repository name.
        public var name: String
        /// Each tag's current manifest, by tag name.
        public var tags: [String: Digest] = [:]
        /// Each tag's history (`index/`), by tag name, in push order.
        public var tagHistory: [String: [Digest]] = [:]
        /// Every manifest revision linked in the repository, in push order.
        public var revisions: [Digest] = []
        /// Every blob linked in `_layers` (configs, layers, orphans).
        public var layers: [Digest] = []
        /// Manifests that are referrers, with their subject.
        public var referrers: [(referrer: Digest, subject: Digest)] = []
        /// Orphan blobs.
        public var orphans: [Digest] = []
        /// Upload directory names.
        public var uploads: [String] = []
    }

    /// The options the store was made with.
    public var options: GeneratorOptions
    /// Totals.
    public var counts = Counts()
    /// The repositories, in generation order.
    public var repositories: [RepositoryRecord] = []
    /// Every blob's bytes by digest, only with ``GeneratorOptions/keepContents``.
    public var contents: [Digest: [UInt8]] = [:]
    /// Wall-clock seconds spent writing.
    public var seconds = 0.0
}
