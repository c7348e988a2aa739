/// Everything a scan learned about a store: the digest graph, the repositories and the problems.
///
/// Digests are interned once in a flat table; every other structure refers to them by a
/// `UInt32` id (package-internal). The public view is digest-valued: see the queries in
/// `StoreSnapshot+Digests.swift` (blobs, manifests and their references, each repository's
/// revisions, layers and tags).
///
/// ## Performance
/// Per blob: 32 bytes (digest) + 4–8 (table slots) + 4 (manifest index) + bits for the
/// sets: about 41–45 bytes, plus 4 bytes per reference edge and per link (see
/// ``memoryFootprint``).
public struct StoreSnapshot: Sendable {
    /// Every digest seen: blobs, links, references.
    package var digests: DigestTable
    /// Ids of blobs present under `blobs/sha256/` (a directory named by the digest).
    package var blobs: BitSet
    /// Blob sizes (`data` size) by id when the scan was asked to stat them, else empty.
    package var blobSizes: [UInt32: Int]
    /// The repositories, sorted by name.
    public var repositories: [Repository]
    /// Every manifest read, parsed or not.
    package var manifests: ManifestTable
    /// Digest ids of manifests whose content could not be read or parsed.
    package var unreadableManifests: BitSet
    /// Ids of layers marked foreign (`urls`) in some manifest: allowed to be missing.
    package var foreignLayers: BitSet
    /// False when part of the repository tree could not be seen (an unlistable directory, a
    /// symlinked one the registry would follow, or a file, FIFO or device where a namespace or
    /// repository directory may have been), or when a repository's revisions
    /// (`_manifests`, `_manifests/revisions`, `revisions/sha256`) or its `_layers/sha256` could
    /// not be listed (unreadable, of the wrong type, or missing behind a symbolic link): the
    /// manifests and blobs it holds are unknown, so no blob is provably garbage and collection
    /// deletes none. Each cause is among ``problems``.
    public var isTreeComplete: Bool
    /// Every problem found, in a stable order.
    public var problems: [StoreProblem]
    /// Seconds spent per phase (`list`, `parse`, `stat`).
    public var timings: [String: Double]
    /// When the scan began (``Timestamp/modificationSplit()``, seconds since 1970): whatever has a
    /// modification time after it may have changed after the scan read it.
    public var startedAt: Double = 0
    /// Whether every repository's layer links were listed (``ScanOptions/listLayerLinks``); when
    /// false, ``layers(of:)`` is empty except for repositories kept whole.
    public var layersListed = true
    /// The store as the scan read it (``StorageBackend/scanView()``): the planner's stats of
    /// what may be deleted read through it. `nil` for a snapshot not made by a scan.
    var view: (any StorageBackend)?

    /// The number of blobs present.
    public var blobCount: Int { blobs.count }

    /// The id of a digest, if it was seen.
    package func id(of digest: Digest) -> UInt32? { digests.id(of: digest) }

    /// Bytes held by the graph structures (digest table, sets, manifest table).
    public var memoryFootprint: Int {
        digests.memoryFootprint + blobs.memoryFootprint + manifests.memoryFootprint
            + unreadableManifests.memoryFootprint + foreignLayers.memoryFootprint
            + repositories.reduce(0) { $0 + ($1.revisions.capacity + $1.layers.capacity + $1.tagHistory.capacity) * 4 }
    }
}
