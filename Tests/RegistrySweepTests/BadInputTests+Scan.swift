import Foundation
import RegistrySweep
import Testing

/// What the scan says about tags, absent top-level directories and blob data: linkless tags
/// are the registry's unknown tags (no problem), a tag naming a manifest without a revision is
/// reported, a symlinked blob `data` is reported, and a store missing half its layout is refused.
extension BadInputTests {
    static func scanned(_ store: FixtureStore, _ options: ScanOptions = .inventory) async throws -> StoreSnapshot {
        try await StoreScanner(backend: try store.backend(), options: options).scan()
    }

    /// A tag directory without `current/link` (absent `current`, or `current/` without `link`: a
    /// tag delete killed midway) is recorded in `linklessTags` with its history, is not a
    /// problem, and does not keep the repository whole.
    @Test(arguments: [false, true])
    func tagWithoutCurrentLinkIsLinkless(keepCurrentDirectory: Bool) async throws {
        let store = try FixtureStore()
        let (tagged, untagged) = try Self.images(store)
        try store.tag(Self.repository, "v2", untagged.manifest)
        try store.remove(
            keepCurrentDirectory
                ? FixtureStore.tagCurrent(Self.repository, "v2")
                : "\(FixtureStore.repository(Self.repository))/_manifests/tags/v2/current")
        for options in [ScanOptions.inventory, Collector(backend: try store.backend()).scanOptions] {
            let snapshot = try await Self.scanned(store, options)
            #expect(snapshot.problems.isEmpty, "\(snapshot.problems)")
            let repository = try #require(snapshot.repositories.first { $0.name == Self.repository })
            #expect(!repository.isIncomplete)
            #expect(repository.tags.map(\.name) == ["v1"])
            #expect(repository.tags.first?.current == snapshot.id(of: tagged.manifest))
            let linkless = try #require(repository.linklessTags.first)
            #expect(repository.linklessTags.count == 1 && linkless.name == "v2")
            #expect(Array(repository.history(of: linkless)) == [snapshot.id(of: untagged.manifest)].compactMap { $0 })
        }
    }

    /// `current/link` (or `current`) of the wrong type is no linkless tag: a problem, and the
    /// repository is kept whole.
    @Test(arguments: ["directory", "dangling symlink at current", "dangling symlink at link"])
    func currentOfWrongTypeIsAProblem(_ damage: String) async throws {
        let store = try FixtureStore()
        let (_, untagged) = try Self.images(store)
        try store.tag(Self.repository, "v2", untagged.manifest)
        let link = FixtureStore.tagCurrent(Self.repository, "v2")
        let nowhere = store.outside.appendingPathComponent("nothing-here")
        switch damage {
        case "directory":
            try store.remove(link)
            try store.makeDirectory(link)
        case "dangling symlink at current":
            try store.remove("\(FixtureStore.repository(Self.repository))/_manifests/tags/v2/current")
            try store.symlink("\(FixtureStore.repository(Self.repository))/_manifests/tags/v2/current", to: nowhere)
        default:
            try store.remove(link)
            try store.symlink(link, to: nowhere)
        }
        let snapshot = try await Self.scanned(store)
        #expect(
            snapshot.problems.contains { $0.code == .wrongType && ($0.path ?? "").contains("/tags/v2/current") },
            "\(snapshot.problems)")
        let repository = try #require(snapshot.repositories.first { $0.name == Self.repository })
        #expect(repository.isIncomplete)
        #expect(repository.linklessTags.isEmpty)
    }

    /// A tag naming a manifest that has no revision link in the repository (the registry
    /// answers "manifest unknown") is reported; the manifest it names stays marked.
    @Test(arguments: Mode.allCases)
    func tagNamingAManifestWithoutRevisionIsReported(_ mode: Mode) async throws {
        let store = try FixtureStore()
        let (tagged, untagged) = try Self.images(store)
        try store.tag(Self.repository, "v2", untagged.manifest)
        try store.remove(FixtureStore.revisionLink(Self.repository, untagged.manifest))
        let snapshot = try await Self.scanned(store)
        #expect(
            snapshot.problems.contains {
                $0.code == .notFound && $0.digest == untagged.manifest
                    && ($0.path ?? "").hasSuffix("_manifests/revisions/sha256/\(untagged.manifest.hex)/link")
            }, "\(snapshot.problems)")
        #expect(snapshot.repositories.first { $0.name == Self.repository }?.isIncomplete == false)
        _ = try await Collector(backend: try store.backend(), options: mode.options).run()
        for digest in tagged.all + untagged.all { #expect(store.hasBlob(digest), "\(mode): \(digest) was deleted") }
    }

    /// A blob whose `data` is a symbolic link (here out of the root) is reported by an
    /// inventory scan as `.wrongType`; gc never follows it.
    @Test func symlinkedBlobDataIsReported() async throws {
        let store = try FixtureStore()
        let (tagged, _) = try Self.images(store)
        let target = try store.writeOutside("precious", "outside the store")
        let layer = tagged.layers[0]
        try store.remove(FixtureStore.blobData(layer))
        try store.symlink(FixtureStore.blobData(layer), to: target)
        let snapshot = try await Self.scanned(store)
        #expect(
            snapshot.problems.contains {
                $0.code == .wrongType && $0.digest == layer && ($0.path ?? "").hasSuffix(FixtureStore.blobData(layer))
            }, "\(snapshot.problems)")
        for mode in Mode.allCases { _ = try await Collector(backend: try store.backend(), options: mode.options).run() }
        #expect(FileManager.default.fileExists(atPath: target.path))
        #expect(store.exists(FixtureStore.blobData(layer)))
    }

    /// `repositories/` moved away while blobs exist, or `blobs/sha256` moved away while
    /// repositories name blobs: every blob (or link) would look unreferenced, so the store is
    /// refused and nothing changes. Without blobs and repositories, the store is just empty.
    @Test(arguments: ["repositories", "blobs/sha256", "blobs", "both"])
    func halfAStoreIsRefused(_ moved: String) async throws {
        let store = try FixtureStore()
        _ = try Self.images(store)
        for path in moved == "both" ? ["repositories", "blobs"] : [moved] {
            try FileManager.default.moveItem(
                at: store.root.appendingPathComponent("\(FixtureStore.v2)/\(path)"),
                to: store.outside.appendingPathComponent(path.replacingOccurrences(of: "/", with: "-")))
        }
        let before = Self.tree(store.root)
        if moved == "both" {
            let snapshot = try await Self.scanned(store)
            #expect(snapshot.problems.isEmpty && snapshot.blobCount == 0 && snapshot.repositories.isEmpty)
            return
        }
        let error = await #expect(throws: SweepError.self) { _ = try await Self.scanned(store) }
        #expect(error?.code == .invalidStore)
        #expect(
            error?.path?.hasSuffix(moved == "repositories" ? "v2/repositories" : "v2/blobs/sha256") == true,
            "\(String(describing: error))")
        for mode in Mode.allCases {
            let refusal = await #expect(throws: SweepError.self) {
                _ = try await Collector(backend: try store.backend(), options: mode.options).run()
            }
            #expect(refusal?.code == .invalidStore)
        }
        var after = Self.tree(store.root)
        after[StoreLock.fileName] = nil
        #expect(after == before)
    }
}
