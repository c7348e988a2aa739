import Foundation
import RegistrySweep
import Synchronization
import Testing

/// The snapshot's public, digest-valued view (its id tables are package-internal).
struct SnapshotQueriesTests {
    @Test func digestViewAnswersWhatTheStoreHolds() async throws {
        let store = try FixtureStore()
        let app = try store.image("app", tag: "v1", seed: "app")
        let child = try store.image("app", tag: nil, seed: "child")
        let index = try store.blob(FixtureStore.ociIndex([child.manifest]))
        try store.revision("app", index)
        try store.tag("app", "multi", index)
        let signature = try store.blob("a signature")
        let referrer = try store.blob(FixtureStore.ociArtifact(blobs: [signature], subject: app.manifest))
        try store.revision("app", referrer)
        let orphan = try store.blob("nobody's")

        let snapshot = try await StoreScanner(backend: try store.backend()).scan()
        #expect(snapshot.containsBlob(orphan) && !snapshot.containsBlob(FixtureStore.digest(of: Array("absent".utf8))))
        #expect(Set(snapshot.blobDigests) == Set(app.all + child.all + [index, signature, referrer, orphan]))
        let indexReferences = try #require(snapshot.references(of: index))
        #expect(indexReferences.children == [child.manifest] && indexReferences.blobs.isEmpty)
        #expect(snapshot.references(of: app.manifest)?.blobs == [app.config] + app.layers)
        #expect(snapshot.references(of: referrer)?.subject == app.manifest)
        #expect(snapshot.references(of: orphan) == nil && !snapshot.isUnreadableManifest(orphan))
        #expect(snapshot.closure(of: [index]) == Set([index] + child.all))
        let repository = try #require(snapshot.repositories.first { $0.name == "app" })
        #expect(Set(snapshot.revisions(of: repository)) == [app.manifest, child.manifest, index, referrer])
        #expect(Set(snapshot.layers(of: repository)) == Set([app.config] + app.layers + [child.config] + child.layers))
        let tags = Dictionary(uniqueKeysWithValues: repository.tags.map { ($0.name, snapshot.current(of: $0)) })
        #expect(tags == ["v1": app.manifest, "multi": index])
    }
}

/// Progress of verify: the scan's phases, then one event per blob hashed, in order, adding up to
/// the report's counts.
struct VerifyProgressTests {
    private final class Events: Sendable {
        let list = Mutex<[ProgressEvent]>([])
    }

    @Test func verifyReportsEveryBlobAndByte() async throws {
        let store = try FixtureStore()
        for seed in ["a", "b", "c"] { try store.image("app", tag: seed, seed: seed) }
        let events = Events()
        var options = VerifyOptions()
        options.progress = ProgressObserver { event in events.list.withLock { $0.append(event) } }
        let report = try await StoreVerifier(backend: try store.backend(), options: options).verify()
        let all = events.list.withLock { $0 }
        // The scan's phases come first, then the hashing pass's.
        let scanned = all.prefix { $0.phase != .verify }
        #expect(scanned.contains { $0.phase == .listBlobs } && scanned.contains { $0.phase == .readManifests })
        let seen = Array(all.dropFirst(scanned.count))
        #expect(seen.count == report.blobs && report.blobs == 12)
        #expect(seen.map(\.done) == Array(1...report.blobs))
        #expect(seen.allSatisfy { $0.phase == .verify && $0.total == report.blobs })
        #expect(seen.last?.bytes == report.bytesHashed)
    }
}
