import Foundation
import RegistrySweep
import Testing

/// Damaged stores, written by hand: every kind of damage is reported with its code and path,
/// nothing crashes, and `gc` (dry run and real, with and without delete-untagged, no grace)
/// deletes none of the blobs the damaged repository could still reference while it still
/// deletes a genuinely orphaned blob in the same store, so each test can fail both ways.
@Suite struct BadInputTests {
    /// How `gc` is run on a damaged store.
    enum Mode: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case dryRun, dryRunDeleteUntagged, real, realDeleteUntagged

        var dryRun: Bool { self == .dryRun || self == .dryRunDeleteUntagged }
        var deleteUntagged: Bool { self == .dryRunDeleteUntagged || self == .realDeleteUntagged }
        var testDescription: String { rawValue }

        var options: CollectOptions {
            var options = CollectOptions()
            options.dryRun = dryRun
            options.deleteUntagged = deleteUntagged
            options.grace = 0
            return options
        }
    }

    /// What a damaged store must produce.
    struct Expectation {
        /// Problems the inventory scan must report: code and the end of the path.
        var problems: [(code: SweepError.Code, path: String)]
        /// Blobs no gc may delete.
        var keep: [Digest]
        /// Blobs only an explicit delete-untagged run may delete.
        var keepUnlessUntaggedDeleted: [Digest] = []
        /// Paths under the store root that must survive.
        var files: [String] = []
        /// Files outside the store that must survive.
        var outsideFiles: [URL] = []
        /// A repository whose problems the scan must not mention (damage that is not a problem).
        var quietRepository: String?
        /// False when the damage hides part of the tree, so no blob (not even an orphan) may go.
        var sweepsBlobs = true
    }

    /// One kind of damage, applied to a store that already holds a healthy repository and an orphan.
    struct Damage: Sendable, CustomTestStringConvertible {
        var name: String
        var apply: @Sendable (FixtureStore) throws -> Expectation
        var testDescription: String { name }
    }

    static let repository = "broken/app"

    /// A tagged image (`v1`) and an untagged one in the damaged repository.
    static func images(_ store: FixtureStore, _ name: String = repository) throws -> (
        FixtureStore.Image, FixtureStore.Image
    ) {
        (
            try store.image(name, tag: "v1", seed: "\(name) tagged"),
            try store.image(name, tag: nil, seed: "\(name) untagged")
        )
    }

    /// Every path under `url`, not following symbolic links, with file contents: a dry run must leave it unchanged.
    static func tree(_ url: URL) -> [String: Data] {
        var result: [String: Data] = [:]
        let manager = FileManager.default
        func walk(_ path: String) {
            guard let names = try? manager.contentsOfDirectory(atPath: url.appendingPathComponent(path).path) else {
                return
            }
            for name in names {
                let child = path.isEmpty ? name : "\(path)/\(name)"
                let full = url.appendingPathComponent(child).path
                let type = (try? manager.attributesOfItem(atPath: full))?[.type] as? FileAttributeType
                switch type {
                case .typeDirectory?:
                    result[child + "/"] = Data()
                    walk(child)
                case .typeSymbolicLink?:
                    result[child + " ->"] = Data(((try? manager.destinationOfSymbolicLink(atPath: full)) ?? "").utf8)
                default:
                    result[child] = manager.contents(atPath: full) ?? Data()
                }
            }
        }
        walk("")
        return result
    }

    /// Scans the damaged store, then runs gc on it in the four modes from least to most
    /// destructive (dry run, dry run with delete-untagged, real, real with delete-untagged); a
    /// fresh orphan is added before each real run so that each one must delete something.
    @Test(arguments: damages)
    func damageIsReportedAndLosesNothing(_ damage: Damage) async throws {
        let store = try FixtureStore()
        let healthy = try store.image("good/app", tag: "v1", seed: "healthy")
        let expected = try damage.apply(store)

        let snapshot = try await StoreScanner(backend: try store.backend(), options: .inventory).scan()
        for (code, path) in expected.problems {
            #expect(
                snapshot.problems.contains { $0.code == code && ($0.path ?? "").hasSuffix(path) },
                "expected \(code) at …\(path); got \(snapshot.problems.map(\.description))")
        }
        if let quiet = expected.quietRepository {
            #expect(!snapshot.problems.contains { ($0.path ?? "").contains("/\(quiet)/") }, "\(snapshot.problems)")
        }
        #expect(!snapshot.problems.contains { ($0.path ?? "").contains("good/app") }, "\(snapshot.problems)")

        for mode in Mode.allCases {
            let orphan = try store.blob("an orphaned blob that nothing references, before the \(mode) run")
            let before = Self.tree(store.root)
            let report = try await Collector(backend: try store.backend(), options: mode.options).run()
            let mustStay = healthy.all + expected.keep + (mode.deleteUntagged ? [] : expected.keepUnlessUntaggedDeleted)
            for digest in mustStay {
                #expect(store.hasBlob(digest), "\(mode): \(digest) was deleted")
                #expect(!report.eligibleBlobs.contains(digest), "\(mode): \(digest) was eligible")
            }
            if expected.sweepsBlobs {
                #expect(report.eligibleBlobs.contains(orphan), "\(mode): the orphan must be found")
                #expect(store.hasBlob(orphan) == mode.dryRun, "\(mode): the orphan")
            } else {
                #expect(report.eligibleBlobs.isEmpty, "\(mode): nothing may be eligible")
                #expect(store.hasBlob(orphan), "\(mode): the orphan must stay")
                #expect(report.warnings.contains { $0.contains("no blob is deleted") })
            }
            for file in expected.files { #expect(store.exists(file), "\(mode): \(file) was removed") }
            for url in expected.outsideFiles {
                #expect(
                    FileManager.default.fileExists(atPath: url.path),
                    "\(mode): \(url.path) outside the store was removed")
            }
            if mode.dryRun { #expect(Self.tree(store.root) == before, "\(mode) changed the store") }
        }
    }

    /// Control: without damage, the same store loses the untagged image to delete-untagged, so
    /// the keepers above are protected by the damage handling, not by the setup.
    @Test(arguments: Mode.allCases)
    func untaggedImageGoesOnlyWhenAsked(_ mode: Mode) async throws {
        let store = try FixtureStore()
        let (tagged, untagged) = try Self.images(store)
        let orphan = try store.blob("an orphaned blob that nothing references")
        let snapshot = try await StoreScanner(backend: try store.backend(), options: .inventory).scan()
        #expect(snapshot.problems.isEmpty, "\(snapshot.problems)")
        let report = try await Collector(backend: try store.backend(), options: mode.options).run()
        #expect(report.failures.isEmpty)
        for digest in tagged.all { #expect(store.hasBlob(digest)) }
        let collected = Set(report.eligibleBlobs)
        #expect(collected == Set(([orphan] + (mode.deleteUntagged ? untagged.all : []))))
        for digest in untagged.all { #expect(store.hasBlob(digest) == (mode.dryRun || !mode.deleteUntagged)) }
        #expect(
            !store.exists(FixtureStore.revisionLink(Self.repository, untagged.manifest))
                == (mode == .realDeleteUntagged))
    }

    /// A root that is not a registry store is refused before anything is read or removed.
    @Test func notAStoreIsRefused() async throws {
        let store = try FixtureStore()
        let elsewhere = store.outside.appendingPathComponent("not-a-store")
        try FileManager.default.createDirectory(
            at: elsewhere.appendingPathComponent("docker/registry"), withIntermediateDirectories: true)
        let keep = elsewhere.appendingPathComponent("docker/registry/precious")
        try Data("keep".utf8).write(to: keep)
        let backend = try FileSystemBackend(root: elsewhere.path)
        let scanError = await #expect(throws: SweepError.self) { try await StoreScanner(backend: backend).scan() }
        #expect(scanError?.code == .invalidStore)
        #expect(scanError?.path == elsewhere.path)
        for dryRun in [true, false] {
            var options = CollectOptions()
            options.dryRun = dryRun
            options.grace = 0
            let error = await #expect(throws: SweepError.self) {
                try await Collector(backend: backend, options: options).run()
            }
            #expect(error?.code == .invalidStore)
        }
        #expect(FileManager.default.fileExists(atPath: keep.path))
        let missing = #expect(throws: SweepError.self) {
            try FileSystemBackend(root: elsewhere.appendingPathComponent("absent").path)
        }
        #expect(missing?.code == .notFound)
    }

    /// The journal of an interrupted delete that is damaged (not JSON, or naming something that
    /// is not a digest) makes a real gc, delete and retain refuse before removing anything; a
    /// dry run does not read it. The same journal, valid, is finished.
    @Test func damagedDeleteJournalIsRefused() async throws {
        let store = try FixtureStore()
        let orphan = try store.blob("an orphaned blob that nothing references")
        let journal = ".regsweep-delete.journal"
        let valid = """
            {"blobCandidates":["\(orphan)"],"deadRevisions":{},"prune":false,"scannedAt":0,"tags":[],\
            "targets":[],"version":1,"wholeRepositories":[]}
            """
        for damaged in [
            "{not json",
            valid.replacingOccurrences(of: "\(orphan)", with: "sha256:\(String(repeating: "G", count: 64))"),
        ] {
            try store.write(journal, damaged)
            var options = CollectOptions()
            options.dryRun = false
            options.grace = 0
            let gc = await #expect(throws: SweepError.self) {
                try await Collector(backend: try store.backend(), options: options).run()
            }
            #expect(gc?.code == .invalidStore && gc?.path?.hasSuffix(journal) == true)
            var delete = DeleteOptions()
            delete.dryRun = false
            let deleted = await #expect(throws: SweepError.self) {
                try await ImageDeleter(backend: try store.backend(), options: delete).run([
                    DeleteTarget(repository: "none", tag: nil)
                ])
            }
            #expect(deleted?.code == .invalidStore)
            var retain = RetentionOptions()
            retain.dryRun = false
            let retained = await #expect(throws: SweepError.self) {
                try await Retainer(backend: try store.backend(), options: retain).run(
                    try RetentionPolicy(rules: [RetentionRule(keepLast: 1)]))
            }
            #expect(retained?.code == .invalidStore)
            #expect(store.hasBlob(orphan), "nothing is removed past a damaged journal")
            options.dryRun = true
            let dry = try await Collector(backend: try store.backend(), options: options).run()
            #expect(dry.eligibleBlobs == [orphan])
        }
        try store.write(journal, valid)
        var options = CollectOptions()
        options.dryRun = false
        options.grace = 0
        _ = try await Collector(backend: try store.backend(), options: options).run()
        #expect(!store.hasBlob(orphan) && !store.exists(journal), "a valid journal is finished and removed")
    }

    /// An empty store (the registry's directories, nothing in them) scans clean.
    @Test func emptyStoreScansClean() async throws {
        let store = try FixtureStore()
        let snapshot = try await StoreScanner(backend: try store.backend(), options: .inventory).scan()
        #expect(snapshot.problems.isEmpty && snapshot.repositories.isEmpty && snapshot.blobCount == 0)
        var options = CollectOptions()
        options.dryRun = false
        let report = try await Collector(backend: try store.backend(), options: options).run()
        #expect(report.eligibleBlobs.isEmpty && report.failures.isEmpty)
    }

    /// A second real gc while one holds the store lock is refused and changes nothing; a dry run still works.
    @Test func concurrentRealRunIsLocked() async throws {
        let store = try FixtureStore()
        let orphan = try store.blob("an orphaned blob that nothing references")
        let backend = try store.backend()
        var options = CollectOptions()
        options.dryRun = false
        options.grace = 0
        var lock: StoreLock? = try StoreLock(root: backend)
        let error = await #expect(throws: SweepError.self) {
            try await Collector(backend: backend, options: options).run()
        }
        #expect(error?.code == .locked)
        #expect(error?.path?.hasSuffix(StoreLock.fileName) == true)
        let deleter = await #expect(throws: SweepError.self) {
            var deleteOptions = DeleteOptions()
            deleteOptions.dryRun = false
            return try await ImageDeleter(backend: backend, options: deleteOptions).run([
                DeleteTarget(repository: "any")
            ])
        }
        #expect(deleter?.code == .locked)
        #expect(store.hasBlob(orphan), "a locked run deleted something")
        #expect(throws: SweepError.self) { try StoreLock(root: try store.backend()) }

        var dry = options
        dry.dryRun = true
        let preview = try await Collector(backend: backend, options: dry).run()
        #expect(preview.eligibleBlobs == [orphan])
        #expect(store.hasBlob(orphan))

        withExtendedLifetime(lock) {}
        lock = nil
        let report = try await Collector(backend: backend, options: options).run()
        #expect(report.eligibleBlobs == [orphan])
        #expect(!store.hasBlob(orphan))
    }
}
