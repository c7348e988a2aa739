import Foundation
import RegistrySweep
import Testing

/// A store written by the real registry, then stopped so the test may damage it on disk.
///
/// Content: `app/web:v1` and `app/web:v2` (schema2, sharing their first layer),
/// `lib/base:latest` (schema2), `multi/arch:latest` (OCI index over two OCI images).
struct VerifyStore {
    let registry: RegistryServer
    let web1: PushedImage
    let web2: PushedImage
    let base: PushedImage
    let multi: PushedMultiArch
    let backend: FileSystemBackend

    /// The storage root directory.
    var root: String { registry.rootDirectory.path }

    /// Every blob digest the pushes stored.
    var allDigests: Set<String> {
        var digests: Set<String> = []
        for image in [web1, web2, base] + multi.children {
            digests.formUnion(image.blobDigests)
            digests.insert(image.manifestDigest)
        }
        digests.insert(multi.index)
        return digests
    }

    static func make() async throws -> VerifyStore {
        let registry = try await RegistryServer.start()
        let shared = ImageFactory.randomBlob(size: 300_000, seed: 1)
        let web1 = try await registry.pushImage(
            "app/web", tag: "v1", layers: [shared, ImageFactory.randomBlob(size: 5000, seed: 2)],
            config: ImageFactory.imageConfig(seed: 1))
        let web2 = try await registry.pushImage(
            "app/web", tag: "v2", layers: [shared, ImageFactory.randomBlob(size: 70_000, seed: 3)],
            config: ImageFactory.imageConfig(seed: 2))
        let base = try await registry.pushImage(
            "lib/base", tag: "latest", layers: [ImageFactory.randomBlob(size: 2_500_000, seed: 4)],
            config: ImageFactory.imageConfig(seed: 3))
        let multi = try await registry.pushMultiArch(
            "multi/arch", tag: "latest",
            children: [
                ChildImage(
                    layers: [ImageFactory.randomBlob(size: 9000, seed: 5)], config: ImageFactory.imageConfig(seed: 4)),
                ChildImage(
                    layers: [ImageFactory.randomBlob(size: 9001, seed: 6)],
                    config: ImageFactory.imageConfig(architecture: "arm64", seed: 5)),
            ], docker: false)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        return VerifyStore(registry: registry, web1: web1, web2: web2, base: base, multi: multi, backend: backend)
    }

    /// The store-relative `data` path of a blob.
    func data(_ digest: String) -> String { StorePath.blobData(Digest(digest)!) }

    /// The absolute path of a store-relative path.
    func absolute(_ path: String) -> String { backend.absolute(path) }

    /// Flips one byte in place (size unchanged).
    func flipByte(_ digest: String, at offset: UInt64) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: absolute(data(digest))))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: [byte ^ 0x01])
    }

    /// Runs the verifier with `options`.
    func verify(_ options: VerifyOptions = VerifyOptions()) async throws(SweepError) -> VerifyReport {
        try await StoreVerifier(backend: backend, options: options).verify()
    }

    /// A fresh path in the registry's private temp directory (same filesystem as the store).
    func scratch(_ name: String) -> String {
        registry.workDirectory.appendingPathComponent(name).path
    }
}

@Suite(.enabled(if: RegistryServer.shouldRun)) struct VerifyTests {
    @Test func undamagedStoreVerifiesClean() async throws {
        let store = try await VerifyStore.make()
        let report = try await store.verify()
        #expect(report.problems == [])
        #expect(report.isClean)
        #expect(report.blobs == store.allDigests.count)
        #expect(report.verified == report.blobs)
        #expect(report.hashedSHA256 == report.blobs)
        #expect(report.corrupt == 0 && report.missing == 0 && report.brokenTags.isEmpty)
        let sizes = try store.allDigests.map { try store.backend.statSync(store.data($0)).size }
        #expect(report.bytesHashed == sizes.reduce(0, +))
    }

    @Test func flippedByteInSharedLayerBreaksBothTags() async throws {
        let store = try await VerifyStore.make()
        let layer = store.web1.layers[0].digest
        try store.flipByte(layer, at: 123_456)
        let report = try await store.verify()
        let problem = try #require(report.problems(.digestMismatch).first)
        #expect(report.problems.count == 1)
        #expect(problem.digest?.description == layer)
        #expect(problem.path == store.absolute(store.data(layer)))
        #expect(problem.brokenTags == ["app/web:v1", "app/web:v2"])
        #expect(report.brokenTags == ["app/web:v1", "app/web:v2"])
        #expect(report.corrupt == 1 && report.verified == report.blobs - 1)
    }

    @Test func truncatedChildManifestBreaksTheIndexTag() async throws {
        let store = try await VerifyStore.make()
        let child = store.multi.children[1].manifestDigest
        try Data(store.multi.children[1].manifest.prefix(40)).write(
            to: URL(fileURLWithPath: store.absolute(store.data(child))))
        let report = try await store.verify()
        let mismatch = try #require(report.problems(.digestMismatch).first)
        #expect(mismatch.digest?.description == child)
        #expect(mismatch.message.contains("(40 bytes)"))
        #expect(mismatch.brokenTags == ["multi/arch:latest"])
        let unparsable = try #require(report.problems(.invalidManifest).first)
        #expect(unparsable.digest?.description == child && unparsable.brokenTags == ["multi/arch:latest"])
        #expect(report.brokenTags == ["multi/arch:latest"])
    }

    @Test func deletedDataFileIsMissingAndBreaksItsTag() async throws {
        let store = try await VerifyStore.make()
        let config = store.base.config.digest
        try FileManager.default.removeItem(atPath: store.absolute(store.data(config)))
        let report = try await store.verify()
        let missing = report.problems(.missingBlob)
        #expect(missing.count == 1)
        #expect(missing.first?.digest?.description == config)
        #expect(missing.first?.message.contains("no data file") == true)
        #expect(missing.first?.brokenTags == ["lib/base:latest"])
        #expect(report.missing == 1 && report.brokenTags == ["lib/base:latest"])
        #expect(report.blobs == store.allDigests.count)
    }

    @Test func wrongTypeNodesBreakTheirTags() async throws {
        let store = try await VerifyStore.make()
        // A directory where lib/base's config data belongs, a FIFO where app/web:v2's revision link belongs.
        let config = store.absolute(store.data(store.base.config.digest))
        try FileManager.default.removeItem(atPath: config)
        try FileManager.default.createDirectory(atPath: config, withIntermediateDirectories: false)
        let digest = try #require(Digest(store.web2.manifestDigest))
        let revision = store.absolute(StorePath.revision("app/web", digest) + "/link")
        try FileManager.default.removeItem(atPath: revision)
        #expect(mkfifo(revision, 0o644) == 0)
        let report = try await store.verify()
        let wrong = report.problems(.wrongType)
        #expect(wrong.count == 2, "\(report.problems)")
        #expect(Set(report.brokenTags) == ["lib/base:latest", "app/web:v2"])
    }

    @Test func tagLinkToAbsentManifestBreaksThatTagOnly() async throws {
        let store = try await VerifyStore.make()
        let absent = ImageFactory.digest(of: Array("never pushed".utf8))
        let link = store.absolute(StorePath.tag("app/web", "v2") + "/current/link")
        try Data(absent.utf8).write(to: URL(fileURLWithPath: link))
        let report = try await store.verify()
        let missing = try #require(report.problems(.missingBlob).first { $0.digest?.description == absent })
        #expect(missing.brokenTags == ["app/web:v2"])
        #expect(report.brokenTags == ["app/web:v2"])
        #expect(report.corrupt == 0)
    }

    @Test func deletedLayerDirectoryLeavesADanglingLinkAndBreaksItsTags() async throws {
        let store = try await VerifyStore.make()
        let layer = store.multi.children[0].layers[0].digest
        try FileManager.default.removeItem(atPath: store.absolute(StorePath.blobDirectory(Digest(layer)!)))
        let report = try await store.verify()
        let missing = try #require(report.problems(.missingBlob).first { $0.digest?.description == layer })
        #expect(missing.brokenTags == ["multi/arch:latest"])
        #expect(report.blobs == store.allDigests.count - 1)
        // The repository's layer link now names an absent blob: listed as a warning too.
        #expect(report.warnings.map(\.digest?.description) == [layer])
        #expect(report.warnings.first?.path == StorePath.layerLink("multi/arch", Digest(layer)!) + "/link")
    }

    @Test func layerLinkNamingAnotherDigestBreaksTheTagsThatNeedIt() async throws {
        let store = try await VerifyStore.make()
        let layer = try #require(Digest(store.base.layers[0].digest))
        let link = store.absolute(StorePath.layerLink("lib/base", layer) + "/link")
        try Data(store.base.config.digest.utf8).write(to: URL(fileURLWithPath: link))
        let report = try await store.verify()
        let problem = try #require(report.problems(.linkMismatch).first)
        #expect(problem.path == link)
        #expect(problem.brokenTags == ["lib/base:latest"])
        #expect(report.brokenTags == ["lib/base:latest"])
    }

    @Test func emptyRevisionLinkBreaksTheTag() async throws {
        let store = try await VerifyStore.make()
        let manifest = try #require(Digest(store.web1.manifestDigest))
        let link = store.absolute(StorePath.revision("app/web", manifest) + "/link")
        try Data().write(to: URL(fileURLWithPath: link))
        let report = try await store.verify()
        let problem = try #require(report.problems(.emptyLink).first)
        #expect(problem.brokenTags == ["app/web:v1"])
        #expect(report.brokenTags == ["app/web:v1"])
    }

    @Test func missingLayerLinkIsReportedWithItsTag() async throws {
        let store = try await VerifyStore.make()
        let layer = try #require(Digest(store.web2.layers[1].digest))
        try FileManager.default.removeItem(atPath: store.absolute(StorePath.layerLink("app/web", layer)))
        let report = try await store.verify()
        let problem = try #require(report.problems(.notFound).first)
        #expect(problem.digest == layer)
        #expect(problem.brokenTags == ["app/web:v2"])
        #expect(report.brokenTags == ["app/web:v2"])
    }

    @Test func quarantineMovesCorruptBlobsAndKeepsTheirBytes() async throws {
        let store = try await VerifyStore.make()
        let layer = store.web2.layers[1].digest
        try store.flipByte(layer, at: 0)
        let damaged = try Data(contentsOf: URL(fileURLWithPath: store.absolute(store.data(layer))))
        let quarantine = store.scratch("quarantine")
        try FileManager.default.createDirectory(atPath: quarantine, withIntermediateDirectories: false)
        let report = try await store.verify(VerifyOptions(mode: .full, quarantine: quarantine))
        let hex = String(layer.dropFirst(7))
        #expect(report.quarantined == [quarantine + "/" + hex])
        #expect(try Data(contentsOf: URL(fileURLWithPath: quarantine + "/" + hex + "/data")) == damaged)
        #expect(!FileManager.default.fileExists(atPath: store.absolute(StorePath.blobDirectory(Digest(layer)!))))
        // The next run sees the blob as missing, still charged to the tag.
        let after = try await store.verify()
        #expect(after.problems(.missingBlob).first?.brokenTags == ["app/web:v2"])
        #expect(after.corrupt == 0)
    }

    @Test func quarantineElsewhereIsRefusedBeforeAnythingMoves() async throws {
        let store = try await VerifyStore.make()
        try store.flipByte(store.web1.config.digest, at: 3)
        let inside = store.absolute("docker/registry/v2/quarantine")
        try FileManager.default.createDirectory(atPath: inside, withIntermediateDirectories: false)
        let elsewhere = "/dev/shm/regsweep-quarantine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: elsewhere) }
        var directories = [inside, store.scratch("does-not-exist")]
        if try FileSystemBackend(root: elsewhere).statSync("").device != store.backend.statSync("").device {
            directories.append(elsewhere)
        }
        for directory in directories {
            let error = await #expect(throws: SweepError.self) {
                try await store.verify(VerifyOptions(mode: .full, quarantine: directory))
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.path == directory)
        }
        #expect(FileManager.default.fileExists(atPath: store.absolute(store.data(store.web1.config.digest))))
    }
}

@Suite(.enabled(if: RegistryServer.shouldRun)) struct VerifyScenarioTests {
    /// Overwritten tags, a referrer, a manifest deleted through the API, uploads, multi-arch
    /// indexes of both kinds, OCI without mediaType: nothing here is damage.
    @Test func richStoreFromTheRegistryVerifiesClean() async throws {
        let registry = try await RegistryServer.start()
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let report = try await StoreVerifier(backend: backend).verify()
        #expect(report.problems == [])
        #expect(report.brokenTags == [])
        #expect(report.verified == report.blobs)
        #expect(report.blobs > scenario.childAndReferrerBlobs.count)
    }
}
