import Foundation
import RegistrySweep
import Testing

/// `retain` through the ``StorageBackend`` contract alone (an ``InMemoryBackend``), and what
/// only fault injection can produce: a tag whose push time cannot be read.
@Suite struct RetentionInMemoryTests {
    /// MemoryStore plus `app:v0` naming the manifest `old`; `app:v0` pushed 3 days ago, `app:v1`
    /// 1 day ago, `team/multi:latest` 2 days ago.
    private func store() throws -> (InMemoryBackend, MemoryStore) {
        let (backend, store) = try MemoryStore.inMemory()
        let link = Array("sha256:\(store.old.manifest.hex)".utf8)
        try backend.write(FixtureStore.tagCurrent("app", "v0"), link)
        try backend.write(FixtureStore.tagIndex("app", "v0", store.old.manifest), link)
        let now = Timestamp.now()
        try backend.setModificationTime(FixtureStore.tagCurrent("app", "v0"), seconds: now - 3 * 86_400)
        try backend.setModificationTime(FixtureStore.tagCurrent("app", "v1"), seconds: now - 86_400)
        try backend.setModificationTime(FixtureStore.tagCurrent("team/multi", "latest"), seconds: now - 2 * 86_400)
        return (backend, store)
    }

    private func options(dryRun: Bool) -> RetentionOptions {
        var options = RetentionOptions()
        options.dryRun = dryRun
        options.collect = true
        options.grace = 0
        options.uploadAge = nil
        return options
    }

    @Test func keepLastDeletesTheOlderTagAndCollects() async throws {
        let (backend, store) = try store()
        let policy = try RetentionPolicy(rules: [RetentionRule(keepLast: 1)])
        let dry = try await Retainer(backend: backend, options: options(dryRun: true)).run(policy)
        #expect(dry.deletedTags == ["app:v0"])
        #expect(Set(dry.report.eligibleBlobs) == Set(store.old.all + [store.orphan]), "old's blobs and the old orphan")
        let real = try await Retainer(backend: backend, options: options(dryRun: false)).run(policy)
        #expect(real.deletedTags == ["app:v0"])
        #expect(real.report.failures.isEmpty)
        #expect(real.report.removed?.bytes == dry.bytes)
        for digest in store.old.all + [store.orphan] {
            #expect(backend.contents(of: FixtureStore.blobData(digest)) == nil)
        }
        for digest in store.live { #expect(backend.contents(of: FixtureStore.blobData(digest)) != nil) }
        #expect(backend.contents(of: FixtureStore.tagCurrent("app", "v0")) == nil)
        #expect(backend.contents(of: FixtureStore.tagCurrent("app", "v1")) != nil)
        #expect(!backend.isLocked)
    }

    @Test func aTagWhosePushTimeCannotBeReadIsKeptAndReported() async throws {
        let (backend, store) = try store()
        backend.inject(
            .init(.stat, .path(FixtureStore.tagCurrent("app", "v0")), SweepError(.io, "injected stat failure")))
        let policy = try RetentionPolicy(rules: [RetentionRule(keepLast: 0)])
        let report = try await Retainer(backend: backend, options: options(dryRun: false)).run(policy)
        #expect(report.keptUnjudged == ["app:v0"])
        let app = try #require(report.repositories.first { $0.repository == "app" })
        #expect(app.keptTags.map(\.reason) == [.pushTimeUnknown])
        #expect(Set(report.deletedTags) == ["app:v1", "team/multi:latest"])
        // v0 still names old: its blobs stay; v1's manifest went with its referrer.
        for digest in store.old.all { #expect(backend.contents(of: FixtureStore.blobData(digest)) != nil) }
        #expect(backend.contents(of: FixtureStore.tagCurrent("app", "v0")) != nil)
        #expect(backend.contents(of: FixtureStore.blobData(store.referrer)) == nil)
        #expect(backend.contents(of: FixtureStore.blobData(store.app.manifest)) == nil)
    }
}
