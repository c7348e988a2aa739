import Foundation
import RegistrySweep
import Testing

/// Manifests spelled the way only Go's decoder reads them (folded member names, duplicates,
/// deep extension members), pushed through the real registry (distribution 2.8.2): it accepts
/// and serves them, so gc must keep everything they reference.
///
/// What 2.8.2 rejects is recorded here rather than pushed: a 10,001-level extension member
/// (Go's scanner: "exceeded max depth"), checked in `deepestNestingTheRegistryAccepts`.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct ManifestCaseRegistryTests {
    static let repository = "fold/case"
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let schema2 = "application/vnd.docker.distribution.manifest.v2+json"

    /// One pushed manifest: the tag (or `nil`, pushed by digest), its bytes, the blobs it needs.
    struct Pushed {
        var tag: String?
        var digest: String
        var body: [UInt8]
        var blobs: [Blob]
    }

    static func descriptor(_ blob: Blob, key: String = "digest", mediaType: String = "application/octet-stream")
        -> String
    {
        "{\"mediaType\":\"\(mediaType)\",\"size\":\(blob.size),\"\(key)\":\"\(blob.digest)\"}"
    }

    static func nested(_ levels: Int) -> String {
        String(repeating: "[", count: levels) + String(repeating: "]", count: levels)
    }

    /// Pushes config and layer blobs for `seed`, then the manifest `make(config, layer)`.
    static func push(
        _ registry: RegistryServer, tag: String?, mediaType: String, seed: UInt64,
        _ make: (Blob, Blob) -> String
    ) async throws -> Pushed {
        let config = ImageFactory.imageConfig(seed: seed)
        let layer = ImageFactory.randomBlob(size: 2048, seed: seed + 1000)
        _ = try await registry.pushBlob(repository, config.bytes)
        _ = try await registry.pushBlob(repository, layer.bytes)
        let body = Array(make(config, layer).utf8)
        let reference = tag ?? ImageFactory.digest(of: body)
        let digest = try await registry.pushManifest(repository, reference: reference, mediaType: mediaType, body: body)
        return Pushed(tag: tag, digest: digest, body: body, blobs: [config, layer])
    }

    /// Pushes every spelling; returns what was pushed and an orphan blob nothing references.
    static func build(_ registry: RegistryServer) async throws -> (pushed: [Pushed], orphan: Blob) {
        var pushed: [Pushed] = []
        let d = descriptor
        pushed.append(
            try await push(registry, tag: "layers-capital", mediaType: ociManifest, seed: 1) { c, l in
                "{\"schemaVersion\":2,\"config\":\(d(c, "digest", "application/vnd.oci.image.config.v1+json")),\"Layers\":[\(d(l, "digest", "application/octet-stream"))]}"
            })
        pushed.append(
            try await push(registry, tag: "config-upper", mediaType: schema2, seed: 2) { c, l in
                "{\"SchemaVersion\":2,\"MediaType\":\"\(schema2)\",\"CONFIG\":\(d(c, "Digest", "application/octet-stream")),\"LAYERS\":[\(d(l, "DIGEST", "application/octet-stream"))]}"
            })
        pushed.append(
            try await push(registry, tag: "long-s", mediaType: ociManifest, seed: 3) { c, l in
                "{\"ſchemaVersion\":2,\"config\":\(d(c, "digeſt", "application/octet-stream")),\"layerſ\":[\(d(l, "digest", "application/octet-stream"))]}"
            })
        // Last duplicate wins: the first layers array names a blob the registry never saw.
        let missing = ImageFactory.randomBlob(size: 64, seed: 999)
        pushed.append(
            try await push(registry, tag: "duplicates", mediaType: ociManifest, seed: 4) { c, l in
                "{\"schemaVersion\":2,\"config\":\(d(missing, "digest", "x")),\"layers\":[\(d(missing, "digest", "x"))],\"Config\":\(d(c, "digest", "application/octet-stream")),\"Layers\":[\(d(l, "digest", "application/octet-stream"))]}"
            })
        pushed.append(
            try await push(registry, tag: "deep-100", mediaType: ociManifest, seed: 5) { c, l in
                "{\"schemaVersion\":2,\"config\":\(d(c, "digest", "application/octet-stream")),\"layers\":[\(d(l, "digest", "application/octet-stream"))],\"x\":\(nested(100))}"
            })
        // 10,000 levels in all: the manifest's object plus 9,999 arrays.
        pushed.append(
            try await push(registry, tag: "deep-10000", mediaType: ociManifest, seed: 6) { c, l in
                "{\"schemaVersion\":2,\"config\":\(d(c, "digest", "application/octet-stream")),\"layers\":[\(d(l, "digest", "application/octet-stream"))],\"x\":\(nested(9_999))}"
            })
        // An index without mediaType whose children (pushed by digest, untagged) are under `Manifests`.
        let childA = try await push(registry, tag: nil, mediaType: ociManifest, seed: 7) { c, l in
            "{\"schemaVersion\":2,\"mediaType\":\"\(ociManifest)\",\"config\":\(d(c, "digest", "application/octet-stream")),\"layers\":[\(d(l, "digest", "application/octet-stream"))]}"
        }
        let childB = try await push(registry, tag: nil, mediaType: ociManifest, seed: 8) { c, l in
            "{\"schemaVersion\":2,\"config\":\(d(c, "Digest", "application/octet-stream")),\"LAYERS\":[\(d(l, "digest", "application/octet-stream"))]}"
        }
        pushed += [childA, childB]
        let children = [childA, childB].map {
            "{\"mediaType\":\"\(ociManifest)\",\"size\":\($0.body.count),\"digest\":\"\($0.digest)\"}"
        }
        let indexBody = Array("{\"schemaVersion\":2,\"Manifests\":[\(children.joined(separator: ","))]}".utf8)
        let indexDigest = try await registry.pushManifest(
            repository, reference: "index", mediaType: ociIndex, body: indexBody)
        pushed.append(Pushed(tag: "index", digest: indexDigest, body: indexBody, blobs: []))
        // An untagged referrer whose subject is under `Subject` (2.8.2 ignores subjects; we keep referrers).
        let subject = pushed[0]
        pushed.append(
            try await push(registry, tag: nil, mediaType: ociManifest, seed: 9) { c, l in
                "{\"schemaVersion\":2,\"config\":\(d(c, "digest", "application/octet-stream")),\"layers\":[\(d(l, "digest", "application/octet-stream"))],\"Subject\":{\"mediaType\":\"\(ociManifest)\",\"size\":\(subject.body.count),\"digest\":\"\(subject.digest)\"}}"
            })
        let orphan = ImageFactory.randomBlob(size: 512, seed: 4242)
        _ = try await registry.pushBlob(repository, orphan.bytes)
        return (pushed, orphan)
    }

    /// Every pushed manifest pulls byte-exact (by tag and by digest), with every blob it needs.
    static func pullEverything(_ registry: RegistryServer, _ pushed: [Pushed]) async throws {
        for item in pushed {
            for reference in [item.tag, item.digest].compactMap({ $0 }) {
                let reply = try await registry.getManifest(repository, reference: reference)
                #expect(reply.status == 200, "\(reference)")
                #expect(reply.body == item.body, "\(reference)")
            }
            for blob in item.blobs {
                let reply = try await registry.getBlob(repository, digest: blob.digest)
                #expect(reply.status == 200, "\(item.tag ?? item.digest): \(blob.digest)")
                #expect(reply.body == blob.bytes, "\(item.tag ?? item.digest): \(blob.digest)")
            }
        }
    }

    @Test func foldedAndDuplicatedManifestsSurviveGC() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let (pushed, orphan) = try await Self.build(registry)
        try await Self.pullEverything(registry, pushed)

        // Our parser reads each as the registry does.
        for item in pushed {
            let parsed = try ManifestParser.parse(item.body)
            let expected = Set(item.blobs.map(\.digest))
            #expect(Set(parsed.blobs.map(\.description)) == expected, "\(item.tag ?? item.digest)")
        }

        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        // Default mode: the same eligible set as the reference, which reads manifests the Go way.
        let reference = try registry.garbageCollect(dryRun: true, deleteUntagged: false)
        #expect(reference.exitStatus == 0, "\(reference.errorOutput)")
        var dryRun = CollectOptions()
        dryRun.dryRun = true
        dryRun.deleteUntagged = false
        dryRun.grace = 0
        dryRun.uploadAge = nil
        let planned = try await Collector(backend: backend, options: dryRun).run()
        #expect(Set(planned.eligibleBlobs.map(\.description)) == reference.eligibleBlobs)
        #expect(reference.eligibleBlobs == [orphan.digest])

        // A real sweep, untagged manifests too: children and the referrer stay.
        var sweep = dryRun
        sweep.dryRun = false
        sweep.deleteUntagged = true
        let report = try await Collector(backend: backend, options: sweep).run()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let parseProblems = report.problems.filter {
            $0.code == .invalidManifest || $0.code == .unknownManifestKind
        }
        #expect(parseProblems.isEmpty, "\(parseProblems)")
        #expect(report.eligibleBlobs.map(\.description) == [orphan.digest])
        #expect(report.eligibleManifests.isEmpty)

        try await registry.restart()
        try await Self.pullEverything(registry, pushed)
        #expect(try await registry.getBlob(Self.repository, digest: orphan.digest).status == 404)
    }

    /// 2.8.2 accepts a manifest nested 10,000 levels deep and rejects 10,001, like Go's scanner.
    @Test func deepestNestingTheRegistryAccepts() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let config = ImageFactory.imageConfig(seed: 31)
        _ = try await registry.pushBlob(Self.repository, config.bytes)
        func body(_ inner: Int) -> [UInt8] {
            Array(
                "{\"schemaVersion\":2,\"config\":\(Self.descriptor(config)),\"layers\":[],\"x\":\(Self.nested(inner))}"
                    .utf8)
        }
        _ = try await registry.pushManifest(
            Self.repository, reference: "ok", mediaType: Self.ociManifest, body: body(9_999))
        #expect(try ManifestParser.parse(body(9_999)).blobs.map(\.description) == [config.digest])
        let rejected = try await registry.send(
            "PUT", "/v2/\(Self.repository)/manifests/too-deep", body: body(10_000),
            headers: ["Content-Type": Self.ociManifest])
        #expect(rejected.status >= 400, "\(rejected.status) \(rejected.bodyText)")
        #expect(throws: SweepError.self) { try ManifestParser.parse(body(10_000)) }
    }
}
