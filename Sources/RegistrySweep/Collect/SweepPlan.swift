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
/// the ``Sweeper`` revalidates the plan against what a live registry wrote meanwhile.
struct SweepPlan: Sendable {
    struct ManifestItem: Sendable {
        var repository: String
        var digest: Digest
        /// Tag-history entry directories, then the revision directory.
        var paths: [String]
    }

    struct LinkItem: Sendable {
        var ref: CollectReport.LinkRef
        var path: String
        /// The digest the link names; `nil` for a tag without `current/link`.
        var digest: Digest?
        /// Planned because the blob it names was gone (or is planned to go): kept if the blob is there after all.
        var blobGone = false
    }

    /// A tag directory the operator deleted, and the manifest its `current/link` named.
    struct TagItem: Sendable {
        var repository: String
        var tag: String
        var current: Digest?
        var path: String { StorePath.tag(repository, tag) }
    }

    struct BlobItem: Sendable {
        var digest: Digest
        var bytes: Int
    }

    struct UploadItem: Sendable {
        var ref: CollectReport.UploadRef
        var path: String
    }

    var tags: [TagItem] = []
    var manifests: [ManifestItem] = []
    var links: [LinkItem] = []
    var blobs: [BlobItem] = []
    var uploads: [UploadItem] = []
    var repositories: [String] = []
    var keptYoungBlobs = 0
    var warnings: [String] = []

    /// Every path the plan removes, in order (for dry-run listings).
    var paths: [String] {
        tags.map(\.path) + manifests.flatMap(\.paths) + links.map(\.path) + blobs.map { StorePath.blobDirectory($0.digest) }
            + uploads.map(\.path) + repositories.map { StorePath.repository($0) }
    }

    /// Bytes of blob data the plan frees.
    var bytes: Int { blobs.reduce(0) { $0 + $1.bytes } }

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
            skipped.append(.init(
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
