import Foundation
import RegistrySweep
import Testing

/// Symbolic links inside the repository tree that point outside the store. They are never
/// followed to modify anything: the files they point to must survive every gc, and what the
/// registry could reach through them (it does follow symlinks) must not lose its blobs.
extension BadInputTests {
    /// Moves a directory of the store to `outside/<name>` and leaves a symlink in its place.
    static func moveOutside(_ store: FixtureStore, _ path: String, as name: String) throws -> URL {
        let target = store.outside.appendingPathComponent(name)
        try FileManager.default.moveItem(at: store.root.appendingPathComponent(path), to: target)
        try store.symlink(path, to: target)
        return target
    }

    /// Every regular file under `url`.
    static func files(under url: URL) -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true
        }
    }

    static let symlinkDamages: [Damage] = [
        Damage(name: "symlinked tag directory", apply: symlinkedTagDirectory),
        Damage(name: "symlinked revision directory", apply: symlinkedRevisionDirectory),
        Damage(name: "symlinked _layers", apply: symlinkedLayers),
        Damage(name: "symlinked _manifests", apply: symlinkedManifests),
        Damage(name: "symlinked _manifests/revisions", apply: symlinkedManifestsRevisions),
        Damage(name: "symlinked repository", apply: symlinkedRepository),
        Damage(name: "symlinked tag history", apply: symlinkedTagHistory),
    ]

    static func symlinkedTagDirectory(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let target = store.outside.appendingPathComponent("tag-v2")
        let current = try store.writeOutside("tag-v2/current/link", "sha256:\(untagged.manifest.hex)")
        let index = try store.writeOutside(
            "tag-v2/index/sha256/\(untagged.manifest.hex)/link", "sha256:\(untagged.manifest.hex)")
        try store.symlink("\(FixtureStore.repository(repository))/_manifests/tags/v2", to: target)
        // The registry resolves broken/app:v2 through the link: the untagged image is tagged for it.
        return Expectation(
            problems: [(.invalidStore, "\(repositoryPath)/_manifests/tags/v2")],
            keep: tagged.all + untagged.all, outsideFiles: [current, index])
    }

    static func symlinkedRevisionDirectory(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let revision = "\(FixtureStore.repository(repository))/_manifests/revisions/sha256/\(untagged.manifest.hex)"
        let target = try moveOutside(store, revision, as: "revision")
        return Expectation(
            problems: [(.invalidStore, "_manifests/revisions/sha256/\(untagged.manifest.hex)")],
            keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all, outsideFiles: files(under: target))
    }

    static func symlinkedLayers(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let target = try moveOutside(store, "\(FixtureStore.repository(repository))/_layers", as: "layers")
        // A dangling layer link: gc removes such links, but never through a symlink.
        let gone = FixtureStore.digest(of: Array("a blob that is gone".utf8))
        try store.writeOutside("layers/sha256/\(gone.hex)/link", "sha256:\(gone.hex)")
        return Expectation(
            problems: [(.invalidStore, "\(repositoryPath)/_layers")],
            keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all, outsideFiles: files(under: target))
    }

    static func symlinkedManifests(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let target = try moveOutside(store, "\(FixtureStore.repository(repository))/_manifests", as: "manifests")
        return Expectation(
            problems: [(.invalidStore, "\(repositoryPath)/_manifests")],
            keep: tagged.all + untagged.all, outsideFiles: files(under: target))
    }

    static func symlinkedManifestsRevisions(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let target = try moveOutside(
            store, "\(FixtureStore.repository(repository))/_manifests/revisions", as: "revisions")
        return Expectation(
            problems: [(.invalidStore, "\(repositoryPath)/_manifests/revisions")],
            keep: tagged.all + untagged.all, outsideFiles: files(under: target))
    }

    static func symlinkedRepository(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        // A repository that lives outside: its blobs are in this store, its links are not.
        let foreign = try store.image("linked", tag: "latest", seed: "linked")
        let target = try moveOutside(store, FixtureStore.repository("linked"), as: "linked")
        return Expectation(
            problems: [(.invalidStore, "repositories/linked")],
            // Repositories behind the link are unknown: no blob at all is provably garbage.
            keep: tagged.all + foreign.all, keepUnlessUntaggedDeleted: untagged.all, outsideFiles: files(under: target),
            sweepsBlobs: false)
    }

    static func symlinkedTagHistory(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        // A stale history entry (a manifest long gone): gc cleans such entries, but not through a link.
        let stale = FixtureStore.digest(of: Array("a manifest that is gone".utf8))
        try store.link(FixtureStore.tagIndex(repository, "v1", stale), to: stale)
        let target = try moveOutside(
            store, "\(FixtureStore.repository(repository))/_manifests/tags/v1/index", as: "index")
        return Expectation(
            problems: [], keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all, outsideFiles: files(under: target))
    }

    /// The storage backend itself refuses to remove anything through a symlinked parent, whatever
    /// the caller planned: the last line of "nothing outside the store root is touched".
    @Test func removalNeverPassesThroughASymlink() async throws {
        let store = try FixtureStore()
        let file = try store.writeOutside("victim/sub/file", "precious")
        let directory = file.deletingLastPathComponent()
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("empty"), withIntermediateDirectories: true)
        try store.symlink(
            "\(FixtureStore.v2)/repositories/app/_layers", to: store.outside.appendingPathComponent("victim"))
        let backend = try store.backend()
        let base = "\(FixtureStore.v2)/repositories/app/_layers"
        for attempt in 0..<3 {
            let error = await #expect(throws: SweepError.self) {
                switch attempt {
                case 0: try await backend.removeTree("\(base)/sub")
                case 1: try await backend.removeFile("\(base)/sub/file")
                default: _ = try await backend.removeEmptyDirectory("\(base)/sub/empty")
                }
            }
            #expect(error?.code == .invalidStore)
            #expect(error?.path?.hasSuffix("repositories/app/_layers") == true)
        }
        #expect(FileManager.default.fileExists(atPath: file.path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("empty").path))
        // The link itself is inside the store: removing it removes the link, never its target.
        try await backend.removeTree(base)
        #expect(!store.exists(base))
        #expect(FileManager.default.fileExists(atPath: file.path))
        // Missing paths are still not an error for removeTree.
        try await backend.removeTree("\(FixtureStore.v2)/repositories/absent/_layers/sha256")
    }
}
