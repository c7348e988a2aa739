import Foundation
import RegistrySweep
import Testing

/// Scan, mark, plan and sweep on an ``InMemoryBackend``: no disk, and the same results as the
/// same store on disk.
@Suite struct InMemoryCollectTests {
    static func options(dryRun: Bool, deleteUntagged: Bool = false, grace: Double = 3600) -> CollectOptions {
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = deleteUntagged
        options.grace = grace
        options.uploadAge = nil
        return options
    }

    @Test func scannerSeesTheWholeStore() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        let snapshot = try await StoreScanner(backend: backend).scan()
        #expect(snapshot.problems.isEmpty)
        #expect(snapshot.isTreeComplete)
        #expect(Set(snapshot.repositories.map(\.name)) == ["app", "team/multi"])
        #expect(snapshot.blobCount == Set(store.live + store.old.all + [store.orphan]).count)
        #expect(snapshot.manifests.count == 6)
        let app = try #require(snapshot.repositories.first { $0.name == "app" })
        #expect(app.tags.map(\.name) == ["v1"])
        #expect(app.revisions.count == 3)
    }

    @Test func realRunsDeleteOnlyGarbage() async throws {
        for deleteUntagged in [false, true] {
            let (backend, store) = try MemoryStore.inMemory()
            let report = try await Collector(
                backend: backend, options: Self.options(dryRun: false, deleteUntagged: deleteUntagged)
            ).run()
            #expect(report.problems.isEmpty && report.failures.isEmpty)
            let expected = deleteUntagged ? [store.orphan] + store.old.all : [store.orphan]
            #expect(Set(report.eligibleBlobs) == Set(expected))
            #expect(report.removed?.blobs == expected.count)
            for digest in expected { #expect(backend.contents(of: FixtureStore.blobData(digest)) == nil) }
            for digest in store.live { #expect(backend.contents(of: FixtureStore.blobData(digest)) != nil) }
            #expect(!backend.isLocked, "the lock is released after the run")
        }
    }

    @Test func graceKeepsWhatTheClockSaysIsYoung() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        // The orphan was written "now": younger than the hour of grace.
        try backend.setModificationTime(FixtureStore.blobData(store.orphan), seconds: Timestamp.now() - 60)
        var report = try await Collector(backend: backend, options: Self.options(dryRun: true)).run()
        #expect(report.eligibleBlobs.isEmpty)
        #expect(report.keptYoungBlobs == 1)
        try backend.setModificationTime(FixtureStore.blobData(store.orphan), seconds: Timestamp.now() - 7200)
        report = try await Collector(backend: backend, options: Self.options(dryRun: true)).run()
        #expect(report.eligibleBlobs == [store.orphan])
    }

    @Test func aBackendThatCannotLockRefusesRealRuns() async throws {
        let (memory, store) = try MemoryStore.inMemory()
        let backend = RequiredOperationsOnly(base: memory)
        let dry = try await Collector(backend: backend, options: Self.options(dryRun: true)).run()
        #expect(dry.eligibleBlobs == [store.orphan], "a dry run needs no lock")
        let error = await #expect(throws: SweepError.self) {
            _ = try await Collector(backend: backend, options: Self.options(dryRun: false)).run()
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix("this backend cannot lock the store") == true)
        let deleteError = await #expect(throws: SweepError.self) {
            var deleteOptions = DeleteOptions()
            deleteOptions.dryRun = false
            _ = try await ImageDeleter(backend: backend, options: deleteOptions).run([
                DeleteTarget(repository: "app", tag: "v1")
            ])
        }
        #expect(deleteError?.code == .invalidArgument)
        #expect(memory.contents(of: FixtureStore.blobData(store.orphan)) != nil, "nothing was swept unlocked")
        #expect(memory.contents(of: FixtureStore.tagCurrent("app", "v1")) != nil)
    }

    @Test func aHeldLockStopsARealRun() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        let held = try await backend.lock()
        let error = await #expect(throws: SweepError.self) {
            _ = try await Collector(backend: backend, options: Self.options(dryRun: false)).run()
        }
        #expect(error?.code == .locked)
        #expect(backend.contents(of: FixtureStore.blobData(store.orphan)) != nil)
        held.release()
        _ = try await Collector(backend: backend, options: Self.options(dryRun: false)).run()
        #expect(backend.contents(of: FixtureStore.blobData(store.orphan)) == nil)
    }

    /// The same store written to disk and to memory: same report, same files left.
    @Test(arguments: [false, true])
    func inMemoryCollectsLikeTheFilesystem(deleteUntagged: Bool) async throws {
        let fixture = try FixtureStore()
        _ = try MemoryStore { path, bytes in try fixture.write(path, bytes) }
        let disk = try fixture.backend()
        let (memory, _) = try MemoryStore.inMemory()
        // Grace 0: the disk store was written just now.
        for dryRun in [true, false] {
            let options = Self.options(dryRun: dryRun, deleteUntagged: deleteUntagged, grace: 0)
            let onDisk = try await Collector(backend: disk, options: options).run()
            let inMemory = try await Collector(backend: memory, options: options).run()
            #expect(onDisk.problems.isEmpty && inMemory.problems.isEmpty)
            #expect(onDisk.failures.isEmpty && inMemory.failures.isEmpty)
            #expect(onDisk.markedBlobs == inMemory.markedBlobs)
            #expect(onDisk.totalBlobs == inMemory.totalBlobs && onDisk.totalManifests == inMemory.totalManifests)
            #expect(onDisk.eligibleBlobs.sorted() == inMemory.eligibleBlobs.sorted())
            #expect(onDisk.eligibleBytes == inMemory.eligibleBytes)
            #expect(Set(onDisk.eligibleManifests) == Set(inMemory.eligibleManifests))
            #expect(Set(onDisk.eligibleLinks) == Set(inMemory.eligibleLinks))
            #expect(onDisk.eligibleRepositories.sorted() == inMemory.eligibleRepositories.sorted())
            #expect(onDisk.removed == inMemory.removed)
            #expect(onDisk.skipped.isEmpty && inMemory.skipped.isEmpty)
            #expect(!onDisk.eligibleBlobs.isEmpty, "there is garbage to compare")
        }
        #expect(fileList(fixture.root).filter { $0.hasPrefix("docker/") } == memory.filePaths())
    }

    @Test func verifyStreamsThroughAnyBackend() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        var report = try await StoreVerifier(backend: backend).verify()
        #expect(report.isClean)
        #expect(report.verified == report.blobs && report.blobs > 0)
        // Corrupt a live layer in place: found, and charged to the tag it breaks.
        try backend.write(FixtureStore.blobData(store.app.layers[0]), "not the layer")
        report = try await StoreVerifier(backend: backend).verify()
        #expect(report.corrupt == 1)
        #expect(report.brokenTags == ["app:v1"])
        // An unreadable blob is a problem, not a crash.
        backend.inject(.init(.read, .path(FixtureStore.blobData(store.index)), SweepError(.io, "disk error")))
        report = try await StoreVerifier(backend: backend).verify()
        #expect(report.problems.contains { $0.code == .io && $0.digest == store.index })
        #expect(backend.injectedFailures > 0)
        #expect(report.brokenTags.contains("team/multi:latest"))
        let quarantine = await #expect(throws: SweepError.self) {
            _ = try await StoreVerifier(backend: backend, options: VerifyOptions(mode: .full, quarantine: "/tmp"))
                .verify()
        }
        #expect(quarantine?.code == .invalidArgument)
    }
}
