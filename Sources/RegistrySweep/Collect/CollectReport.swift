/// What `gc` found and did. Field names are stable: automation reads the JSON.
///
/// Digests encode as `sha256:<hex>`, kinds as their raw values, problems as ``StoreProblem``.
public struct CollectReport: Sendable, Codable, Equatable {
    /// A manifest revision of one repository.
    public struct ManifestRef: Sendable, Codable, Hashable {
        public var repository: String
        public var digest: Digest

        /// Creates a reference.
        public init(repository: String, digest: Digest) {
            self.repository = repository
            self.digest = digest
        }
    }

    /// What a link entry is; its raw value is the JSON `kind`.
    public enum LinkKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// A layer link (`_layers/sha256/<hex>/link`).
        case layer
        /// A tag-history entry (`_manifests/tags/<tag>/index/sha256/<hex>/link`).
        case tagHistory = "tag-history"
        /// A revision directory the registry emptied (no `link` inside).
        case revisionWithoutLink = "revision-without-link"
        /// A tag directory without `current/link` (an unknown tag to the registry); names no digest.
        case tagWithoutLink = "tag-without-link"

        /// The raw value.
        public var description: String { rawValue }
    }

    /// What kind of store item a removal or a kept item is; its raw value is the JSON `kind`.
    public enum ItemKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        case tag, manifest, link, blob, upload, repository

        /// The raw value.
        public var description: String { rawValue }
    }

    /// A link file (layer link or tag-history entry) of one repository.
    ///
    /// JSON: `digest` is the empty string for a ``LinkKind/tagWithoutLink`` (no digest), as before
    /// the field was typed; `tag` is omitted when `nil`.
    public struct LinkRef: Sendable, Codable, Hashable {
        public var repository: String
        /// What the entry is.
        public var kind: LinkKind
        /// The tag, for tag-history entries and tags without a link.
        public var tag: String?
        /// The digest the link names; `nil` for a tag without `current/link`.
        public var digest: Digest?

        /// Creates a reference.
        public init(repository: String, kind: LinkKind, tag: String?, digest: Digest?) {
            self.repository = repository
            self.kind = kind
            self.tag = tag
            self.digest = digest
        }

        private enum CodingKeys: String, CodingKey {
            case repository, kind, tag, digest
        }

        /// Decodes the JSON form; an empty `digest` is `nil`.
        ///
        /// - Throws: `DecodingError` for a missing field or a malformed digest or kind.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            repository = try container.decode(String.self, forKey: .repository)
            kind = try container.decode(LinkKind.self, forKey: .kind)
            tag = try container.decodeIfPresent(String.self, forKey: .tag)
            let text = try container.decode(String.self, forKey: .digest)
            if text.isEmpty {
                digest = nil
            } else if let parsed = Digest(text) {
                digest = parsed
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: .digest, in: container, debugDescription: "not a digest: \(text)")
            }
        }

        /// Encodes the JSON form; a `nil` digest is the empty string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(repository, forKey: .repository)
            try container.encode(kind, forKey: .kind)
            try container.encodeIfPresent(tag, forKey: .tag)
            try container.encode(digest?.description ?? "", forKey: .digest)
        }
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
        /// Incomplete uploads aborted (an object store's multipart uploads).
        public var incompleteUploads = 0
        public var repositories = 0

        public init() {}
    }

    /// An eligible item left in place because the store changed under the run (a live registry
    /// wrote it or something it references after the scan) or because it is young.
    public struct Skipped: Sendable, Codable, Hashable {
        /// What was kept.
        public var kind: ItemKind
        /// The store-relative path kept.
        public var path: String
        /// Why it was kept.
        public var reason: String

        /// Creates an entry.
        public init(kind: ItemKind, path: String, reason: String) {
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
    public var eligibleBlobs: [Digest]
    /// Untagged manifests deleted (only with delete-untagged).
    public var eligibleManifests: [ManifestRef]
    /// Bytes of the eligible blobs' data.
    public var eligibleBytes: Int
    /// Bytes of each eligible blob's data, in the order of ``eligibleBlobs``.
    public var eligibleBlobSizes: [Int] = []
    /// Uploads older than the upload age.
    public var eligibleUploads: [UploadRef]
    /// Incomplete uploads (an object store's multipart uploads) started before the upload age.
    public var eligibleIncompleteUploads: [IncompleteUpload] = []
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
    public var problems: [StoreProblem]
    /// Deletions that failed (not dry run); the run goes on and exits non-zero.
    public var failures: [StoreProblem]
    /// Seconds per phase: scan, mark, plan, revalidate, sweep.
    public var timings: [String: Double]
    /// What a real run removed; `nil` for a dry run.
    public var removed: Removed?
    /// Eligible items kept because the store changed under the run.
    public var skipped: [Skipped] = []
    /// Eligible items whose removal failed, each with the error as its reason (the error itself
    /// is among ``failures``).
    public var failedItems: [Skipped] = []
    /// How many times the run looked for what a live registry wrote since the scan (its cost is
    /// `timings["revalidate"]`): 0 for a dry run on a backend whose directory times cost a
    /// listing (``StorageBackend/statsDirectoriesByListing``), which reports as of its scan.
    public var revalidations = 0
    /// The run was cancelled: it stopped at a safe point, having removed only proven garbage,
    /// references before data; what is left is for the next run.
    public var cancelled = false
    /// When the scan began, seconds since 1970 (a time that splits file modifications: see
    /// ``StoreSnapshot/startedAt``). What was written after it is kept whatever the grace period;
    /// with `--grace 0`, what was written before it and is not referenced is garbage, a push
    /// that was under way at that moment included.
    public var scannedAt: Double?

    /// The reference GC's dry-run lines (`--format distribution`).
    public var distributionLines: [String] {
        var lines = [
            "\(markedBlobs) blobs marked, \(eligibleBlobs.count) blobs and \(eligibleManifests.count) manifests eligible for deletion"
        ]
        for manifest in eligibleManifests {
            lines.append("manifest eligible for deletion: \(manifest.repository)@\(manifest.digest)")
        }
        for blob in eligibleBlobs { lines.append("blob eligible for deletion: \(blob)") }
        return lines
    }
}
