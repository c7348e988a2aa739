import Crypto
import Foundation
import RegistrySweep

/// The registry digest (swift-crypto also exports a `Digest` protocol; this module means ours).
typealias Digest = RegistrySweep.Digest

/// A small registry store written by hand in a temporary directory, in the registry's on-disk
/// layout (docs/registry-storage.md), for tests that need no registry binary.
///
/// Paths are spelled out here on purpose, not taken from `StorePath`: a fixture built with the
/// library's own path helpers would agree with a bug in them. Blobs are stored under the SHA-256
/// of their content (swift-crypto), link files hold `sha256:<hex>` without a newline. The
/// directory is removed when the store is released.
final class FixtureStore {
    /// An image pushed by hand: a schema 2 manifest, its config and its layers.
    struct Image {
        var manifest: Digest
        var config: Digest
        var layers: [Digest]
        var manifestBytes: [UInt8]
        /// The manifest, config and layers.
        var all: [Digest] { [manifest, config] + layers }
    }

    /// The store root (the registry's `rootdirectory`, holding `docker/registry/v2`).
    let root: URL
    /// A directory beside the store, outside its root, for symlink targets.
    let outside: URL
    /// `docker/registry/v2`, relative to `root`.
    static let v2 = "docker/registry/v2"

    private let base: URL
    private let fileManager = FileManager.default

    /// Creates an empty store (`docker/registry/v2/blobs/sha256` and `repositories` exist).
    init() throws {
        base = fileManager.temporaryDirectory.appendingPathComponent("regsweep-fixture-\(UUID().uuidString)")
        root = base.appendingPathComponent("store")
        outside = base.appendingPathComponent("outside")
        try fileManager.createDirectory(
            at: root.appendingPathComponent("\(Self.v2)/blobs/sha256"), withIntermediateDirectories: true)
        try fileManager.createDirectory(
            at: root.appendingPathComponent("\(Self.v2)/repositories"), withIntermediateDirectories: true)
        try fileManager.createDirectory(at: outside, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: base) }

    /// A backend on the store root.
    func backend() throws -> FileSystemBackend { try FileSystemBackend(root: root.path) }

    // MARK: Paths (hand-written layout)

    /// `blobs/sha256/<xx>/<hex>/data`, relative to the root.
    static func blobData(_ digest: Digest) -> String {
        "\(v2)/blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)/data"
    }

    /// A repository's directory, relative to the root.
    static func repository(_ name: String) -> String { "\(v2)/repositories/\(name)" }

    /// A revision's link file.
    static func revisionLink(_ repository: String, _ digest: Digest) -> String {
        "\(Self.repository(repository))/_manifests/revisions/sha256/\(digest.hex)/link"
    }

    /// A layer link file.
    static func layerLink(_ repository: String, _ digest: Digest) -> String {
        "\(Self.repository(repository))/_layers/sha256/\(digest.hex)/link"
    }

    /// A tag's `current/link`.
    static func tagCurrent(_ repository: String, _ tag: String) -> String {
        "\(Self.repository(repository))/_manifests/tags/\(tag)/current/link"
    }

    /// A tag's history entry link.
    static func tagIndex(_ repository: String, _ tag: String, _ digest: Digest) -> String {
        "\(Self.repository(repository))/_manifests/tags/\(tag)/index/sha256/\(digest.hex)/link"
    }

    // MARK: Writing

    /// The SHA-256 digest of `bytes`, computed with swift-crypto.
    static func digest(of bytes: [UInt8]) -> Digest { Digest(bytes: SHA256.hash(data: bytes)) }

    /// Stores a blob under the digest of its content.
    @discardableResult
    func blob(_ bytes: [UInt8]) throws -> Digest {
        let digest = Self.digest(of: bytes)
        try write(Self.blobData(digest), bytes)
        return digest
    }

    /// Stores a text blob.
    @discardableResult
    func blob(_ text: String) throws -> Digest { try blob(Array(text.utf8)) }

    /// Writes `bytes` as the data of `digest`, whatever they hash to (for corrupt blobs).
    func writeBlob(_ bytes: [UInt8], as digest: Digest) throws { try write(Self.blobData(digest), bytes) }

    /// Writes a file relative to the root, creating its parents.
    func write(_ path: String, _ bytes: [UInt8]) throws {
        try Self.writeFile(root.appendingPathComponent(path).path, bytes)
    }

    /// Creates `path`'s parent directories and writes the file with plain system calls
    /// (Foundation's writers are slow enough to dominate these tests).
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        var parent = ""
        for component in path.split(separator: "/").dropLast() {
            parent += "/" + component
            if mkdir(parent, 0o755) != 0 && errno != EEXIST {
                throw CocoaError(.fileWriteUnknown, userInfo: ["path": parent])
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: ["path": path]) }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: ["path": path]) }
    }

    /// Writes a text file relative to the root.
    func write(_ path: String, _ text: String) throws { try write(path, Array(text.utf8)) }

    /// Writes a link file: `sha256:<hex>`, no newline.
    func link(_ path: String, to digest: Digest) throws { try write(path, "sha256:\(digest.hex)") }

    /// Creates a directory (and parents) relative to the root.
    func makeDirectory(_ path: String) throws {
        try fileManager.createDirectory(at: root.appendingPathComponent(path), withIntermediateDirectories: true)
    }

    /// Creates a symbolic link at `path` (relative to the root) pointing to an absolute `target`.
    func symlink(_ path: String, to target: URL) throws {
        let url = root.appendingPathComponent(path)
        try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fileManager.createSymbolicLink(atPath: url.path, withDestinationPath: target.path)
    }

    /// Writes a file under ``outside`` (creating parents); returns its URL.
    @discardableResult
    func writeOutside(_ path: String, _ text: String) throws -> URL {
        let url = outside.appendingPathComponent(path)
        try Self.writeFile(url.path, Array(text.utf8))
        return url
    }

    /// Removes a file or directory relative to the root.
    func remove(_ path: String) throws { try fileManager.removeItem(at: root.appendingPathComponent(path)) }

    /// Adds a manifest revision link.
    func revision(_ repository: String, _ digest: Digest) throws {
        try link(Self.revisionLink(repository, digest), to: digest)
    }

    /// Adds a layer link.
    func layerLink(_ repository: String, _ digest: Digest) throws {
        try link(Self.layerLink(repository, digest), to: digest)
    }

    /// Points a tag at a manifest: `current/link` and the history entry, as the registry does.
    func tag(_ repository: String, _ tag: String, _ digest: Digest) throws {
        try link(Self.tagCurrent(repository, tag), to: digest)
        try link(Self.tagIndex(repository, tag, digest), to: digest)
    }

    /// Pushes a schema 2 image by hand: blobs, layer links (config included), the revision
    /// link and, if `tag` is given, the tag.
    ///
    /// - Parameter seed: makes the content (and so the digests) unique.
    @discardableResult
    func image(_ repository: String, tag: String?, layers: Int = 2, seed: String) throws -> Image {
        let config = try blob("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"\(seed)\"}")
        var layerDigests: [Digest] = []
        for index in 0..<layers { layerDigests.append(try blob("layer \(index) of \(seed)")) }
        let bytes = Array(Self.schema2(config: config, layers: layerDigests).utf8)
        let manifest = try blob(bytes)
        for digest in [config] + layerDigests { try layerLink(repository, digest) }
        try revision(repository, manifest)
        if let tag { try self.tag(repository, tag, manifest) }
        return Image(manifest: manifest, config: config, layers: layerDigests, manifestBytes: bytes)
    }

    // MARK: Reading back

    /// True if the blob's `data` file exists.
    func hasBlob(_ digest: Digest) -> Bool { exists(Self.blobData(digest)) }

    /// True if a path relative to the root exists (a dangling symlink counts as existing).
    func exists(_ path: String) -> Bool {
        let url = root.appendingPathComponent(path)
        return (try? fileManager.attributesOfItem(atPath: url.path)) != nil
    }

    // MARK: Manifest text

    /// A descriptor object.
    static func descriptor(_ mediaType: String, _ digest: Digest, size: Int = 1234, extra: String = "") -> String {
        "{\"mediaType\":\"\(mediaType)\",\"size\":\(size),\"digest\":\"\(digest)\"\(extra)}"
    }

    /// A Docker schema 2 manifest.
    static func schema2(config: Digest, layers: [Digest]) -> String {
        let layerList = layers.map { descriptor("application/vnd.docker.image.rootfs.diff.tar.gzip", $0) }
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
            + "\"config\":\(descriptor("application/vnd.docker.container.image.v1+json", config)),"
            + "\"layers\":[\(layerList.joined(separator: ","))]}"
    }

    /// An OCI image manifest, optionally with a subject.
    static func ociImage(config: Digest, layers: [Digest], subject: Digest? = nil) -> String {
        let layerList = layers.map { descriptor("application/vnd.oci.image.layer.v1.tar+gzip", $0) }
        let subjectText =
            subject.map { ",\"subject\":\(descriptor("application/vnd.oci.image.manifest.v1+json", $0))" } ?? ""
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":\(descriptor("application/vnd.oci.image.config.v1+json", config)),"
            + "\"layers\":[\(layerList.joined(separator: ","))]\(subjectText)}"
    }

    /// An OCI image index.
    static func ociIndex(_ children: [Digest]) -> String {
        let list = children.map {
            descriptor(
                "application/vnd.oci.image.manifest.v1+json", $0,
                extra: ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}")
        }
        return "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
            + "\"manifests\":[\(list.joined(separator: ","))]}"
    }

    /// An OCI 1.1-rc artifact manifest with blobs and a subject.
    static func ociArtifact(blobs: [Digest], subject: Digest) -> String {
        let list = blobs.map { descriptor("application/octet-stream", $0) }
        return
            "{\"mediaType\":\"application/vnd.oci.artifact.manifest.v1+json\",\"artifactType\":\"application/example\","
            + "\"blobs\":[\(list.joined(separator: ","))],"
            + "\"subject\":\(descriptor("application/vnd.oci.image.manifest.v1+json", subject))}"
    }
}
