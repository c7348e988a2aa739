import Crypto
import Foundation
import RegistryStoreGenerator
import RegistrySweep
import Testing

/// The store generator: real content addresses, the counts it claims, determinism, and
/// (with the real registry) a store that serves every tag byte-exact.
@Suite struct GeneratorTests {
    /// A small store that still has every feature: overwritten tags, multi-arch images
    /// (an OCI index and a Docker list), referrers, shared layers, orphans, uploads.
    static func smallOptions(seed: UInt64 = 42) -> GeneratorOptions {
        var options = GeneratorOptions()
        options.repositories = 6
        options.imagesPerRepository = 12
        options.layersPerImage = 3
        options.sharedLayers = 4
        options.multiArchEvery = 4
        options.referrersEvery = 5
        options.orphansPerRepository = 2
        options.uploadsPerRepository = 1
        options.seed = seed
        options.keepContents = true
        return options
    }

    static func temporaryRoot(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "regsweep-generator-\(label)-\(UUID().uuidString)"
        return path
    }

    /// Every regular file under `root`, relative, sorted.
    static func files(under root: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: root))
        var result: [String] = []
        while let path = enumerator.nextObject() as? String {
            if enumerator.fileAttributes?[.type] as? FileAttributeType == .typeRegular { result.append(path) }
        }
        return result.sorted()
    }

    /// SHA-256 over every path and its content: equal for byte-identical trees.
    static func treeDigest(_ root: String) throws -> String {
        var hasher = SHA256()
        for path in try files(under: root) {
            hasher.update(data: Array(path.utf8) + [0])
            hasher.update(data: try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(path)")))
        }
        return Digest(bytes: hasher.finalize()).description
    }

    @Test func writesRealContentAddressesAndTheCountsItClaims() async throws {
        let root = Self.temporaryRoot("counts")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await StoreGenerator(root: root, options: Self.smallOptions()).generate()
        let counts = store.counts

        // Every blob's data hashes to its directory name, and matches the generator's record.
        let blobRoot = "\(root)/\(StorePath.blobShards)"
        var blobs = 0
        for shard in try FileManager.default.contentsOfDirectory(atPath: blobRoot) {
            for hex in try FileManager.default.contentsOfDirectory(atPath: "\(blobRoot)/\(shard)") {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(blobRoot)/\(shard)/\(hex)/data")))
                let digest = Digest(bytes: SHA256.hash(data: bytes))
                #expect(digest.hex == hex)
                #expect(store.contents[digest] == bytes)
                blobs += 1
            }
        }
        #expect(blobs == counts.blobs)
        #expect(store.contents.count == counts.blobs)

        // Link files hold "sha256:<hex>" and nothing else; the file count is exact.
        let files = try Self.files(under: root)
        #expect(files.count == counts.files)
        for path in files where path.hasSuffix("/link") {
            let text = try String(contentsOfFile: "\(root)/\(path)", encoding: .utf8)
            #expect(text.utf8.count == 71 && text.hasPrefix("sha256:") && !text.hasSuffix("\n"))
        }

        // The shape asked for is there.
        #expect(counts.repositories == 6)
        #expect(counts.manifestsByKind["oci-index", default: 0] > 0)
        #expect(counts.manifestsByKind["docker-list", default: 0] > 0)
        #expect(counts.referrers == 6 * 2)
        #expect(counts.orphans == 12 && counts.uploads == 6)
        #expect(store.repositories.contains { $0.name.hasSuffix("/sub") })
        let first = try #require(store.repositories.first)
        #expect(first.revisions.count > first.tags.count, "overwritten tags leave untagged revisions")
        #expect(first.tagHistory["v0"]?.count == 2, "v0 was pushed twice: its history names both")

        // The scanner sees exactly what the generator says it wrote, and no problem.
        let snapshot = try await StoreScanner(backend: FileSystemBackend(root: root), options: .inventory).scan()
        let inventory = StoreInventory(snapshot)
        #expect(inventory.problems.isEmpty, "\(inventory.problems)")
        #expect(inventory.repositories == counts.repositories)
        #expect(inventory.tags == counts.tags)
        #expect(inventory.revisions == counts.revisions)
        #expect(inventory.blobs == counts.blobs)
        #expect(inventory.bytes == counts.bytes)
        #expect(inventory.uploads == counts.uploads)
        #expect(inventory.manifestsByKind == counts.manifestsByKind)
        #expect(inventory.danglingLayerLinks == 0)
    }

    @Test func sameSeedGivesTheSameStoreByteForByte() async throws {
        let roots = [Self.temporaryRoot("a"), Self.temporaryRoot("b"), Self.temporaryRoot("c")]
        defer { for root in roots { try? FileManager.default.removeItem(atPath: root) } }
        var options = Self.smallOptions()
        options.keepContents = false
        _ = try await StoreGenerator(root: roots[0], options: options).generate()
        options.concurrency = 1
        _ = try await StoreGenerator(root: roots[1], options: options).generate()
        options.seed += 1
        _ = try await StoreGenerator(root: roots[2], options: options).generate()
        let digests = try roots.map(Self.treeDigest)
        #expect(digests[0] == digests[1], "same seed, different concurrency: identical trees")
        #expect(digests[0] != digests[2], "another seed: another store")
    }

    /// The generator's one-call-per-step writes: an entry directory plus `data` or `link`,
    /// relative to an open directory; a repeated entry is rewritten, a missing parent is an
    /// error naming the entry and its digest.
    @Test func directoryEntriesHoldExactlyTheirContent() throws {
        let root = Self.temporaryRoot("entries")
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = try GeneratorDirectory(opening: root)
        defer { directory.close() }
        let bytes: [UInt8] = Array("layer bytes".utf8)
        let digest = Digest(bytes: SHA256.hash(data: bytes))

        try directory.writeEntry(digest, file: .data, contents: bytes)
        try directory.writeEntry(digest, file: .data, contents: bytes)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(root)/\(digest.hex)/data")) == Data(bytes))

        try directory.makeDirectory("v1")
        try directory.makeDirectory("v1/index")
        try directory.writeLink(digest, prefix: "v1/index/")
        let link = try String(contentsOfFile: "\(root)/v1/index/\(digest.hex)/link", encoding: .utf8)
        #expect(link == digest.description)

        #expect(throws: SweepError.self) { try directory.writeLink(digest, prefix: "missing/") }
        do {
            try directory.writeLink(digest, prefix: "missing/")
        } catch {
            #expect(error.code == .notFound && error.syscall == "mkdirat" && error.digest == digest)
            #expect(error.path == "\(root)/missing/\(digest.hex)")
        }
    }

    @Test func refusesToWriteOverAStore() async throws {
        let root = Self.temporaryRoot("twice")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = Self.smallOptions()
        options.repositories = 1
        _ = try await StoreGenerator(root: root, options: options).generate()
        let error = await #expect(throws: SweepError.self) {
            try await StoreGenerator(root: root, options: options).generate()
        }
        #expect(error?.code == .invalidArgument && error?.message.contains("already holds docker/registry/v2") == true)
    }

    @Test func sizingForABlobTargetLandsNearIt() async throws {
        let root = Self.temporaryRoot("sized")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = GeneratorOptions()
        options.sizedForBlobs(3000, repositories: 8)
        let store = try await StoreGenerator(root: root, options: options).generate()
        #expect(abs(store.counts.blobs - 3000) < 3000 / 10, "\(store.counts.blobs) blobs for a 3000 target")
    }

    /// The real registry serves the generated store: catalog, tag lists, every tag's
    /// manifest, every index child, referrer, config, layer and orphan, byte-exact.
    @Test(.enabled(if: RegistryServer.shouldRun))
    func theRealRegistryServesEveryTagByteExact() async throws {
        let root = Self.temporaryRoot("served")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try await StoreGenerator(root: root, options: Self.smallOptions()).generate()
        let registry = try await RegistryServer.start(rootDirectory: URL(fileURLWithPath: root))
        defer { registry.stop() }

        #expect(try await registry.catalog() == store.repositories.map(\.name).sorted())
        var pulled = Set<Digest>()
        for repository in store.repositories {
            #expect(try await registry.tags(repository.name).sorted() == repository.tags.keys.sorted())
            /// Pulls a manifest by tag or digest, checks its bytes, then everything it references.
            func pull(_ reference: String, expected digest: Digest) async throws {
                let reply = try await registry.getManifest(repository.name, reference: reference)
                #expect(reply.status == 200, "\(repository.name):\(reference)")
                #expect(reply.body == store.contents[digest], "\(repository.name):\(reference) bytes")
                let parsed = try ManifestParser.parse(reply.body)
                #expect(reply.mediaType == parsed.kind.mediaType)
                pulled.insert(digest)
                for child in parsed.children { try await pull(child.description, expected: child) }
                for blob in parsed.blobs {
                    let (status, body) = try await registry.getBlob(repository.name, digest: blob.description)
                    #expect(status == 200 && body == store.contents[blob], "\(repository.name)@\(blob)")
                    pulled.insert(blob)
                }
            }
            for (tag, digest) in repository.tags { try await pull(tag, expected: digest) }
            for (referrer, _) in repository.referrers { try await pull(referrer.description, expected: referrer) }
            for orphan in repository.orphans {
                let (status, body) = try await registry.getBlob(repository.name, digest: orphan.description)
                #expect(status == 200 && body == store.contents[orphan])
            }
        }
        // Everything reachable from a tag or referrer was served: all but untagged pushes and orphans.
        #expect(pulled.count > store.counts.blobs / 3)
    }
}
