import Foundation
import RegistrySweep

/// A store built through the real registry with every case collection must get right.
///
/// Contents (all pushed over HTTP):
/// - `library/app`: tag `v1` overwritten (old manifest left untagged), tag `stable` naming the
///   same manifest as `v1`, an untagged OCI referrer whose `subject` is `v1`, a tag `old`
///   whose manifest was deleted through the API, an uploaded blob no manifest references,
///   and an abandoned upload;
/// - `team/svc/api`: tag `latest` sharing base layers with `library/app`, plus an untagged
///   manifest pushed by digest only;
/// - `multi/oci`: OCI index tag `1.0` with two children pushed by digest only;
/// - `multi/docker`: Docker manifest list tag `1.0` with two children pushed by digest only;
/// - `oci/plain`: OCI image without `mediaType`, tag `nomt`.
struct RegistryScenario {
    var images: [(repository: String, tag: String, image: PushedImage)] = []
    var indexes: [(repository: String, tag: String, index: PushedMultiArch)] = []
    var referrer: PushedImage
    /// The `v1` manifest before it was overwritten (untagged garbage with -m).
    var oldV1: PushedImage
    /// The untagged standalone manifest in `team/svc/api`.
    var untagged: PushedImage
    /// The manifest deleted through the API.
    var deleted: PushedImage
    /// A blob uploaded but referenced by nothing.
    var orphan: Blob
    /// The abandoned upload's UUID.
    var uploadID: String

    static func build(_ registry: RegistryServer, seed: UInt64 = 1) async throws -> RegistryScenario {
        func blob(_ n: UInt64, _ size: Int = 2048) -> Blob {
            ImageFactory.randomBlob(size: size, seed: seed &* 1000 &+ n)
        }
        let base1 = blob(1, 8192)
        let base2 = blob(2, 4096)
        let oldV1 = try await registry.pushImage(
            "library/app", tag: "v1", layers: [base1, base2, blob(3)],
            config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 4))
        let v1 = try await registry.pushImage(
            "library/app", tag: "v1", layers: [base1, base2, blob(5)],
            config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 6))
        let stable = try await registry.pushImage(
            "library/app", tag: "stable", layers: v1.layers, config: v1.config)
        let referrer = try await registry.pushImage(
            "library/app", tag: nil, layers: [blob(7, 512)], config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 8),
            oci: true,
            subject: v1.descriptor(), artifactType: "application/vnd.example.signature")
        let deleted = try await registry.pushImage(
            "library/app", tag: "old", layers: [blob(9)], config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 10))
        try await registry.deleteManifest("library/app", digest: deleted.manifestDigest)
        let orphan = blob(11)
        _ = try await registry.pushBlob("library/app", orphan.bytes)
        let uploadID = try await registry.startUpload("library/app", chunk: blob(12, 300).bytes)

        let api = try await registry.pushImage(
            "team/svc/api", tag: "latest", layers: [base1, blob(13)],
            config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 14))
        let untagged = try await registry.pushImage(
            "team/svc/api", tag: nil, layers: [blob(15)], config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 16))

        let ociIndex = try await registry.pushMultiArch(
            "multi/oci", tag: "1.0",
            children: [
                ChildImage(
                    layers: [base2, blob(17)],
                    config: ImageFactory.imageConfig(architecture: "amd64", seed: seed &* 1000 &+ 18)),
                ChildImage(
                    layers: [blob(19)],
                    config: ImageFactory.imageConfig(architecture: "arm64", seed: seed &* 1000 &+ 20)),
            ], docker: false)
        let dockerList = try await registry.pushMultiArch(
            "multi/docker", tag: "1.0",
            children: [
                ChildImage(
                    layers: [blob(21)],
                    config: ImageFactory.imageConfig(architecture: "amd64", seed: seed &* 1000 &+ 22)),
                ChildImage(
                    layers: [blob(23)],
                    config: ImageFactory.imageConfig(architecture: "arm64", seed: seed &* 1000 &+ 24)),
            ], docker: true)
        let plain = try await registry.pushImage(
            "oci/plain", tag: "nomt", layers: [blob(25)], config: ImageFactory.imageConfig(seed: seed &* 1000 &+ 26),
            oci: true,
            includeMediaType: false)

        var scenario = RegistryScenario(
            referrer: referrer, oldV1: oldV1, untagged: untagged, deleted: deleted, orphan: orphan, uploadID: uploadID)
        scenario.images = [
            ("library/app", "v1", v1), ("library/app", "stable", stable), ("team/svc/api", "latest", api),
            ("oci/plain", "nomt", plain),
        ]
        scenario.indexes = [("multi/oci", "1.0", ociIndex), ("multi/docker", "1.0", dockerList)]
        return scenario
    }

    /// Pulls every tag, every index child and the referrer back through the registry, byte for byte.
    func pullEverythingKept(_ registry: RegistryServer) async throws {
        for (repository, tag, image) in images {
            try await registry.pullAndCheck(repository, reference: tag, expected: image)
        }
        for (repository, tag, index) in indexes {
            try await registry.pullAndCheck(repository, reference: tag, expected: index)
        }
        try await registry.pullAndCheck("library/app", reference: referrer.manifestDigest, expected: referrer)
    }

    /// Blobs (config, layers, manifest) of the index children and of the referrer.
    var childAndReferrerBlobs: Set<String> {
        var result = Set<String>()
        for (_, _, index) in indexes {
            for child in index.children { result.formUnion(child.blobDigests + [child.manifestDigest]) }
        }
        result.formUnion(referrer.blobDigests + [referrer.manifestDigest])
        return result
    }
}

/// Paths of every file under a directory, relative to it, sorted.
func fileList(_ root: URL) -> [String] {
    let base = root.standardizedFileURL.path
    var files: [String] = []
    if let enumerator = FileManager.default.enumerator(atPath: base) {
        while let next = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: base + "/" + next, isDirectory: &isDirectory),
                !isDirectory.boolValue
            {
                files.append(next)
            }
        }
    }
    return files.filter { !$0.hasSuffix(StoreLock.fileName) }.sorted()
}

/// The built `regsweep` executable next to the test bundle.
func regsweepExecutable() throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("regsweep")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    let fallback = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(
        ".build/debug/regsweep")
    guard FileManager.default.isExecutableFile(atPath: fallback.path) else {
        throw SweepError(.notFound, "regsweep executable not found next to the tests; run swift build first")
    }
    return fallback
}
