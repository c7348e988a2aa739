import RegistrySweep
import Testing

/// Every storage failure a `gc` can meet (list, read, stat, remove failing with
/// permissionDenied, io or wrongType, at repositories, revisions, tags, layer links, manifests
/// and blob data) leads to "keep and report": never to the deletion of something referenced.
///
/// Each case injects one fault into the in-memory store of ``MemoryStore``, runs a real `gc`
/// (grace 0, with and without delete-untagged), and checks that the fault fired, that it was
/// reported (a problem, a failure, or the run refused), and that every file a live image needs
/// is still there. The fault-free run deletes the orphan, so each check can fail.
@Suite struct FaultInjectionTests {
    /// Where a fault is placed, and which operations fail there.
    struct Place: Sendable, CustomTestStringConvertible {
        var name: String
        var operations: Set<InMemoryBackend.Fault.Operation>
        var scope: @Sendable (MemoryStore) -> InMemoryBackend.Fault.Scope
        var testDescription: String { name }
    }

    static let v2 = FixtureStore.v2
    static let places: [Place] = [
        Place(name: "list repositories", operations: [.list], scope: { _ in .path("\(v2)/repositories") }),
        Place(name: "list a repository", operations: [.list], scope: { _ in .path("\(v2)/repositories/app") }),
        Place(name: "list _manifests", operations: [.list], scope: { _ in .path("\(v2)/repositories/app/_manifests") }),
        Place(
            name: "list revisions", operations: [.list],
            scope: { _ in .path("\(v2)/repositories/app/_manifests/revisions/sha256") }),
        Place(
            name: "read revision links", operations: [.read],
            scope: { _ in .subtree("\(v2)/repositories/app/_manifests/revisions") }),
        Place(
            name: "list and stat revisions", operations: [.list, .stat],
            scope: { _ in .subtree("\(v2)/repositories/app/_manifests/revisions") }),
        Place(name: "list tags", operations: [.list], scope: { _ in .path("\(v2)/repositories/app/_manifests/tags") }),
        Place(
            name: "read a tag's current link", operations: [.read],
            scope: { _ in .path(FixtureStore.tagCurrent("team/multi", "latest")) }),
        Place(
            name: "list and stat a tag", operations: [.list, .stat],
            scope: { _ in .subtree("\(v2)/repositories/app/_manifests/tags/v1") }),
        Place(
            name: "list, read and stat layer links", operations: [.list, .read, .stat],
            scope: { _ in .subtree("\(v2)/repositories/app/_layers") }),
        Place(name: "read a manifest", operations: [.read], scope: { .path(FixtureStore.blobData($0.app.manifest)) }),
        Place(name: "read an index", operations: [.read], scope: { .path(FixtureStore.blobData($0.index)) }),
        Place(name: "read a referrer", operations: [.read], scope: { .path(FixtureStore.blobData($0.referrer)) }),
        Place(name: "read every manifest", operations: [.read], scope: { _ in .subtree("\(v2)/blobs") }),
        Place(
            name: "list a blob shard", operations: [.list],
            scope: { .path("\(v2)/blobs/sha256/\($0.app.layers[0].hex.prefix(2))") }),
        Place(name: "list blob shards", operations: [.list], scope: { _ in .subtree("\(v2)/blobs") }),
        Place(name: "stat blob data", operations: [.stat], scope: { _ in .named("data") }),
        Place(name: "stat everything", operations: [.stat], scope: { _ in .subtree("") }),
        Place(name: "remove blobs", operations: [.remove], scope: { _ in .subtree("\(v2)/blobs") }),
        Place(name: "remove anything", operations: [.remove], scope: { _ in .subtree("") }),
        Place(
            name: "fail after 5 list calls", operations: [.list], scope: { _ in .subtree("") }),
    ]

    static let codes: [SweepError.Code] = [.permissionDenied, .io, .wrongType]

    /// Every file a live image needs: its blobs, revision links, tags, and layer links.
    static func required(_ store: MemoryStore) -> [String] {
        var paths = store.live.map(FixtureStore.blobData)
        for image in [store.app] {
            paths += image.all.dropFirst().map { FixtureStore.layerLink("app", $0) }
        }
        paths.append(FixtureStore.layerLink("app", store.referrerConfig))
        for child in store.children {
            paths += child.all.dropFirst().map { FixtureStore.layerLink("team/multi", $0) }
            paths.append(FixtureStore.revisionLink("team/multi", child.manifest))
        }
        paths += [
            FixtureStore.revisionLink("app", store.app.manifest), FixtureStore.revisionLink("app", store.referrer),
            FixtureStore.revisionLink("team/multi", store.index), FixtureStore.tagCurrent("app", "v1"),
            FixtureStore.tagCurrent("team/multi", "latest"),
        ]
        return paths
    }

    @Test(arguments: [false, true])
    func withoutFaultsTheOrphanGoes(deleteUntagged: Bool) async throws {
        let (backend, store) = try MemoryStore.inMemory()
        let report = try await Collector(
            backend: backend,
            options: InMemoryCollectTests.options(dryRun: false, deleteUntagged: deleteUntagged, grace: 0)
        ).run()
        #expect(report.problems.isEmpty && report.failures.isEmpty)
        #expect(backend.contents(of: FixtureStore.blobData(store.orphan)) == nil)
        #expect((backend.contents(of: FixtureStore.revisionLink("app", store.old.manifest)) == nil) == deleteUntagged)
        for path in Self.required(store) { #expect(backend.contents(of: path) != nil, "\(path)") }
    }

    @Test(arguments: places, codes)
    func everyFailureKeepsAndReports(place: Place, code: SweepError.Code) async throws {
        for deleteUntagged in [false, true] {
            let (backend, store) = try MemoryStore.inMemory()
            let afterCalls = place.name.hasPrefix("fail after") ? 5 : 0
            backend.inject(
                .init(
                    place.operations, place.scope(store), SweepError(code, "injected \(code)"), afterCalls: afterCalls))
            let options = InMemoryCollectTests.options(dryRun: false, deleteUntagged: deleteUntagged, grace: 0)
            var reported: Bool
            do {
                let report = try await Collector(backend: backend, options: options).run()
                reported = !report.problems.isEmpty || !report.failures.isEmpty
            } catch {
                reported = true  // the run refused: nothing was removed after the refusal
            }
            let label = "\(place.name), \(code), deleteUntagged \(deleteUntagged)"
            #expect(backend.injectedFailures > 0, "the fault fired: \(label)")
            #expect(reported, "the failure was reported: \(label)")
            if place.name == "stat blob data" {
                #expect(backend.contents(of: FixtureStore.blobData(store.orphan)) != nil, "kept: \(label)")
            }
            backend.removeAllFaults()
            for path in Self.required(store) {
                #expect(backend.contents(of: path) != nil, "\(path) kept: \(label)")
            }
            #expect(!backend.isLocked)
        }
    }
}

extension FaultInjectionTests {
    /// The harness sees deletions: a backend that breaks the contract (`.notFound` for a node
    /// that is there, here every revision link of `app`) makes `app` look empty, and `gc` then
    /// deletes what `app:v1` needs. This is why only an absent path may be `.notFound`.
    @Test func aLyingNotFoundLosesLiveBlobs() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        backend.inject(
            .init(.list, .path("\(Self.v2)/repositories/app/_manifests/revisions/sha256"), SweepError(.notFound, "lie"))
        )
        _ = try await Collector(
            backend: backend, options: InMemoryCollectTests.options(dryRun: false, deleteUntagged: true, grace: 0)
        ).run()
        #expect(backend.injectedFailures > 0)
        let lost = Self.required(store).filter { backend.contents(of: $0) == nil }
        #expect(!lost.isEmpty, "the check above would catch a deletion")
    }
}

extension FaultInjectionTests {
    /// A tag written after the scan and met halfway by the revalidation (its directory is there,
    /// its `current/link` not yet) whose history cannot be listed: what the tag is about to name
    /// is unknown, so the failure is reported, no blob is removed that run (not even the orphan)
    /// and no untagged manifest of its repository goes. The same steps without the fault remove
    /// the orphan (so the blob check can fail) and keep `old` (the tag is being written); a run
    /// without the new tag removes `old` (``withoutFaultsTheOrphanGoes(deleteUntagged:)``).
    @Test(arguments: [nil] + codes)
    func unlistableHistoryOfAHalfwayTagKeepsEveryBlob(code: SweepError.Code?) async throws {
        let (backend, store) = try MemoryStore.inMemory()
        let snapshot = try await StoreScanner(backend: backend).scan()
        let history = "\(Self.v2)/repositories/app/_manifests/tags/next/index/sha256"
        try backend.write("\(history)/\(store.app.manifest.hex)/link", "sha256:\(store.app.manifest.hex)")
        if let code { backend.inject(.init([.list], .path(history), SweepError(code, "injected \(code)"))) }
        let options = InMemoryCollectTests.options(dryRun: false, deleteUntagged: true, grace: 0)
        let report = try await Collector(backend: backend, options: options).run(snapshot: snapshot)
        backend.removeAllFaults()
        let orphanKept = backend.contents(of: FixtureStore.blobData(store.orphan)) != nil
        let oldKept = backend.contents(of: FixtureStore.revisionLink("app", store.old.manifest)) != nil
        if code == nil {
            #expect(!orphanKept, "without the fault the run removes the orphan")
            #expect(oldKept, "a repository with a tag being written keeps its untagged manifests")
        } else {
            #expect(backend.injectedFailures > 0)
            #expect(
                report.problems.contains { $0.path?.hasPrefix(history) == true || $0.message.contains(history) },
                "\(report.problems)")
            #expect(orphanKept, "no blob is removed while a halfway tag's history is unknown")
            #expect(oldKept, "no untagged manifest of a repository with a tag being written")
        }
        for path in Self.required(store) { #expect(backend.contents(of: path) != nil, "\(path)") }
    }
}
