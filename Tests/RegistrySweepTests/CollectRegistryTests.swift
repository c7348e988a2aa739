import Foundation
import RegistrySweep
import Testing

/// gc against stores written by the real registry, compared with its own garbage-collect.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct CollectRegistryTests {
    private func options(dryRun: Bool, untagged: Bool) -> CollectOptions {
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = untagged
        options.grace = 0
        options.uploadAge = nil
        return options
    }

    @Test func scanInventoryMatchesWhatWasPushed() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let snapshot = try await StoreScanner(backend: backend, options: .inventory).scan()
        let inventory = StoreInventory(snapshot)
        #expect(inventory.problems.isEmpty, "\(inventory.problems)")
        #expect(
            Set(snapshot.repositories.map(\.name)) == [
                "library/app", "team/svc/api", "multi/oci", "multi/docker", "oci/plain",
            ])
        var expectedTags = 0
        for name in ["library/app", "team/svc/api", "multi/oci", "multi/docker", "oci/plain"] {
            expectedTags += try await registry.tags(name).count
        }
        #expect(inventory.tags == expectedTags)
        #expect(inventory.tags == 6)
        // library/app: old v1, v1, referrer (deleted one is gone); team: 2; each index: 1 + 2; plain: 1.
        #expect(inventory.revisions == 3 + 2 + 3 + 3 + 1)
        #expect(inventory.manifestsByKind["schema2"] == 4 + 2)
        #expect(inventory.manifestsByKind["oci-image"] == 1 + 2 + 1)
        #expect(inventory.manifestsByKind["oci-index"] == 1)
        #expect(inventory.manifestsByKind["docker-list"] == 1)
        #expect(inventory.uploads == 1)
        #expect(inventory.bytes ?? 0 > 0)
        let referrerDigest = try #require(Digest(scenario.referrer.manifestDigest))
        let subjectDigest = try #require(Digest(scenario.images[0].image.manifestDigest))
        let referrer = try #require(snapshot.id(of: referrerDigest))
        let m = try #require(snapshot.manifests.manifest(of: referrer))
        #expect(snapshot.manifests.subject[m] == snapshot.id(of: subjectDigest))
    }

    @Test func defaultModeEqualsReferenceDryRun() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        let reference = try registry.garbageCollect(dryRun: true, deleteUntagged: false)
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let report = try await Collector(backend: backend, options: options(dryRun: true, untagged: false)).run()
        #expect(!reference.eligibleBlobs.isEmpty)
        #expect(Set(report.eligibleBlobs.map(\.description)) == reference.eligibleBlobs)
        #expect(report.markedBlobs == reference.markedBlobs)
        #expect(report.eligibleBlobs.map(\.description).contains(scenario.orphan.digest))
        #expect(report.eligibleBlobs.map(\.description).contains(scenario.deleted.manifestDigest))
        #expect(report.eligibleManifests.isEmpty)
        // The distribution format prints the same summary line as the reference.
        let summary = try #require(report.distributionLines.first)
        #expect(reference.output.contains(summary))
    }

    @Test func deleteUntaggedKeepsChildrenAndReferrersTheReferenceDeletes() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        let reference = try registry.garbageCollect(dryRun: true, deleteUntagged: true)
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let report = try await Collector(backend: backend, options: options(dryRun: true, untagged: true)).run()
        let ours = Set(report.eligibleBlobs.map(\.description))
        #expect(ours.isSubset(of: reference.eligibleBlobs))
        let onlyReference = reference.eligibleBlobs.subtracting(ours)
        // The reference's data-loss bug: it deletes the layers of multi-arch children and the referrer.
        for child in scenario.indexes.flatMap(\.index.children) {
            #expect(onlyReference.contains(child.config.digest))
        }
        #expect(onlyReference.contains(scenario.referrer.config.digest))
        #expect(onlyReference.isSubset(of: scenario.childAndReferrerBlobs))
        #expect(ours.isDisjoint(with: scenario.childAndReferrerBlobs))
        // What both delete: the overwritten v1, the untagged standalone manifest, the orphan.
        for digest in [scenario.oldV1.manifestDigest, scenario.untagged.manifestDigest, scenario.orphan.digest] {
            #expect(ours.contains(digest))
        }
        let manifests = Set(report.eligibleManifests.map(\.digest.description))
        #expect(manifests == [scenario.oldV1.manifestDigest, scenario.untagged.manifestDigest])
    }

    @Test func realSweepKeepsEveryTagPullable() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        var sweep = options(dryRun: false, untagged: true)
        sweep.uploadAge = 0
        sweep.prune = true
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let report = try await Collector(backend: backend, options: sweep).run()
        #expect(report.failures.isEmpty)
        #expect(report.eligibleUploads.map(\.uuid) == [scenario.uploadID])
        #expect(!report.eligibleLinks.isEmpty)
        // The registry's API delete left an empty revision directory behind; it is cleaned.
        #expect(
            report.eligibleLinks.contains {
                $0.kind == .revisionWithoutLink && $0.digest?.description == scenario.deleted.manifestDigest
            })
        #expect(
            !FileManager.default.fileExists(
                atPath: registry.rootDirectory.path + "/"
                    + StorePath.revision("library/app", Digest(scenario.deleted.manifestDigest)!)))
        try await registry.restart()
        try await scenario.pullEverythingKept(registry)
        #expect(try await registry.getManifest("library/app", reference: scenario.oldV1.manifestDigest).status == 404)
        #expect(try await registry.getBlob("library/app", digest: scenario.orphan.digest).status == 404)
        registry.stop()
        // Nothing left that the reference would still collect, and the store scans clean.
        #expect(try registry.garbageCollect(dryRun: true, deleteUntagged: false).eligibleBlobs.isEmpty)
        let after = try await StoreScanner(backend: backend, options: .inventory).scan()
        #expect(after.problems.isEmpty, "\(after.problems)")
        #expect(after.repositories.allSatisfy { $0.uploads.isEmpty })
    }

    @Test func pushDuringRunIsProtectedByGrace() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        _ = try await RegistryScenario.build(registry)
        // Layers land first; the scan sees them unreferenced; then the manifest lands.
        let layer = ImageFactory.randomBlob(size: 4096, seed: 777)
        let config = ImageFactory.imageConfig(seed: 778)
        _ = try await registry.pushBlob("late/push", layer.bytes)
        _ = try await registry.pushBlob("late/push", config.bytes)
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let stale = try await StoreScanner(backend: backend).scan()
        let image = try await registry.pushImage("late/push", tag: "new", layers: [layer], config: config)

        // Even without a grace period, revalidation finds the revision written after the scan and
        // keeps what it references: the stale plan named the layer, the report keeps it.
        var noGrace = options(dryRun: true, untagged: false)
        noGrace.grace = 0
        let revalidated = try await Collector(backend: backend, options: noGrace).run(snapshot: stale)
        #expect(!revalidated.eligibleBlobs.map(\.description).contains(layer.digest))
        #expect(
            revalidated.skipped.contains { $0.kind == .blob && $0.path.hasSuffix(String(layer.digest.dropFirst(7))) })

        var withGrace = options(dryRun: false, untagged: false)
        withGrace.grace = 3600
        let report = try await Collector(backend: backend, options: withGrace).run(snapshot: stale)
        #expect(!report.eligibleBlobs.map(\.description).contains(layer.digest))
        #expect(report.keptYoungBlobs >= 2)
        try await registry.pullAndCheck("late/push", reference: "new", expected: image)
    }
}
