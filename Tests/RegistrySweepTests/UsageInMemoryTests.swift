import Foundation
import RegistrySweep
import Testing

/// `du`'s attribution on an ``InMemoryBackend``: exact values for a store whose content is
/// known blob by blob, the same numbers as `delete` and `gc` compute, and what an unreadable
/// part of the tree does to them.
@Suite struct UsageInMemoryTests {
    /// The memory store plus `copy`, a repository whose one tag and revision is `app`'s `v1`
    /// manifest (so `app`'s `v1` image is shared, and `copy` holds nothing of its own).
    private func store() throws -> (InMemoryBackend, MemoryStore) {
        let (backend, store) = try MemoryStore.inMemory()
        backend.setClock(Timestamp.now() - 2 * 86_400)
        defer { backend.setClock(nil) }
        let link = Array("sha256:\(store.app.manifest.hex)".utf8)
        try backend.write(FixtureStore.revisionLink("copy", store.app.manifest), link)
        try backend.write(FixtureStore.tagCurrent("copy", "v1"), link)
        try backend.write(FixtureStore.tagIndex("copy", "v1", store.app.manifest), link)
        return (backend, store)
    }

    private func size(_ backend: InMemoryBackend, _ digests: [Digest]) -> Int {
        Set(digests).reduce(0) { $0 + (backend.contents(of: FixtureStore.blobData($1))?.count ?? -1_000_000) }
    }

    @Test func eachBlobIsExclusiveSharedOrUnreferenced() async throws {
        let (backend, store) = try store()
        let report = try await UsageCalculator(backend: backend).run()
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.identityViolations().isEmpty, "\(report.identityViolations())")
        #expect(report.repositories.map(\.name) == ["app", "copy", "team/multi"])
        let rows = Dictionary(uniqueKeysWithValues: report.repositories.map { ($0.name, $0) })
        let app = try #require(rows["app"])
        let copy = try #require(rows["copy"])
        let multi = try #require(rows["team/multi"])

        let appOwn = store.old.all + [store.referrer, store.referrerConfig]
        #expect(app.exclusiveBytes == size(backend, appOwn))
        #expect(app.exclusiveBlobs == Set(appOwn).count)
        #expect(app.sharedBytes == size(backend, store.app.all))
        #expect(app.totalBytes == size(backend, appOwn + store.app.all))
        #expect(app.tags == 1 && app.manifests == 3)
        #expect(copy.exclusiveBytes == 0 && copy.totalBytes == size(backend, store.app.all))
        #expect(multi.exclusiveBytes == size(backend, [store.index] + store.children.flatMap(\.all)))
        #expect(multi.sharedBytes == 0)

        #expect(report.sharedBytes == size(backend, store.app.all))
        #expect(report.unreferencedBytes == size(backend, [store.orphan]) && report.unreferencedBlobs == 1)
        let everything = store.live + store.old.all + [store.orphan]
        #expect(report.storeBytes == size(backend, everything) && report.storeBlobs == Set(everything).count)
    }

    @Test func exclusiveIsWhatDeleteFreesAndUnreferencedWhatGCFrees() async throws {
        let (backend, _) = try store()
        let report = try await UsageCalculator(backend: backend).run()
        var options = DeleteOptions()
        options.grace = 0
        for row in report.repositories {
            let deleted = try await ImageDeleter(backend: backend, options: options).run([
                try DeleteTarget(parsing: row.name)
            ])
            #expect(deleted.report.eligibleBytes == row.exclusiveBytes, "\(row.name)")
            #expect(deleted.report.eligibleBlobs.count == row.exclusiveBlobs, "\(row.name)")
        }
        var collect = CollectOptions()
        collect.grace = 0
        let gc = try await Collector(backend: backend, options: collect).run()
        #expect(gc.eligibleBytes == report.unreferencedBytes && gc.eligibleBlobs.count == report.unreferencedBlobs)
        #expect(
            report.sorted(by: .exclusive).repositories.map(\.exclusiveBytes)
                == report.repositories.map(\.exclusiveBytes).sorted(by: >))
        #expect(
            report.sorted(by: .total).repositories.map(\.totalBytes)
                == report.repositories.map(\.totalBytes).sorted(by: >))
        #expect(report.sorted(by: .tags).repositories.map(\.name) == ["app", "copy", "team/multi"], "ties by name")
    }

    @Test func anUnreadableRepositoryTreeMakesNothingExclusiveOrGarbage() async throws {
        let (backend, store) = try store()
        backend.inject(
            .init(
                .list, .path("\(FixtureStore.v2)/repositories/team/multi/_manifests/revisions/sha256"),
                SweepError(.permissionDenied, "injected")))
        let report = try await UsageCalculator(backend: backend).run()
        #expect(backend.injectedFailures > 0)
        #expect(!report.isTreeComplete)
        #expect(!report.problems.isEmpty)
        #expect(report.identityViolations().isEmpty, "\(report.identityViolations())")
        #expect(report.repositories.allSatisfy { $0.exclusiveBytes == 0 && $0.exclusiveBlobs == 0 })
        #expect(report.repositories.first { $0.name == "team/multi" }?.keptWhole != nil)
        #expect(report.sharedBytes == report.referencedBytes)
        // What the unseen revisions might reference is not counted as garbage by gc either.
        var collect = CollectOptions()
        collect.grace = 0
        let gc = try await Collector(backend: backend, options: collect).run()
        #expect(gc.eligibleBytes == 0)
        var options = DeleteOptions()
        options.grace = 0
        let deleted = try await ImageDeleter(backend: backend, options: options).run([try DeleteTarget(parsing: "app")])
        #expect(deleted.report.eligibleBytes == 0, "delete frees nothing either")
        #expect(report.storeBytes == size(backend, store.live + store.old.all + [store.orphan]))
    }
}

extension UsageReport {
    /// The identities `du` documents, each one that does not hold described; empty when all hold.
    func identityViolations() -> [String] {
        var broken: [String] = []
        func check(_ holds: Bool, _ text: String) { if !holds { broken.append(text) } }
        check(storeBytes == referencedBytes + unreferencedBytes, "store bytes = referenced + unreferenced")
        check(storeBlobs == referencedBlobs + unreferencedBlobs, "store blobs = referenced + unreferenced")
        check(referencedBytes == exclusiveBytes + sharedBytes, "referenced bytes = exclusive + shared")
        check(referencedBlobs == exclusiveBlobs + sharedBlobs, "referenced blobs = exclusive + shared")
        check(exclusiveBytes == repositories.reduce(0) { $0 + $1.exclusiveBytes }, "exclusive bytes = sum of rows")
        check(exclusiveBlobs == repositories.reduce(0) { $0 + $1.exclusiveBlobs }, "exclusive blobs = sum of rows")
        check(uploadBytes == repositories.reduce(0) { $0 + $1.uploadBytes }, "upload bytes = sum of rows")
        check(uploads == repositories.reduce(0) { $0 + $1.uploads }, "uploads = sum of rows")
        let rowShared = repositories.reduce(0) { $0 + $1.sharedBytes }
        check(rowShared >= (isTreeComplete ? 2 : 1) * sharedBytes, "rows' shared bytes cover each shared blob twice")
        for row in repositories {
            check(
                row.sharedBytes == row.totalBytes - row.exclusiveBytes && row.sharedBytes >= 0,
                "\(row.name): shared = total - exclusive")
            check(
                row.exclusiveBlobs <= row.blobs && row.totalBytes <= referencedBytes,
                "\(row.name): within the referenced")
        }
        return broken
    }
}
