import Crypto
import Foundation

// Deterministic builders for registry test content: blobs, image configs and every
// manifest kind the storage layer knows (see RegistryServer.swift for the API notes).
//
// Everything here is seeded or derived from its inputs, so two runs produce the same
// bytes and the same digests. JSON is written with sorted keys and unescaped slashes.

/// Media types used by the fixtures, spelled once.
enum FixtureMediaType {
    /// Docker image manifest, schema 2.
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    /// Docker manifest list (multi-arch), schema 2.
    static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    /// Docker schema 1, unsigned (2.8.2 refuses to store new schema 1 manifests).
    static let dockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json"
    /// Docker schema 1, signed (JWS).
    static let dockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    /// OCI image manifest.
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    /// OCI image index.
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    /// OCI artifact manifest (OCI 1.1 release candidate; registry 2.8.2 rejects it with 400).
    static let ociArtifact = "application/vnd.oci.artifact.manifest.v1+json"
    /// Docker image config blob.
    static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    /// Docker gzip layer.
    static let dockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip"
    /// Docker foreign (non-distributable) layer, fetched from its `urls`.
    static let dockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
    /// OCI image config blob.
    static let ociConfig = "application/vnd.oci.image.config.v1+json"
    /// OCI gzip layer.
    static let ociLayer = "application/vnd.oci.image.layer.v1.tar+gzip"
    /// OCI non-distributable gzip layer.
    static let ociForeignLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
    /// OCI empty descriptor (`{}`), the usual config of an artifact.
    static let ociEmpty = "application/vnd.oci.empty.v1+json"

    /// The manifest media types sent in `Accept` when pulling: every kind in the storage doc.
    static let allManifests: [String] = [
        ociIndex, ociManifest, dockerManifestList, dockerManifest,
        ociArtifact, dockerSchema1Signed, dockerSchema1,
    ]
}

/// Content-addressed bytes: a layer, a config or any other blob.
struct Blob: Sendable, Hashable {
    /// The content.
    var bytes: [UInt8]
    /// `"sha256:<64 lowercase hex>"` of `bytes`.
    var digest: String
    /// `bytes.count`.
    var size: Int
}

extension Blob {
    /// Wraps `bytes`, computing digest and size. Does not throw.
    init(bytes: [UInt8]) {
        self.init(bytes: bytes, digest: ImageFactory.digest(of: bytes), size: bytes.count)
    }

    /// The bare hex part of `digest` (the directory name under `blobs/sha256/xx/`). Does not throw.
    var hex: String { String(digest.dropFirst("sha256:".count)) }
}

/// The platform of an index / manifest-list entry.
struct FixturePlatform: Sendable, Hashable, Encodable {
    /// Operating system, e.g. `linux`.
    var os: String
    /// CPU architecture, e.g. `amd64`.
    var architecture: String
    /// Optional variant, e.g. `v8`.
    var variant: String?

    /// Creates a platform. Does not throw.
    init(os: String = "linux", architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }
}

/// An OCI / Docker content descriptor, as written into manifests (also used for `subject`).
struct FixtureDescriptor: Sendable, Hashable, Encodable {
    /// Media type of the referenced content.
    var mediaType: String
    /// Digest of the referenced content.
    var digest: String
    /// Size in bytes of the referenced content.
    var size: Int
    /// Platform, for index / manifest-list entries.
    var platform: FixturePlatform?
    /// Foreign-layer URLs; such a layer is not pushed and may be absent from storage on purpose.
    var urls: [String]?
    /// OCI 1.1 artifact type (index entries of referrers).
    var artifactType: String?

    /// Creates a descriptor. Does not throw.
    init(
        mediaType: String, digest: String, size: Int, platform: FixturePlatform? = nil,
        urls: [String]? = nil, artifactType: String? = nil
    ) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
        self.urls = urls
        self.artifactType = artifactType
    }

    /// Describes `blob` with `mediaType`. Does not throw.
    init(_ blob: Blob, mediaType: String) {
        self.init(mediaType: mediaType, digest: blob.digest, size: blob.size)
    }
}

/// An image pushed to a registry, with every byte that was sent.
struct PushedImage: Sendable {
    /// Repository name, e.g. `a/b/c`.
    var repository: String
    /// Tag it was pushed under, or nil when pushed by digest only.
    var tag: String?
    /// `"sha256:<hex>"` of `manifest`, as confirmed by the registry.
    var manifestDigest: String
    /// Media type the manifest was pushed with (the `Content-Type`).
    var mediaType: String
    /// The manifest bytes exactly as pushed.
    var manifest: [UInt8]
    /// The config blob.
    var config: Blob
    /// The layer blobs, in manifest order (foreign layers are not listed here).
    var layers: [Blob]

    /// A descriptor of this manifest, for use as an index child or a `subject`. Does not throw.
    func descriptor(platform: FixturePlatform? = nil) -> FixtureDescriptor {
        FixtureDescriptor(
            mediaType: mediaType, digest: manifestDigest, size: manifest.count, platform: platform)
    }

    /// Every blob digest this image's manifest references (config first, then layers). Does not throw.
    var blobDigests: [String] { [config.digest] + layers.map(\.digest) }
}

/// One child of a multi-arch image, before it is pushed.
struct ChildImage: Sendable {
    /// Layer blobs of the child.
    var layers: [Blob]
    /// Config blob of the child.
    var config: Blob
    /// Platform written into the index entry; nil picks linux/<n-th common architecture>.
    var platform: FixturePlatform?

    /// Creates a child spec. Does not throw.
    init(layers: [Blob], config: Blob, platform: FixturePlatform? = nil) {
        self.layers = layers
        self.config = config
        self.platform = platform
    }
}

/// A multi-arch image (OCI index or Docker manifest list) pushed with its children.
struct PushedMultiArch: Sendable {
    /// Repository name.
    var repository: String
    /// Tag of the index.
    var tag: String
    /// `"sha256:<hex>"` of the index / list manifest.
    var index: String
    /// Media type of the index / list.
    var mediaType: String
    /// The index / list bytes exactly as pushed.
    var manifest: [UInt8]
    /// The children, each pushed by digest only, in index order.
    var children: [PushedImage]
}

/// Deterministic builders for blobs and manifests.
enum ImageFactory {
    /// Architectures assigned to multi-arch children that carry no platform of their own.
    static let defaultArchitectures = ["amd64", "arm64", "arm", "ppc64le", "s390x", "386", "riscv64", "mips64le"]

    /// `"sha256:<hex>"` of `bytes`. Does not throw.
    static func digest(of bytes: [UInt8]) -> String {
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0F)])
        }
        return "sha256:" + String(decoding: hex, as: UTF8.self)
    }

    /// `size` pseudo-random bytes from SplitMix64 seeded with `seed`; same seed, same bytes. Does not throw.
    static func randomBlob(size: Int, seed: UInt64) -> Blob {
        precondition(size >= 0, "blob size must not be negative")
        var state = seed
        var bytes = [UInt8]()
        bytes.reserveCapacity(size)
        while bytes.count < size {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < size {
                bytes.append(UInt8(truncatingIfNeeded: z >> UInt64(shift)))
            }
        }
        return Blob(bytes: bytes)
    }

    /// A small, valid image config JSON for `os`/`architecture`, made unique by `seed`. Does not throw.
    static func imageConfig(architecture: String = "amd64", os: String = "linux", seed: UInt64) -> Blob {
        let json = """
            {"architecture":"\(architecture)","config":{"Labels":{"regsweep.seed":"\(seed)"}},\
            "os":"\(os)","rootfs":{"diff_ids":[],"type":"layers"}}
            """
        return Blob(bytes: Array(json.utf8))
    }

    /// A Docker schema 2 image manifest (with `mediaType`) for `config` and `layers`, then any
    /// `foreignLayers` (descriptors with `urls`, not pushed). Does not throw.
    static func schema2Manifest(config: Blob, layers: [Blob], foreignLayers: [FixtureDescriptor] = []) -> [UInt8] {
        encode(
            ImageManifestJSON(
                mediaType: FixtureMediaType.dockerManifest,
                artifactType: nil,
                config: FixtureDescriptor(config, mediaType: FixtureMediaType.dockerConfig),
                layers: layers.map { FixtureDescriptor($0, mediaType: FixtureMediaType.dockerLayer) } + foreignLayers,
                subject: nil))
    }

    /// An OCI image manifest; `subject` makes it a referrer, `includeMediaType: false` omits the
    /// optional `mediaType` field (kind then told by fields). Does not throw.
    static func ociManifest(
        config: Blob, layers: [Blob], subject: FixtureDescriptor? = nil, artifactType: String? = nil,
        includeMediaType: Bool = true, configMediaType: String = FixtureMediaType.ociConfig,
        foreignLayers: [FixtureDescriptor] = []
    ) -> [UInt8] {
        encode(
            ImageManifestJSON(
                mediaType: includeMediaType ? FixtureMediaType.ociManifest : nil,
                artifactType: artifactType,
                config: FixtureDescriptor(config, mediaType: configMediaType),
                layers: layers.map { FixtureDescriptor($0, mediaType: FixtureMediaType.ociLayer) } + foreignLayers,
                subject: subject))
    }

    /// An OCI index (`docker: false`) or Docker manifest list (`docker: true`) of `children`;
    /// `subject` is written only for OCI. Does not throw.
    static func index(
        children: [FixtureDescriptor], docker: Bool, subject: FixtureDescriptor? = nil,
        includeMediaType: Bool = true
    ) -> [UInt8] {
        let mediaType = docker ? FixtureMediaType.dockerManifestList : FixtureMediaType.ociIndex
        return encode(
            IndexJSON(
                mediaType: includeMediaType || docker ? mediaType : nil,
                manifests: children,
                subject: docker ? nil : subject))
    }

    /// Raw OCI 1.1-rc artifact manifest (`blobs[]`, optional `subject`). Registry 2.8.2 answers
    /// 400 MANIFEST_INVALID to a push of it, so use it only to write storage by hand. Does not throw.
    static func artifactManifest(
        blobs: [Blob], subject: FixtureDescriptor? = nil,
        artifactType: String = "application/vnd.example.signature",
        blobMediaType: String = "application/octet-stream"
    ) -> [UInt8] {
        encode(
            ArtifactJSON(
                artifactType: artifactType,
                blobs: blobs.map { FixtureDescriptor($0, mediaType: blobMediaType) },
                subject: subject))
    }

    /// Encodes `value` as compact JSON with sorted keys and unescaped slashes. Does not throw
    /// (encoding these plain structs cannot fail; a failure traps).
    private static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            preconditionFailure("encoding a fixture manifest failed: \(error)")
        }
    }
}

/// JSON shape of a Docker schema 2 / OCI image manifest.
private struct ImageManifestJSON: Encodable {
    var schemaVersion = 2
    var mediaType: String?
    var artifactType: String?
    var config: FixtureDescriptor
    var layers: [FixtureDescriptor]
    var subject: FixtureDescriptor?
}

/// JSON shape of an OCI index / Docker manifest list.
private struct IndexJSON: Encodable {
    var schemaVersion = 2
    var mediaType: String?
    var manifests: [FixtureDescriptor]
    var subject: FixtureDescriptor?
}

/// JSON shape of an OCI 1.1-rc artifact manifest (no schemaVersion).
private struct ArtifactJSON: Encodable {
    var mediaType = FixtureMediaType.ociArtifact
    var artifactType: String
    var blobs: [FixtureDescriptor]
    var subject: FixtureDescriptor?
}

extension RegistryServer {
    /// Pushes `config` and `layers` (skipping blobs the repository already has) and then a schema2
    /// (or, with `oci`, OCI) manifest under `tag`, or by digest when `tag` is nil. `subject`,
    /// `artifactType` and `includeMediaType: false` need `oci`.
    /// Throws `mismatch` for OCI-only options without `oci`, else what `pushBlob`/`pushManifest` throw.
    @discardableResult
    func pushImage(
        _ repository: String, tag: String?, layers: [Blob], config: Blob, oci: Bool = false,
        subject: FixtureDescriptor? = nil, artifactType: String? = nil, includeMediaType: Bool = true,
        foreignLayers: [FixtureDescriptor] = []
    ) async throws -> PushedImage {
        if !oci && (subject != nil || artifactType != nil || !includeMediaType) {
            throw RegistryFixtureError.mismatch("subject / artifactType / includeMediaType: false need oci: true")
        }
        var seen: Set<String> = []
        for blob in [config] + layers where seen.insert(blob.digest).inserted {
            if try await !blobExists(repository, digest: blob.digest) {
                try await pushBlob(repository, blob.bytes)
            }
        }
        let manifest =
            oci
            ? ImageFactory.ociManifest(
                config: config, layers: layers, subject: subject, artifactType: artifactType,
                includeMediaType: includeMediaType, foreignLayers: foreignLayers)
            : ImageFactory.schema2Manifest(config: config, layers: layers, foreignLayers: foreignLayers)
        let mediaType = oci ? FixtureMediaType.ociManifest : FixtureMediaType.dockerManifest
        let digest = try await pushManifest(
            repository, reference: tag ?? ImageFactory.digest(of: manifest), mediaType: mediaType, body: manifest)
        return PushedImage(
            repository: repository, tag: tag, manifestDigest: digest, mediaType: mediaType,
            manifest: manifest, config: config, layers: layers)
    }

    /// Pushes each child image by digest only (schema2 when `docker`, else OCI), then a Docker
    /// manifest list (`docker`) or OCI index referencing them under `tag`.
    /// Throws what `pushImage`/`pushManifest` throw.
    @discardableResult
    func pushMultiArch(
        _ repository: String, tag: String, children: [ChildImage], docker: Bool
    ) async throws -> PushedMultiArch {
        var pushed: [PushedImage] = []
        var entries: [FixtureDescriptor] = []
        for (position, child) in children.enumerated() {
            let image = try await pushImage(
                repository, tag: nil, layers: child.layers, config: child.config, oci: !docker)
            let architectures = ImageFactory.defaultArchitectures
            let platform =
                child.platform
                ?? FixturePlatform(architecture: architectures[position % architectures.count])
            pushed.append(image)
            entries.append(image.descriptor(platform: platform))
        }
        let manifest = ImageFactory.index(children: entries, docker: docker)
        let mediaType = docker ? FixtureMediaType.dockerManifestList : FixtureMediaType.ociIndex
        let digest = try await pushManifest(repository, reference: tag, mediaType: mediaType, body: manifest)
        return PushedMultiArch(
            repository: repository, tag: tag, index: digest, mediaType: mediaType, manifest: manifest,
            children: pushed)
    }

    /// Pulls `repository:reference` and checks manifest bytes, Content-Type and digest, then
    /// config and every layer byte for byte against `expected`.
    /// Throws `unexpectedStatus` for a failed GET, `mismatch` naming the first differing object.
    func pullAndCheck(_ repository: String, reference: String, expected: PushedImage) async throws {
        try await checkManifest(
            repository, reference: reference, bytes: expected.manifest, mediaType: expected.mediaType,
            digest: expected.manifestDigest)
        try await checkBlob(repository, expected.config, role: "config of \(repository)@\(expected.manifestDigest)")
        for (position, layer) in expected.layers.enumerated() {
            try await checkBlob(
                repository, layer, role: "layer \(position) of \(repository)@\(expected.manifestDigest)")
        }
    }

    /// Pulls an index / list by `reference`, checks its bytes, then every child as in the
    /// single-image overload. Throws `unexpectedStatus` or `mismatch`.
    func pullAndCheck(_ repository: String, reference: String, expected: PushedMultiArch) async throws {
        try await checkManifest(
            repository, reference: reference, bytes: expected.manifest, mediaType: expected.mediaType,
            digest: expected.index)
        for child in expected.children {
            try await pullAndCheck(repository, reference: child.manifestDigest, expected: child)
        }
    }

    /// Pulls `reference` without an expectation: fetches the manifest, then (recursively for an
    /// index / list) every manifest and blob it references (not `subject`, not foreign layers
    /// with `urls`) and checks each body hashes to its digest and has the declared size.
    /// Returns how many objects were checked. Throws `unexpectedStatus` or `mismatch`.
    @discardableResult
    func pullAndCheck(_ repository: String, reference: String) async throws -> Int {
        let (status, body, mediaType) = try await getManifest(repository, reference: reference)
        guard status == 200 else {
            throw RegistryFixtureError.unexpectedStatus(
                request: "GET /v2/\(repository)/manifests/\(reference)", expected: 200, got: status,
                body: String(decoding: body, as: UTF8.self))
        }
        if reference.hasPrefix("sha256:"), ImageFactory.digest(of: body) != reference {
            throw RegistryFixtureError.mismatch(
                "manifest \(repository)@\(reference) hashes to \(ImageFactory.digest(of: body))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw RegistryFixtureError.mismatch("manifest \(repository)@\(reference) (\(mediaType ?? "?")) is not JSON")
        }
        var checked = 1
        if let manifests = object["manifests"] as? [[String: Any]] {
            for entry in manifests {
                guard let digest = entry["digest"] as? String else {
                    throw RegistryFixtureError.mismatch("index \(repository)@\(reference) has an entry without digest")
                }
                checked += try await pullAndCheck(repository, reference: digest)
            }
            return checked
        }
        var descriptors: [[String: Any]] = []
        if let config = object["config"] as? [String: Any] { descriptors.append(config) }
        descriptors += object["layers"] as? [[String: Any]] ?? []
        descriptors += object["blobs"] as? [[String: Any]] ?? []
        for layer in object["fsLayers"] as? [[String: Any]] ?? [] {
            if let sum = layer["blobSum"] { descriptors.append(["digest": sum]) }
        }
        for descriptor in descriptors {
            if let urls = descriptor["urls"] as? [String], !urls.isEmpty { continue }
            guard let digest = descriptor["digest"] as? String else {
                throw RegistryFixtureError.mismatch(
                    "manifest \(repository)@\(reference) has a descriptor without digest")
            }
            let blob = try await getBlob(repository, digest: digest)
            guard blob.status == 200 else {
                throw RegistryFixtureError.unexpectedStatus(
                    request: "GET /v2/\(repository)/blobs/\(digest) (referenced by \(reference))",
                    expected: 200, got: blob.status, body: String(decoding: blob.body.prefix(500), as: UTF8.self))
            }
            let actual = ImageFactory.digest(of: blob.body)
            if actual != digest {
                throw RegistryFixtureError.mismatch("blob \(repository)@\(digest) hashes to \(actual)")
            }
            if let size = descriptor["size"] as? Int, size != blob.body.count {
                throw RegistryFixtureError.mismatch(
                    "blob \(repository)@\(digest) has \(blob.body.count) bytes, manifest says \(size)")
            }
            checked += 1
        }
        return checked
    }

    /// GETs a manifest and compares bytes, Content-Type and digest. Throws `unexpectedStatus`, `mismatch`.
    private func checkManifest(
        _ repository: String, reference: String, bytes: [UInt8], mediaType: String, digest: String
    ) async throws {
        let pulled = try await getManifest(repository, reference: reference)
        let request = "GET /v2/\(repository)/manifests/\(reference)"
        guard pulled.status == 200 else {
            throw RegistryFixtureError.unexpectedStatus(
                request: request, expected: 200, got: pulled.status, body: String(decoding: pulled.body, as: UTF8.self))
        }
        if pulled.body != bytes {
            throw RegistryFixtureError.mismatch(
                "\(request): got \(pulled.body.count) bytes \(ImageFactory.digest(of: pulled.body)), "
                    + "pushed \(bytes.count) bytes \(digest)")
        }
        if pulled.mediaType != mediaType {
            throw RegistryFixtureError.mismatch(
                "\(request): Content-Type \(pulled.mediaType ?? "none"), pushed as \(mediaType)")
        }
    }

    /// GETs a blob and compares it byte for byte with `expected`. Throws `unexpectedStatus`, `mismatch`.
    private func checkBlob(_ repository: String, _ expected: Blob, role: String) async throws {
        let pulled = try await getBlob(repository, digest: expected.digest)
        guard pulled.status == 200 else {
            throw RegistryFixtureError.unexpectedStatus(
                request: "GET /v2/\(repository)/blobs/\(expected.digest) (\(role))", expected: 200,
                got: pulled.status, body: String(decoding: pulled.body.prefix(500), as: UTF8.self))
        }
        if pulled.body != expected.bytes {
            let firstDifference =
                zip(pulled.body, expected.bytes).enumerated()
                .first { $0.element.0 != $0.element.1 }?.offset ?? min(pulled.body.count, expected.size)
            throw RegistryFixtureError.mismatch(
                "\(role) \(expected.digest): got \(pulled.body.count) bytes \(ImageFactory.digest(of: pulled.body)), "
                    + "pushed \(expected.size); first differing offset \(firstDifference)")
        }
    }
}
