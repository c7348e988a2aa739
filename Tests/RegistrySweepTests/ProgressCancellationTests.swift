import Foundation
import RegistrySweep
import Synchronization
import Testing

/// Progress events and cancellation, on stores written by the real registry.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct ProgressCancellationTests {
    private final class Events: Sendable {
        let list = Mutex<[ProgressEvent]>([])
        var observer: ProgressObserver { ProgressObserver { event in self.list.withLock { $0.append(event) } } }
        var all: [ProgressEvent] { list.withLock { $0 } }
    }

    private func options(dryRun: Bool) -> CollectOptions {
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = true
        options.grace = 0
        options.uploadAge = 0
        options.prune = true
        return options
    }

    @Test func progressFollowsEveryPhaseAndAddsUp() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        _ = try await RegistryScenario.build(registry)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let events = Events()
        var options = options(dryRun: false)
        options.progress = events.observer
        let report = try await Collector(backend: backend, options: options).run()
        let removed = try #require(report.removed)
        let seen = events.all
        let phases = Set(seen.map(\.phase))
        for phase in [
            ProgressEvent.Phase.listBlobs, .listRepositories, .readManifests, .mark, .plan, .removeManifests,
            .removeLinks, .removeBlobs, .removeUploads,
        ] {
            #expect(phases.contains(phase), "no \(phase) event")
        }
        // Per phase, `done` never goes back and never passes `total`.
        for phase in phases {
            let mine = seen.filter { $0.phase == phase }
            #expect(zip(mine, mine.dropFirst()).allSatisfy { $0.done <= $1.done }, "\(phase): \(mine.map(\.done))")
            #expect(mine.allSatisfy { $0.total == nil || $0.done <= $0.total! }, "\(phase)")
        }
        let lastBlobs = try #require(seen.last { $0.phase == .removeBlobs })
        #expect(
            lastBlobs.done == removed.blobs && lastBlobs.bytes == removed.bytes
                && lastBlobs.total == report.eligibleBlobs.count)
        let lastShards = try #require(seen.last { $0.phase == .listBlobs })
        #expect(lastShards.done == lastShards.total)
        let lastRepositories = try #require(seen.last { $0.phase == .listRepositories })
        #expect(lastRepositories.done == 5)
        #expect(seen.last { $0.phase == .removeManifests }?.done == removed.manifests)
    }

    @Test func cancelledScanThrowsAndChangesNothing() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        _ = try await RegistryScenario.build(registry)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let before = fileList(registry.rootDirectory)
        let options = options(dryRun: false)
        let task = Task { try await Collector(backend: backend, options: options).run() }
        task.cancel()
        let error = await #expect(throws: SweepError.self) { try await task.value }
        #expect(error?.code == .cancelled)
        #expect(fileList(registry.rootDirectory) == before)
    }

    @Test func cancelledSweepStopsSafelyAndTheNextRunFinishes() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        let root = registry.rootDirectory
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("regsweep-cancel-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: root, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }

        var slow = options(dryRun: false)
        slow.pauseAfterEachDeletion = 0.03
        slow.concurrency = 1
        // Cancelled once the removals have begun (a fixed sleep cancelled a slow CI machine's scan).
        let events = Events()
        slow.progress = events.observer
        let backend = try FileSystemBackend(root: root.path)
        let task = Task { try await Collector(backend: backend, options: slow).run() }
        let removals: Set<ProgressEvent.Phase> = [.removeManifests, .removeLinks, .removeBlobs]
        for _ in 0..<1200 where !events.all.contains(where: { removals.contains($0.phase) && $0.done > 0 }) {
            try await Task.sleep(nanoseconds: 25_000_000)
        }
        task.cancel()
        let report = try await task.value
        #expect(report.cancelled)
        #expect(report.warnings.contains { $0.hasPrefix("cancelled") })
        let removed = try #require(report.removed)
        let total = report.eligibleBlobs.count + report.eligibleManifests.count + report.eligibleLinks.count
        #expect(removed.blobs + removed.manifests + removed.links < total, "it stopped before the end")
        let interrupted = try await StoreScanner(backend: backend, options: .inventory).scan()
        #expect(interrupted.problems.filter { $0.code == .missingBlob }.isEmpty, "\(interrupted.problems)")

        // The next run finishes: the same files as one uninterrupted run.
        _ = try await Collector(backend: backend, options: options(dryRun: false)).run()
        _ = try await Collector(backend: try FileSystemBackend(root: copy.path), options: options(dryRun: false)).run()
        #expect(treeList(root) == treeList(copy))
        try await registry.restart()
        try await scenario.pullEverythingKept(registry)
    }

    @Test func sigintStopsTheCommandWithStatus130() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        // Output to a file: the child runs in the background while the test signals it.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "regsweep-sigint-\(UUID().uuidString).log"
        ).path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let process = try ChildProcess.spawn(
            try regsweepExecutable().path,
            // One removal at a time: the pauses add up (with the default concurrency they overlap,
            // and a loaded CI machine saw the whole sweep end before the first progress line).
            [
                "gc", registry.rootDirectory.path, "-m", "--grace", "0", "--uploads", "0", "--pause-ms", "250",
                "--concurrency", "1",
                "--progress", "always",
            ],
            output: .appended(to: log), error: .sameAsOutput)
        // The first progress line comes from inside the run, where the signal handler is in
        // place (a fixed sleep raced the start of a debug build on a loaded machine).
        for _ in 0..<600 where ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").isEmpty {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(process.isRunning, "the sweep should still be running")
        process.send(SIGINT)
        let termination = process.wait()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(termination == .exited(130), "\(termination): \(output)")
        #expect(output.contains("interrupted") && output.contains("cancelled"), "\(output)")
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let after = try await StoreScanner(backend: backend, options: .inventory).scan()
        #expect(after.problems.filter { $0.code == .missingBlob }.isEmpty, "\(after.problems)")
        try await registry.restart()
        try await scenario.pullEverythingKept(registry)
    }
}
