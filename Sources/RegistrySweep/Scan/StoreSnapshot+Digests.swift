/// The public, digest-valued view of a snapshot (the id tables behind it are package-internal).
extension StoreSnapshot {
    /// What a parsed manifest references.
    public struct ManifestReferences: Sendable, Hashable {
        /// The manifest's kind (schema 1 or 2, OCI image or index, Docker list, artifact).
        public var kind: ManifestKind?
        /// Config, layers and artifact blobs.
        public var blobs: [Digest]
        /// Index or list children.
        public var children: [Digest]
        /// The `subject` it refers to (a referrer), if any.
        public var subject: Digest?
    }

    /// Every blob present under `blobs/sha256/`, in digest order.
    public var blobDigests: [Digest] { blobs.map { digests[$0] } }

    /// True if a blob with this digest is present.
    public func containsBlob(_ digest: Digest) -> Bool { digests.id(of: digest).map(blobs.contains) ?? false }

    /// The size of a blob's data, when the scan read sizes (``ScanOptions/statBlobs``).
    public func size(ofBlob digest: Digest) -> Int? { digests.id(of: digest).flatMap { blobSizes[$0] } }

    /// What the manifest with this digest references; `nil` if no manifest with this digest was
    /// parsed (absent, not a manifest, or unreadable: see ``isUnreadableManifest(_:)``).
    public func references(of manifest: Digest) -> ManifestReferences? {
        guard let id = digests.id(of: manifest), let m = manifests.manifest(of: id),
            manifests.kind[m] != ManifestTable.unreadable
        else { return nil }
        let subject = manifests.subject[m]
        return ManifestReferences(
            kind: manifests.manifestKind(m), blobs: manifests.blobs(m).map { digests[$0] },
            children: manifests.children(m).map { digests[$0] },
            subject: subject == ManifestTable.none ? nil : digests[subject])
    }

    /// True if a revision names this manifest but its content could not be read or parsed.
    public func isUnreadableManifest(_ digest: Digest) -> Bool {
        digests.id(of: digest).map(unreadableManifests.contains) ?? false
    }

    /// The repository's manifest revisions.
    public func revisions(of repository: Repository) -> [Digest] { repository.revisions.map { digests[$0] } }

    /// The repository's layer links (listed only when the scan was asked to, see ``layersListed``).
    public func layers(of repository: Repository) -> [Digest] { repository.layers.map { digests[$0] } }

    /// The manifest a tag's `current/link` names; `nil` when it could not be read.
    public func current(of tag: Repository.Tag) -> Digest? { tag.current.map { digests[$0] } }

    /// Every digest in a tag's history (`index/sha256/*`).
    public func history(of tag: Repository.Tag, in repository: Repository) -> [Digest] {
        repository.history(of: tag).map { digests[$0] }
    }

    /// The closure of some manifests: the manifests, their index children (recursively) and
    /// every blob they reference: what a pull of them needs.
    public func closure(of manifests: [Digest]) -> Set<Digest> {
        var set = BitSet(universe: digests.count)
        var visited = BitSet(universe: digests.count)
        closure(from: manifests.compactMap { digests.id(of: $0) }, into: &set, visited: &visited)
        return Set(set.map { digests[$0] })
    }
}
