/// Everything a sweep will remove, in the order it removes it: references before data.
///
/// 0. tags the operator deleted (their directories, `current/link` last);
/// 1. dead manifests' tag-history entries and revision links;
/// 2. layer links, stale tag-history entries and tags without `current/link`;
/// 3. blobs;
/// 4. uploads;
/// 5. repositories left empty (prune).
///
/// A crash between any two deletions leaves only garbage for the next run: nothing that
/// stays can reference what is already gone. Before each phase, and between batches of blobs,
/// the sweep revalidates the plan against what a live registry wrote meanwhile.
///
/// A plan is `Codable`: ``Collector/plan()`` and ``ImageDeleter/plan(_:)`` make one for review
/// (what goes, where it is, how many bytes, why: see ``reasons``), and
/// ``Collector/execute(_:maxAge:)`` or ``ImageDeleter/execute(_:maxAge:)`` carry out a reviewed
/// one later, removing only what the plan lists *and* a fresh scan still proves garbage.
public struct SweepPlan: Sendable, Codable {
    /// An untagged (or explicitly deleted) manifest of one repository.
    public struct ManifestItem: Sendable, Codable, Hashable {
        public var repository: String
        public var digest: Digest
        /// Tag-history entry directories, then the revision directory.
        public var paths: [String]
    }

    /// A link file (layer link, tag-history entry, emptied revision or tag directory).
    public struct LinkItem: Sendable, Codable, Hashable {
        public var ref: CollectReport.LinkRef
        /// The directory removed.
        public var path: String
        /// The digest the link names; `nil` for a tag without `current/link`.
        public var digest: Digest?
        /// Planned because the blob it names was gone (or is planned to go): kept if the blob is there after all.
        public var blobGone = false
    }

    /// A tag directory the operator deleted, and the manifest its `current/link` named.
    public struct TagItem: Sendable, Codable, Hashable {
        public var repository: String
        public var tag: String
        public var current: Digest?
        /// The tag's directory.
        public var path: String { StorePath.tag(repository, tag) }
    }

    /// A blob no live manifest in any repository references.
    public struct BlobItem: Sendable, Codable, Hashable {
        public var digest: Digest
        /// Bytes of its `data`.
        public var bytes: Int
    }

    /// An upload older than the upload age.
    public struct UploadItem: Sendable, Codable, Hashable {
        public var ref: CollectReport.UploadRef
        public var path: String
    }

    /// What made the plan, for review and for ``Collector/execute(_:maxAge:)``.
    public struct Origin: Sendable, Codable, Hashable {
        /// `gc` or `delete`.
        public var operation: String
        /// The store it was made for (``StorageBackend/displayName``): a plan is executed only there.
        public var store: String
        /// When its scan began, seconds since 1970.
        public var scannedAt: Double
        /// The collection options it was made with (for `gc`; `delete` keeps its own in `delete`).
        public var collect: CollectOptions?
        /// The delete targets and options (for `delete`).
        public var delete: DeleteRequest?
    }

    /// What a `delete` plan was asked to delete, and how.
    public struct DeleteRequest: Sendable, Codable, Hashable {
        /// `NAME` or `NAME:TAG`, as given.
        public var targets: [String]
        public var options: DeleteOptions
    }

    /// The format version this code writes and reads.
    public static let currentVersion = 1
    /// How old a plan ``Collector/execute(_:maxAge:)`` accepts by default: 24 hours. Execution
    /// re-checks every item against a fresh scan, so age never makes it unsafe; the limit keeps
    /// a forgotten plan from being applied to a store that has moved on far from what was reviewed.
    public static let defaultMaxAge: Double = 24 * 3600

    /// The plan file's format version.
    public var version = SweepPlan.currentVersion
    /// What made the plan; `nil` while a run builds it internally.
    public var origin: Origin?
    public var tags: [TagItem] = []
    public var manifests: [ManifestItem] = []
    public var links: [LinkItem] = []
    public var blobs: [BlobItem] = []
    public var uploads: [UploadItem] = []
    /// Incomplete uploads the storage driver left (an object store's multipart uploads),
    /// started before the upload age; aborted in the uploads phase.
    public var incompleteUploads: [IncompleteUpload] = []
    /// Repositories removed once empty.
    public var repositories: [String] = []
    /// Unreferenced blobs kept because they are younger than the grace period.
    public var keptYoungBlobs = 0
    /// Things the operator should know (repositories kept whole, …).
    public var warnings: [String] = []
    /// Failures met while planning; each kept what it concerned.
    public var problems: [StoreProblem] = []

    /// Why each kind of item is in the plan.
    public static let reasons: [String: String] = [
        "tag": "named by the delete",
        "manifest":
            "no tag reaches it (delete-untagged), or only deleted tags did (delete); removed with its tag-history entries",
        "link": "names a blob no live manifest of its repository references, or nothing at all (see each link's kind)",
        "blob": "no live manifest in any repository references it, and it is older than the grace period",
        "upload": "started before the upload age",
        "incompleteUpload": "an incomplete multipart upload started before the upload age",
        "repository": "left with no tags, manifests or uploads",
    ]

    /// An empty plan.
    public init() {}

    /// Every path the plan removes, in order (for dry-run listings).
    public var paths: [String] {
        tags.map(\.path) + manifests.flatMap(\.paths) + links.map(\.path)
            + blobs.map { StorePath.blobDirectory($0.digest) }
            + uploads.map(\.path) + repositories.map { StorePath.repository($0) }
    }

    /// Bytes of blob data the plan frees.
    public var bytes: Int { blobs.reduce(0) { $0 + $1.bytes } }

    /// Drops what the revalidator found referenced after the scan (a dry run's view of what a
    /// real run would do now).
    ///
    /// - Returns: the dropped items, with the reason.
    mutating func keepProtected(_ revalidator: Revalidator) -> [CollectReport.Skipped] {
        var skipped: [CollectReport.Skipped] = []
        manifests = Self.dropProtected(manifests, by: revalidator, into: &skipped)
        links = Self.dropProtected(links, by: revalidator, into: &skipped)
        blobs = Self.dropProtected(blobs, by: revalidator, into: &skipped)
        return skipped
    }

    /// The items of `items` the revalidator lets go; each other one is appended to `skipped`
    /// with the reason (blobs also stay all when the revalidator blocks blob removal).
    static func dropProtected<Item: SweepItem>(
        _ items: [Item], by revalidator: Revalidator, into skipped: inout [CollectReport.Skipped]
    ) -> [Item] {
        items.filter { item in
            let blocked = Item.kind == .blob && revalidator.blocksBlobs
            guard blocked || item.named.map(revalidator.protected.contains) == true else { return true }
            skipped.append(
                .init(
                    kind: Item.kind, path: item.path,
                    reason: blocked
                        ? "the store changed in a way this run could not read (see problems)"
                        : "referenced by something written after the scan"))
            return false
        }
    }
}

/// An item of a plan that names one digest: what the revalidator may protect.
protocol SweepItem {
    /// `manifest`, `link` or `blob`, for reports.
    static var kind: CollectReport.ItemKind { get }
    /// The digest the item removes or names (`nil`: it names none, nothing can protect it).
    var named: Digest? { get }
    /// The store path it removes.
    var path: String { get }
}

extension SweepPlan.ManifestItem: SweepItem {
    static var kind: CollectReport.ItemKind { .manifest }
    var named: Digest? { digest }
    var path: String { StorePath.revision(repository, digest) }
}

extension SweepPlan.LinkItem: SweepItem {
    static var kind: CollectReport.ItemKind { .link }
    var named: Digest? { digest }
}

extension SweepPlan.BlobItem: SweepItem {
    static var kind: CollectReport.ItemKind { .blob }
    var named: Digest? { digest }
    var path: String { StorePath.blobDirectory(digest) }
}
