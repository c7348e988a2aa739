import Foundation
import RegistrySweep
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
