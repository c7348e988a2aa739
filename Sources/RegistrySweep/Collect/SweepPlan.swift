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
    ///
    /// Holds the names of the tags whose history lists it, not the paths: those are spelled
    /// when asked (about 250 bytes each, held for every manifest of a large plan otherwise).
    public struct ManifestItem: Sendable, Hashable {
        public var repository: String
        public var digest: Digest
        /// The remaining tags whose history (`index`) lists this manifest.
        public var historyTags: [String]

        /// Tag-history entry directories, then the revision directory.
        public var paths: [String] {
            historyTags.map { StorePath.tagIndexEntry(repository, $0, digest) } + [
                StorePath.revision(repository, digest)
            ]
        }
    }

    /// A link file (layer link, tag-history entry, emptied revision or tag directory).
    ///
    /// Only the reference is held: the path is spelled from it when asked (a plan with half a
    /// million links would otherwise hold half a million path strings, about 200 bytes each).
    /// Every item names what its kind needs (a digest, a tag, or both): the planner never makes
    /// one that does not, and decoding refuses it.
    public struct LinkItem: Sendable, Hashable {
        /// The link: repository, kind, tag and digest.
        public let ref: CollectReport.LinkRef
        /// Planned because the blob it names was gone (or is planned to go): kept if the blob is there after all.
        public let blobGone: Bool

        /// The directory removed.
        public var path: String {
            switch (ref.kind, ref.tag, ref.digest) {
            case (.layer, _, let digest?): StorePath.layerLink(ref.repository, digest)
            case (.revisionWithoutLink, _, let digest?): StorePath.revision(ref.repository, digest)
            case (.tagWithoutLink, let tag?, _): StorePath.tag(ref.repository, tag)
            case (.tagHistory, let tag?, let digest?): StorePath.tagIndexEntry(ref.repository, tag, digest)
            // Never a made-up path: the initializers refuse a reference without its kind's fields.
            default: preconditionFailure("a link item without the digest or tag its kind needs")
            }
        }

        /// The digest the link names; `nil` for a tag without `current/link`.
        public var digest: Digest? { ref.digest }

        /// An item for `ref`.
        ///
        /// - Precondition: `ref` names what its kind needs (see `isComplete(_:)`).
        init(ref: CollectReport.LinkRef, blobGone: Bool = false) {
            precondition(Self.isComplete(ref), "a link item without the digest or tag its kind needs")
            self.ref = ref
            self.blobGone = blobGone
        }

        /// True if `ref` has what its kind's path needs: a digest for layer links and revisions,
        /// a tag for tags, both for tag-history entries.
        static func isComplete(_ ref: CollectReport.LinkRef) -> Bool {
            switch ref.kind {
            case .layer, .revisionWithoutLink: ref.digest != nil
            case .tagWithoutLink: ref.tag != nil
            case .tagHistory: ref.digest != nil && ref.tag != nil
            }
        }
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
    ///
    /// When the revalidator protects nothing (the usual case) the result is `items` itself, its
    /// storage shared: a plan's items are not copied just to be kept.
    static func dropProtected<Item: SweepItem>(
        _ items: [Item], by revalidator: Revalidator, into skipped: inout [CollectReport.Skipped]
    ) -> [Item] {
        let blocked = Item.kind == .blob && revalidator.blocksBlobs
        guard blocked || !revalidator.protected.isEmpty else { return items }
        return items.filter { item in
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

/// The plan file spells a link item as before the path was derived: `ref`, `path`, `digest` and
/// `blobGone`. Decoding takes the reference and refuses an item whose `path` or `digest` is not
/// the one its reference gives (an edited plan file), or whose reference lacks what its kind needs.
extension SweepPlan.LinkItem: Codable {
    private enum CodingKeys: String, CodingKey {
        case ref, path, digest, blobGone
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let ref = try container.decode(CollectReport.LinkRef.self, forKey: .ref)
        guard Self.isComplete(ref) else {
            throw DecodingError.dataCorruptedError(
                forKey: .ref, in: container, debugDescription: "a \(ref.kind) link without its digest or tag")
        }
        self.init(ref: ref, blobGone: try container.decodeIfPresent(Bool.self, forKey: .blobGone) ?? false)
        if let path = try container.decodeIfPresent(String.self, forKey: .path), path != self.path {
            throw DecodingError.dataCorruptedError(
                forKey: .path, in: container,
                debugDescription: "path \(path) is not the one its ref names (\(self.path))")
        }
        if let digest = try container.decodeIfPresent(Digest.self, forKey: .digest), digest != ref.digest {
            throw DecodingError.dataCorruptedError(
                forKey: .digest, in: container, debugDescription: "digest is not the one its ref names")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ref, forKey: .ref)
        try container.encode(path, forKey: .path)
        try container.encodeIfPresent(digest, forKey: .digest)
        try container.encode(blobGone, forKey: .blobGone)
    }
}

/// The plan file spells a manifest item with its paths (`repository`, `digest`, `paths`), as
/// before they were derived. Decoding reads the tags back from the paths and refuses any path
/// that is not the item's own revision directory (last) or one of its tag-history entries.
extension SweepPlan.ManifestItem: Codable {
    private enum CodingKeys: String, CodingKey {
        case repository, digest, paths
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repository = try container.decode(String.self, forKey: .repository)
        digest = try container.decode(Digest.self, forKey: .digest)
        var paths = try container.decode([String].self, forKey: .paths)
        guard paths.last == StorePath.revision(repository, digest) else {
            throw DecodingError.dataCorruptedError(
                forKey: .paths, in: container,
                debugDescription: "the last path is not the revision directory of \(repository)@\(digest)")
        }
        paths.removeLast()
        let prefix = StorePath.tag(repository, "")
        let suffix = "/index/sha256/\(digest.hex)"
        historyTags = []
        for path in paths {
            var tag = ""
            if path.hasPrefix(prefix) && path.hasSuffix(suffix) && path.count > prefix.count + suffix.count {
                tag = String(path.dropFirst(prefix.count).dropLast(suffix.count))
            }
            // One directory name, as the scan found it (not necessarily a valid tag).
            guard !tag.isEmpty, tag != ".", tag != "..", !tag.contains("/") else {
                throw DecodingError.dataCorruptedError(
                    forKey: .paths, in: container,
                    debugDescription: "\(path) is not a tag-history entry of \(repository)@\(digest)")
            }
            historyTags.append(tag)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(repository, forKey: .repository)
        try container.encode(digest, forKey: .digest)
        try container.encode(paths, forKey: .paths)
    }
}
