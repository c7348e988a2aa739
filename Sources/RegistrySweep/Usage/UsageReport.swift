/// Where the space of a store goes (`regsweep du`): per repository, what it references and what
/// only it references; for the store, what is referenced, shared, unreferenced, and uploading.
///
/// Every blob present in the store falls in exactly one class: *exclusive* to one repository
/// (exactly one references it, see ``RepositoryUsage``), *shared* (two or more do), or
/// *unreferenced* (none does: garbage, what `gc --grace 0` frees). So these hold exactly, in
/// blobs and in bytes:
///
/// - ``storeBytes`` = ``referencedBytes`` + ``unreferencedBytes``;
/// - ``referencedBytes`` = ``exclusiveBytes`` + ``sharedBytes``, where ``exclusiveBytes`` is the
///   sum of the rows' ``RepositoryUsage/exclusiveBytes`` and ``sharedBytes`` counts each shared
///   blob once;
/// - the sum of the rows' ``RepositoryUsage/sharedBytes`` is at least twice ``sharedBytes``
///   (each shared blob is in two rows or more) when ``isTreeComplete``;
/// - ``uploadBytes`` is the sum of the rows' ``RepositoryUsage/uploadBytes``; uploads are not
///   blobs and are in none of the above.
///
/// When part of the repository tree could not be read (``isTreeComplete`` false), the unseen
/// part may reference any blob: no blob is exclusive (a delete frees none then), every blob a
/// repository references counts as shared, and ``unreferencedBytes`` is not proven garbage
/// (`gc` deletes no blob then). The identities still hold.
public struct UsageReport: Sendable, Codable, Equatable {
    /// How rows are ordered.
    public enum Order: String, Sendable, Codable, CaseIterable {
        /// Largest ``RepositoryUsage/exclusiveBytes`` first.
        case exclusive
        /// Largest ``RepositoryUsage/totalBytes`` first.
        case total
        /// Most ``RepositoryUsage/tags`` first.
        case tags
    }

    /// One row per repository, by name unless ``sorted(by:)`` reordered them.
    public var repositories: [RepositoryUsage]
    /// Blobs present in the store.
    public var storeBlobs: Int
    /// Bytes of every blob's `data` (a blob whose `data` cannot be stat'ed counts 0 and is a problem).
    public var storeBytes: Int
    /// Blobs at least one repository references.
    public var referencedBlobs: Int
    /// Bytes of the blobs at least one repository references.
    public var referencedBytes: Int
    /// Blobs exactly one repository references (over all repositories).
    public var exclusiveBlobs: Int
    /// Bytes of the blobs exactly one repository references: the sum of the rows'
    /// ``RepositoryUsage/exclusiveBytes``.
    public var exclusiveBytes: Int
    /// Blobs two or more repositories reference, each counted once.
    public var sharedBlobs: Int
    /// Bytes of the blobs two or more repositories reference, each counted once.
    public var sharedBytes: Int
    /// Blobs no repository references.
    public var unreferencedBlobs: Int
    /// Bytes of the blobs no repository references: garbage, exactly what `gc --dry-run
    /// --grace 0` reports as eligible, when ``isTreeComplete``.
    public var unreferencedBytes: Int
    /// Uploads in progress, over all repositories.
    public var uploads: Int
    /// Bytes of the uploads' `data` files, over all repositories.
    public var uploadBytes: Int
    /// False when part of the repository tree could not be read (see
    /// ``StoreSnapshot/isTreeComplete``): no blob is exclusive, none proven unreferenced.
    public var isTreeComplete: Bool
    /// Every problem the scan found (and every upload whose size could not be read).
    public var problems: [StoreProblem]
    /// Seconds per phase (`scan`, `uploads`, `attribute`).
    public var timings: [String: Double]

    /// Creates an empty report (no repositories, no blobs).
    public init() {
        repositories = []
        storeBlobs = 0
        storeBytes = 0
        referencedBlobs = 0
        referencedBytes = 0
        exclusiveBlobs = 0
        exclusiveBytes = 0
        sharedBlobs = 0
        sharedBytes = 0
        unreferencedBlobs = 0
        unreferencedBytes = 0
        uploads = 0
        uploadBytes = 0
        isTreeComplete = true
        problems = []
        timings = [:]
    }

    /// The report with its rows in `order`: largest first, ties by name.
    ///
    /// - Complexity: O(n log n) in the repositories.
    public func sorted(by order: Order) -> UsageReport {
        func key(_ row: RepositoryUsage) -> Int {
            switch order {
            case .exclusive: row.exclusiveBytes
            case .total: row.totalBytes
            case .tags: row.tags
            }
        }
        var copy = self
        copy.repositories.sort { key($0) != key($1) ? key($0) > key($1) : $0.name < $1.name }
        return copy
    }
}
