import RegistrySweep

/// The JSON documents a generated store holds: image configs, image manifests, indexes,
/// lists and referrers, as the registry and its clients write them (compact form).
enum ManifestDocument {
    /// A content descriptor as it appears inside a manifest.
    struct Descriptor {
        var mediaType: String
        var size: Int
        var digest: Digest
        /// `platform` for index and list entries.
        var architecture: String?

        var json: String {
            var text = "{\"mediaType\":\"\(mediaType)\",\"size\":\(size),\"digest\":\"\(digest)\""
            if let architecture { text += ",\"platform\":{\"architecture\":\"\(architecture)\",\"os\":\"linux\"}" }
            return text + "}"
        }
    }

    /// The image formats a generated push uses.
    enum Format {
        case docker
        case oci

        var manifestKind: ManifestKind { self == .docker ? .schema2 : .ociImage }
        var indexKind: ManifestKind { self == .docker ? .dockerList : .ociIndex }
        var configType: String {
            self == .docker
                ? "application/vnd.docker.container.image.v1+json" : "application/vnd.oci.image.config.v1+json"
        }
        var layerType: String {
            self == .docker
                ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+gzip"
        }
    }

    /// The media type of the OCI empty descriptor (a referrer's config).
    static let emptyType = "application/vnd.oci.empty.v1+json"
    /// The empty JSON object, the OCI empty descriptor's content.
    static let emptyContent: [UInt8] = Array("{}".utf8)
    /// The artifact type generated referrers carry.
    static let signatureType = "application/vnd.example.signature.v1+json"

    /// An image config: architecture, a creation time and a label of seeded length.
    static func config(architecture: String, created: String, label: String) -> [UInt8] {
        Array(
            ("{\"architecture\":\"\(architecture)\",\"os\":\"linux\",\"created\":\"\(created)\","
                + "\"config\":{\"Env\":[\"PATH=/usr/local/bin:/usr/bin:/bin\"],\"Labels\":{\"build\":\"\(label)\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").utf8)
    }

    /// An image manifest (Docker schema 2 or OCI).
    static func image(_ format: Format, config: Descriptor, layers: [Descriptor]) -> [UInt8] {
        let layerList = layers.map(\.json).joined(separator: ",")
        return Array(
            ("{\"schemaVersion\":2,\"mediaType\":\"\(format.manifestKind.mediaType)\","
                + "\"config\":\(config.json),\"layers\":[\(layerList)]}").utf8)
    }

    /// A multi-platform index (OCI) or manifest list (Docker).
    static func index(_ format: Format, children: [Descriptor]) -> [UInt8] {
        let list = children.map(\.json).joined(separator: ",")
        return Array(
            "{\"schemaVersion\":2,\"mediaType\":\"\(format.indexKind.mediaType)\",\"manifests\":[\(list)]}".utf8)
    }

    /// An OCI 1.1 referrer: an artifact image manifest whose `subject` is another manifest.
    static func referrer(config: Descriptor, signature: Descriptor, subject: Descriptor) -> [UInt8] {
        Array(
            ("{\"schemaVersion\":2,\"mediaType\":\"\(ManifestKind.ociImage.mediaType)\","
                + "\"artifactType\":\"\(signatureType)\",\"config\":\(config.json),"
                + "\"layers\":[\(signature.json)],\"subject\":\(subject.json)}").utf8)
    }
}
