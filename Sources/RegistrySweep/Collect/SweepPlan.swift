/// Everything a sweep will remove, in the order it removes it: references before data.
///
/// 0. tags the operator deleted (their directories);
/// 1. dead manifests' tag-history entries and revision links;
/// 2. layer links and stale tag-history entries;
/// 3. blobs;
/// 4. uploads;
/// 5. repositories left empty (prune).
///
/// A crash between any two deletions leaves only garbage for the next run: nothing that
/// stays can reference what is already gone.
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
    }

    struct BlobItem: Sendable {
        var digest: Digest
        var bytes: Int
    }

    struct UploadItem: Sendable {
        var ref: CollectReport.UploadRef
        var path: String
    }

    var tags: [String] = []
    var manifests: [ManifestItem] = []
    var links: [LinkItem] = []
    var blobs: [BlobItem] = []
    var uploads: [UploadItem] = []
    var repositories: [String] = []
    var keptYoungBlobs = 0
    var warnings: [String] = []

    /// Every path the plan removes, in order (for dry-run listings).
    var paths: [String] {
        tags + manifests.flatMap(\.paths) + links.map(\.path) + blobs.map { StorePath.blobDirectory($0.digest) }
            + uploads.map(\.path) + repositories.map { StorePath.repository($0) }
    }

    /// Bytes of blob data the plan frees.
    var bytes: Int { blobs.reduce(0) { $0 + $1.bytes } }
}
