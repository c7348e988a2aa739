import Foundation
import RegistrySweep
import Synchronization
import Testing

/// The filesystem backend's I/O threads: blocking calls leave the cooperative pool, a task that
/// prefers the executor makes calls without a hop, and the thread count is a bound.
@Suite struct IOExecutorTests {
    /// A directory with `count` files, removed by the caller.
    private static func directory(files count: Int) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rsw-io-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        for index in 0..<count {
            try Data("file \(index)".utf8).write(to: url.appendingPathComponent("f\(index)"))
        }
        return url
    }

    @Test func runExecutesOnAnExecutorThreadAndReturnsOrThrows() async throws {
        let executor = IOExecutor(threads: 2)
        #expect(!executor.isCurrent)
        let inside = await executor.run { executor.isCurrent }
        #expect(inside)
        #expect(!IOExecutor.shared.isCurrent)
        let error = await #expect(throws: SweepError.self) {
            try await executor.run { () throws(SweepError) in throw SweepError(.io, "planted") }
        }
        #expect(error?.message == "planted")
    }

    @Test func backendCallsRunOnTheBackendsExecutor() async throws {
        let url = try Self.directory(files: 3)
        defer { try? FileManager.default.removeItem(at: url) }
        let executor = IOExecutor(threads: 2)
        let backend = try FileSystemBackend(root: url.path, executor: executor)
        let before = executor.jobsRun
        let entries = try await backend.list("")
        #expect(entries.count == 3)
        let onExecutor = try await backend.withContents(of: "f1", limit: 64) { _ in executor.isCurrent }
        #expect(onExecutor)
        _ = try await backend.stat("f2")
        // Each call from a task that does not prefer the executor is (at least) one job on it.
        #expect(executor.jobsRun - before >= 3)
        // A view shares the executor.
        let view = try await backend.subdirectory("")
        #expect(view.taskExecutor === executor)
    }

    @Test func aTaskPreferringTheExecutorMakesCallsWithoutHops() async throws {
        let url = try Self.directory(files: 2)
        defer { try? FileManager.default.removeItem(at: url) }
        let executor = IOExecutor(threads: 2)
        let backend = try FileSystemBackend(root: url.path, executor: executor)
        let before = executor.jobsRun
        let total = try await withTaskExecutorPreference(backend.taskExecutor) { () async throws(SweepError) -> Int in
            var total = 0
            for _ in 0..<200 { total += try await backend.list("").count }
            return total
        }
        #expect(total == 400)
        // Moving onto the executor and back costs a few jobs, not one per call.
        #expect(executor.jobsRun - before < 20)
    }

    @Test func noMoreThanThreadCountCallsRunAtOnce() async throws {
        let executor = IOExecutor(threads: 3)
        final class Counts: Sendable { let value = Mutex((running: 0, most: 0)) }
        let counts = Counts()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    _ = await executor.run {
                        counts.value.withLock {
                            $0.running += 1
                            $0.most = max($0.most, $0.running)
                        }
                        usleep(2_000)  // a blocking call
                        counts.value.withLock { $0.running -= 1 }
                    }
                }
            }
        }
        let most = counts.value.withLock { $0.most }
        #expect(most <= 3)
        #expect(most >= 2)  // blocking work overlaps beyond the cooperative pool's width on 1–2 cores
        #expect(executor.runningThreads <= 3)
    }

    @Test func idleThreadsExit() async throws {
        let executor = IOExecutor(threads: 2)
        #expect(await executor.run { executor.runningThreads } == 1)
        var waited = 0
        while executor.runningThreads > 0 && waited < 300 {
            try await Task.sleep(nanoseconds: 100_000_000)
            waited += 1
        }
        #expect(executor.runningThreads == 0)
        // A new call starts a thread again.
        #expect(await executor.run { executor.isCurrent })
    }
}
