/// One repository's row of a ``UsageReport``: what it references, and what only it references.
///
/// A repository *references* a blob present in the store when the blob is in the closure of
/// its manifest revisions and of the manifests its tags name (the manifests' own blobs, index
/// children recursively, configs, layers, artifact blobs): the rule of `gc`'s default mark.
/// A repository kept whole (see ``keptWhole``) also references every blob its `_layers` links
/// name, as the mark keeps them. Blobs that are not in the store count nowhere.
///
/// Identities (each row): ``sharedBytes`` = ``totalBytes`` - ``exclusiveBytes``, and
/// ``exclusiveBlobs`` <= ``blobs``.
public struct RepositoryUsage: Sendable, Codable, Equatable {
    /// The repository name.
    public var name: String
    /// Tags (with a `current/link`).
    public var tags: Int
    /// Manifest revisions.
    public var manifests: Int
    /// Distinct blobs the repository references.
    public var blobs: Int
    /// Bytes of the blobs the repository references, each blob counted once.
    public var totalBytes: Int
    /// Blobs no other repository references.
    public var exclusiveBlobs: Int
    /// Bytes of the blobs no other repository references: what deleting the repository
    /// frees, exactly the blob bytes `regsweep delete --image NAME --dry-run --grace 0` reports
    /// (with a grace period, the delete frees those older than it now and leaves the rest to a
    /// later `gc`). Zero for every repository when the tree was not read completely
    /// (``UsageReport/isTreeComplete``): a delete then frees nothing.
    public var exclusiveBytes: Int
    /// Bytes of the blobs the repository references that some other repository references too:
    /// ``totalBytes`` - ``exclusiveBytes``.
    public var sharedBytes: Int
    /// Uploads in progress (`_uploads/<uuid>`).
    public var uploads: Int
    /// Bytes of the uploads' `data` files (not blobs; `gc` removes uploads by age).
    public var uploadBytes: Int
    /// Why the repository is kept whole (an unreadable manifest, a part that could not be
    /// listed, an invalid name), or `nil` when it was read completely. A repository kept whole
    /// cannot be deleted (`delete` refuses it) and references its `_layers` blobs as well, so
    /// nothing it might reference looks exclusive to another repository or unreferenced.
    public var keptWhole: String?

    /// Creates a row.
    public init(
        name: String, tags: Int, manifests: Int, blobs: Int, totalBytes: Int, exclusiveBlobs: Int, exclusiveBytes: Int,
        uploads: Int, uploadBytes: Int, keptWhole: String?
    ) {
        self.name = name
        self.tags = tags
        self.manifests = manifests
        self.blobs = blobs
        self.totalBytes = totalBytes
        self.exclusiveBlobs = exclusiveBlobs
        self.exclusiveBytes = exclusiveBytes
        self.sharedBytes = totalBytes - exclusiveBytes
        self.uploads = uploads
        self.uploadBytes = uploadBytes
        self.keptWhole = keptWhole
    }
}
