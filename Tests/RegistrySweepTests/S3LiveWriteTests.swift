import Foundation
import RegistrySweep
import S3Storage
import Testing

/// What a live registry writes between the scan and the removals on S3, on a bucket the real
/// registry wrote: a real run's rechecks keep it; a dry run reports as of its scan.
@Suite(.serialized, .enabled(if: SeaweedServer.shouldRun && RegistryServer.shouldRun))
struct S3LiveWriteTests {
    @Test func aLayerLinkPushedAfterTheScanKeepsItsBlobInARealRun() async throws {
        let fixture = try await S3BackendRegistryTests.Fixture.make()
        defer { fixture.stop() }
        let orphan = fixture.scenario.orphan
        var options = CollectOptions()
        options.grace = 0
        options.uploadAge = nil
        options.cleanLinks = false
        options.concurrency = 16
        // The orphan blob (uploaded to library/app, no manifest) is garbage by the scan.
        let scanned = try await StoreScanner(
            backend: fixture.backend, options: Collector(backend: fixture.backend, options: options).scanOptions
        ).scan()
        let before = try await Collector(backend: fixture.backend, options: options).run(snapshot: scanned)
        #expect(before.eligibleBlobs.map(\.description).contains(orphan.digest))

        // Then a push to another repository reuses it: the registry finds the blob already in
        // the store (its data keeps its old time) and writes only a new layer link.
        try await fixture.registry.restart()
        _ = try await fixture.registry.pushBlob("team/svc/api", orphan.bytes)
        fixture.registry.stop()

        // A dry run on S3 reports as of its scan (no recheck: it would list the tree again).
        let dry = try await Collector(backend: fixture.backend, options: options).run(snapshot: scanned)
        #expect(dry.eligibleBlobs.map(\.description).contains(orphan.digest))
        #expect(dry.revalidations == 0 && dry.skipped.isEmpty)
        // A real run from the same scan always does: the blob is kept.
        var real = options
        real.dryRun = false
        let report = try await Collector(backend: fixture.backend, options: real).run(snapshot: scanned)
        #expect(report.failures.isEmpty, "\(report.failures)")
        #expect(!report.skipped.isEmpty, "\(report)")
        let prefix = try #require(fixture.registry.s3).storagePrefix
        let hex = orphan.digest.dropFirst("sha256:".count)
        let left = try await fixture.s3.listAllKeys(prefix: prefix + "blobs/")
        #expect(left["\(prefix)blobs/sha256/\(hex.prefix(2))/\(hex)/data"] == orphan.size)
        try await fixture.registry.restart()
        let pulled = try await fixture.registry.getBlob("team/svc/api", digest: orphan.digest)
        #expect(pulled.status == 200 && pulled.body == orphan.bytes)
        try await fixture.scenario.pullEverythingKept(fixture.registry)
    }
}
