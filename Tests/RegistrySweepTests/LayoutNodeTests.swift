import Foundation
import RegistrySweep
import Testing

/// Every node of the registry layout replaced by something of the wrong type: a regular file,
/// a directory where a file belongs, an empty directory where a directory belongs (where that
/// means something), a FIFO, a dangling symbolic link. Each is reported by `scan` with its path
/// (or the store is refused), and no gc (dry run and real, with and without delete-untagged,
/// grace 0) deletes a blob the damaged repository's tags or manifests reference. A wrong type
/// is never taken for "absent".
@Suite struct LayoutNodeTests {
    /// What replaces a node.
    enum Replacement: String, Sendable, CaseIterable {
        case file, directory, emptyDirectory, fifo, danglingSymlink
    }

    /// What a damaged store must give.
    enum Outcome: Sendable {
        /// The scan and every gc refuse the store; nothing changes.
        case refused
        /// Reported; what the repository references is kept; orphans elsewhere still go
        /// (`sweepsBlobs`) or nothing at all goes (the damage can hide references).
        case kept(sweepsBlobs: Bool)
        /// Not a problem that keeps the repository whole (the registry sees the same): the
        /// listed images must stay in every mode, the others only without delete-untagged.
        case ordinary(problem: Bool, keep: [Image], keepUnlessUntaggedDeleted: [Image])
    }

    /// The images of the damaged repository.
    enum Image: Sendable { case a, b, c }

    /// One case: a node, what replaces it and what must follow.
    struct Case: Sendable, CustomTestStringConvertible {
        var node: Node
        var replacement: Replacement
        var outcome: Outcome
        var testDescription: String { "\(node.rawValue) as \(replacement.rawValue)" }
    }

    /// The nodes, named after their place in `docker/registry/v2`.
    enum Node: String, Sendable {
        case v2, blobs, blobsSha256, shard, blobDirectory, blobData, repositories, namespace
        case manifests, revisions, revisionsSha256, revisionDirectory, revisionLink
        case tags, tagDirectory, current, currentLink, index, indexSha256, indexEntry, indexEntryLink
        case layers, layersSha256, layerLinkDirectory, layerLink, uploads, uploadDirectory, startedAt
    }

    static let repository = "team/app"
    static let upload = "6f1c2a9e-3b4d-4e5f-8a7b-9c0d1e2f3a4b"

    /// The store: `team/app` holds image A (tag v1), image B (tag v2 only) and an untagged
    /// image C; `good/app` is healthy.
    struct Store {
        let fixture: FixtureStore
        let a: FixtureStore.Image
        let b: FixtureStore.Image
        let c: FixtureStore.Image
        let healthy: FixtureStore.Image

        init() throws {
            fixture = try FixtureStore()
            healthy = try fixture.image("good/app", tag: "v1", seed: "healthy")
            a = try fixture.image(LayoutNodeTests.repository, tag: "v1", seed: "image a")
            b = try fixture.image(LayoutNodeTests.repository, tag: "v2", seed: "image b")
            c = try fixture.image(LayoutNodeTests.repository, tag: nil, seed: "image c")
            try fixture.write(
                "\(FixtureStore.repository(LayoutNodeTests.repository))/_uploads/\(LayoutNodeTests.upload)/startedat",
                Timestamp.formatRFC3339(Timestamp.now()))
        }

        func image(_ image: Image) -> FixtureStore.Image {
            switch image {
            case .a: a
            case .b: b
            case .c: c
            }
        }

        /// The node's path relative to the root.
        func path(_ node: Node) -> String {
            let v2 = FixtureStore.v2
            let repo = FixtureStore.repository(LayoutNodeTests.repository)
            let shard = "\(v2)/blobs/sha256/\(b.manifest.hex.prefix(2))"
            switch node {
            case .v2: return v2
            case .blobs: return "\(v2)/blobs"
            case .blobsSha256: return "\(v2)/blobs/sha256"
            case .shard: return shard
            case .blobDirectory: return "\(shard)/\(b.manifest.hex)"
            case .blobData: return FixtureStore.blobData(b.manifest)
            case .repositories: return "\(v2)/repositories"
            case .namespace: return "\(v2)/repositories/team"
            case .manifests: return "\(repo)/_manifests"
            case .revisions: return "\(repo)/_manifests/revisions"
            case .revisionsSha256: return "\(repo)/_manifests/revisions/sha256"
            case .revisionDirectory: return "\(repo)/_manifests/revisions/sha256/\(c.manifest.hex)"
            case .revisionLink: return FixtureStore.revisionLink(LayoutNodeTests.repository, c.manifest)
            case .tags: return "\(repo)/_manifests/tags"
            case .tagDirectory: return "\(repo)/_manifests/tags/v2"
            case .current: return "\(repo)/_manifests/tags/v2/current"
            case .currentLink: return FixtureStore.tagCurrent(LayoutNodeTests.repository, "v2")
            case .index: return "\(repo)/_manifests/tags/v2/index"
            case .indexSha256: return "\(repo)/_manifests/tags/v2/index/sha256"
            case .indexEntry: return "\(repo)/_manifests/tags/v2/index/sha256/\(b.manifest.hex)"
            case .indexEntryLink: return FixtureStore.tagIndex(LayoutNodeTests.repository, "v2", b.manifest)
            case .layers: return "\(repo)/_layers"
            case .layersSha256: return "\(repo)/_layers/sha256"
            case .layerLinkDirectory: return "\(repo)/_layers/sha256/\(b.layers[0].hex)"
            case .layerLink: return FixtureStore.layerLink(LayoutNodeTests.repository, b.layers[0])
            case .uploads: return "\(repo)/_uploads"
            case .uploadDirectory: return "\(repo)/_uploads/\(LayoutNodeTests.upload)"
            case .startedAt: return "\(repo)/_uploads/\(LayoutNodeTests.upload)/startedat"
            }
        }

        /// Replaces the node at `path`.
        func replace(_ path: String, with replacement: Replacement) throws {
            let url = fixture.root.appendingPathComponent(path)
            try FileManager.default.removeItem(at: url)
            switch replacement {
            case .file: try fixture.write(path, "not what the registry wrote")
            case .directory, .emptyDirectory: try fixture.makeDirectory(path)
            case .fifo: #expect(mkfifo(url.path, 0o644) == 0)
            case .danglingSymlink:
                try fixture.symlink(path, to: fixture.outside.appendingPathComponent("nothing-here"))
            }
        }
    }

    /// The cases: for each node, the replacements that make sense for it.
    static let cases: [Case] = {
        let directoryKinds: [Replacement] = [.file, .fifo, .danglingSymlink]
        let fileKinds: [Replacement] = [.directory, .fifo, .danglingSymlink]
        func each(_ node: Node, _ kinds: [Replacement], _ outcome: Outcome) -> [Case] {
            kinds.map { Case(node: node, replacement: $0, outcome: outcome) }
        }
        let keep = Outcome.kept(sweepsBlobs: true)
        let hide = Outcome.kept(sweepsBlobs: false)
        let untouched = Outcome.ordinary(problem: true, keep: [.a, .b], keepUnlessUntaggedDeleted: [.c])
        let linklessV2 = Outcome.ordinary(problem: false, keep: [.a], keepUnlessUntaggedDeleted: [.b, .c])
        let emptyHistory = Outcome.ordinary(problem: false, keep: [.a, .b], keepUnlessUntaggedDeleted: [.c])
        var all: [Case] = []
        all += each(.v2, directoryKinds, .refused)
        all += each(.blobs, directoryKinds + [.emptyDirectory], .refused)
        all += each(.blobsSha256, directoryKinds, .refused)
        all += each(.shard, directoryKinds, keep)
        all += each(.blobDirectory, directoryKinds + [.emptyDirectory], keep)
        all += each(.blobData, fileKinds, keep)
        all += each(.repositories, directoryKinds, .refused)
        all += each(.namespace, directoryKinds, hide)
        all += each(.manifests, directoryKinds, hide)
        all += each(.revisions, directoryKinds, hide)
        all += each(.revisionsSha256, directoryKinds, hide)
        // Emptied: the tags still name A and B (reported: the registry answers "manifest unknown").
        all += each(
            .revisionsSha256, [.emptyDirectory],
            .ordinary(problem: true, keep: [.a, .b], keepUnlessUntaggedDeleted: []))
        all += each(.revisionDirectory, directoryKinds, keep)
        // A revision directory without its link: the registry's manifest delete leaves exactly that.
        all += each(
            .revisionDirectory, [.emptyDirectory],
            .ordinary(problem: false, keep: [.a, .b], keepUnlessUntaggedDeleted: []))
        all += each(.revisionLink, fileKinds, keep)
        all += each(.tags, directoryKinds, keep)
        all += each(
            .tags, [.emptyDirectory], .ordinary(problem: false, keep: [], keepUnlessUntaggedDeleted: [.a, .b, .c]))
        all += each(.tagDirectory, directoryKinds, keep)
        all += each(.tagDirectory, [.emptyDirectory], linklessV2)
        all += each(.current, directoryKinds, keep)
        all += each(.current, [.emptyDirectory], linklessV2)
        all += each(.currentLink, fileKinds, keep)
        all += each(.index, directoryKinds, keep)
        all += each(.index, [.emptyDirectory], emptyHistory)
        all += each(.indexSha256, directoryKinds, keep)
        all += each(.indexSha256, [.emptyDirectory], emptyHistory)
        all += each(.indexEntry, directoryKinds, keep)
        // History links are read only by inventories (gc trusts the directory name).
        all += each(.indexEntry, [.emptyDirectory], untouched)
        all += each(.indexEntryLink, fileKinds, untouched)
        all += each(.layers, directoryKinds, hide)
        all += each(.layersSha256, directoryKinds, hide)
        all += each(.layerLinkDirectory, directoryKinds, keep)
        all += each(.layerLink, fileKinds, untouched)
        all += each(.uploads, directoryKinds, untouched)
        all += each(.uploadDirectory, directoryKinds, untouched)
        all += each(.startedAt, fileKinds, untouched)
        return all
    }()

    @Test(arguments: cases)
    func wrongTypeIsReportedAndLosesNothing(_ damage: Case) async throws {
        let store = try Store()
        let node = store.path(damage.node)
        try store.replace(node, with: damage.replacement)
        let fixture = store.fixture
        let absolute = fixture.root.appendingPathComponent(node).path
        /// A problem (or refusal) names the node or a path below it.
        func names(_ path: String?) -> Bool {
            path.map { $0 == absolute || $0.hasPrefix(absolute + "/") || $0.hasSuffix(node) || $0.contains(node + "/") }
                ?? false
        }

        if case .refused = damage.outcome {
            let before = BadInputTests.tree(fixture.root)
            let error = await #expect(throws: SweepError.self) {
                _ = try await StoreScanner(backend: try fixture.backend(), options: .inventory).scan()
            }
            #expect(names(error?.path), "\(String(describing: error))")
            for mode in BadInputTests.Mode.allCases {
                await #expect(throws: SweepError.self, "\(mode)") {
                    _ = try await Collector(backend: try fixture.backend(), options: mode.options).run()
                }
            }
            var after = BadInputTests.tree(fixture.root)
            after[StoreLock.fileName] = nil  // the lock real runs take before scanning
            #expect(after == before, "a refused store was changed")
            return
        }

        let snapshot = try await StoreScanner(backend: try fixture.backend(), options: .inventory).scan()
        let reported = snapshot.problems.contains { names($0.path) }
        switch damage.outcome {
        case .ordinary(problem: false, _, _):
            #expect(!snapshot.problems.contains { ($0.path ?? "").contains(Self.repository) }, "\(snapshot.problems)")
        default:
            #expect(reported, "no problem names \(node): \(snapshot.problems.map(\.description))")
        }
        #expect(!snapshot.problems.contains { ($0.path ?? "").contains("good/app") }, "\(snapshot.problems)")

        // Blobs the damage removed with the node (a shard, a blob directory) are not checked.
        let removed = { (digest: Digest) in
            FixtureStore.blobData(digest).hasPrefix(node + "/") || FixtureStore.blobData(digest) == node
        }
        var keep: [FixtureStore.Image] = [store.healthy]
        var keepUnlessUntaggedDeleted: [FixtureStore.Image] = []
        var sweepsBlobs = true
        switch damage.outcome {
        case .refused: return
        case .kept(let sweeps):
            keep += [store.a, store.b, store.c]
            sweepsBlobs = sweeps
        case .ordinary(_, let kept, let unless):
            keep += kept.map(store.image)
            keepUnlessUntaggedDeleted = unless.map(store.image)
        }
        for mode in BadInputTests.Mode.allCases {
            let orphan = try fixture.blob("an orphaned blob that nothing references, before the \(mode) run")
            let before = BadInputTests.tree(fixture.root)
            let report = try await Collector(backend: try fixture.backend(), options: mode.options).run()
            let mustStay = (keep + (mode.deleteUntagged ? [] : keepUnlessUntaggedDeleted)).flatMap(\.all).filter {
                !removed($0)
            }
            for digest in mustStay {
                #expect(fixture.hasBlob(digest), "\(mode): \(digest) was deleted")
                #expect(!report.eligibleBlobs.contains(digest), "\(mode): \(digest) was eligible")
            }
            if sweepsBlobs {
                #expect(report.eligibleBlobs.contains(orphan), "\(mode): the orphan must be found")
                #expect(fixture.hasBlob(orphan) == mode.dryRun, "\(mode): the orphan")
            } else {
                #expect(report.eligibleBlobs.isEmpty, "\(mode): nothing may be eligible: \(report.eligibleBlobs)")
                #expect(fixture.hasBlob(orphan), "\(mode): the orphan must stay")
                #expect(report.warnings.contains { $0.contains("no blob is deleted") }, "\(report.warnings)")
            }
            if mode.dryRun { #expect(BadInputTests.tree(fixture.root) == before, "\(mode) changed the store") }
        }
    }
}
