/// The manifest kinds a registry stores (see the storage doc's table).
public enum ManifestKind: UInt8, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Docker image manifest v2 schema 1 (signed or not): `fsLayers[].blobSum`.
    case schema1
    /// Docker image manifest v2 schema 2: `config`, `layers[]`.
    case schema2
    /// OCI image manifest: `config`, `layers[]`, optional `subject`.
    case ociImage
    /// Docker manifest list: `manifests[]`.
    case dockerList
    /// OCI image index: `manifests[]`, optional `subject`.
    case ociIndex
    /// OCI artifact manifest (1.1 release candidates): `blobs[]`, optional `subject`.
    case ociArtifact

    /// The media type string of this kind (schema 1: the unsigned one).
    public var mediaType: String {
        switch self {
        case .schema1: "application/vnd.docker.distribution.manifest.v1+json"
        case .schema2: "application/vnd.docker.distribution.manifest.v2+json"
        case .ociImage: "application/vnd.oci.image.manifest.v1+json"
        case .dockerList: "application/vnd.docker.distribution.manifest.list.v2+json"
        case .ociIndex: "application/vnd.oci.image.index.v1+json"
        case .ociArtifact: "application/vnd.oci.artifact.manifest.v1+json"
        }
    }

    /// True for kinds whose references are other manifests (`manifests[]`).
    public var isIndex: Bool { self == .dockerList || self == .ociIndex }

    /// A short name for reports: `schema1`, `schema2`, `oci-image`, `docker-list`, `oci-index`, `oci-artifact`.
    public var description: String {
        switch self {
        case .schema1: "schema1"
        case .schema2: "schema2"
        case .ociImage: "oci-image"
        case .dockerList: "docker-list"
        case .ociIndex: "oci-index"
        case .ociArtifact: "oci-artifact"
        }
    }

    /// The kind named by a media type, if any (both schema 1 media types map to `.schema1`).
    public init?(mediaType: String) {
        switch mediaType {
        case "application/vnd.docker.distribution.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v1+prettyjws":
            self = .schema1
        case "application/vnd.docker.distribution.manifest.v2+json": self = .schema2
        case "application/vnd.oci.image.manifest.v1+json": self = .ociImage
        case "application/vnd.docker.distribution.manifest.list.v2+json": self = .dockerList
        case "application/vnd.oci.image.index.v1+json": self = .ociIndex
        case "application/vnd.oci.artifact.manifest.v1+json": self = .ociArtifact
        default: return nil
        }
    }
}

/// What a manifest references: the facts mark and sweep need, nothing else.
public struct ParsedManifest: Sendable, Hashable {
    /// The manifest's kind.
    public var kind: ManifestKind
    /// The `mediaType` field (the last non-null one), if present.
    public var mediaType: String?
    /// Blobs the manifest needs, as the registry decodes them: `config`, then `layers[]`,
    /// `blobs[]`, schema 1 `fsLayers[].blobSum` in array order (duplicates kept once).
    public var blobs: [Digest]
    /// Layers that carry `urls` (foreign layers): allowed to be absent from the store.
    public var foreignLayers: [Digest]
    /// Child manifests (`manifests[]` of an index or list).
    public var children: [Digest]
    /// The manifest this one refers to (`subject`), for referrers.
    public var subject: Digest?

    /// Creates a parsed manifest.
    public init(
        kind: ManifestKind, mediaType: String? = nil, blobs: [Digest] = [], foreignLayers: [Digest] = [],
        children: [Digest] = [], subject: Digest? = nil
    ) {
        self.kind = kind
        self.mediaType = mediaType
        self.blobs = blobs
        self.foreignLayers = foreignLayers
        self.children = children
        self.subject = subject
    }
}
