import Foundation
import RegistrySweep
import S3Storage
import Testing

/// The S3 backend under faults (503, SlowDown, resets, truncated bodies from a proxy in front of
/// SeaweedFS) and killed midway: it ends correct or refuses, never loses a kept image, and a rerun
/// converges.
@Suite(.serialized, .enabled(if: SeaweedServer.shouldRun && RegistryServer.shouldRun && S3Proxy.python != nil))
struct S3FaultTests {
    private func backend(_ fixture: S3BackendRegistryTests.Fixture, endpoint: String, attempts: Int = 8) throws
        -> S3Backend
    {
        let config = try RegistryConfig.load(path: fixture.registry.configPath.path)
        var storage = config.storage
        storage.parameters["regionendpoint"] = .string(endpoint)
        var configuration = try S3Configuration(storage: storage, environment: [:])
        configuration.maxAttempts = attempts
        configuration.retryDelay = 0.01
        configuration.maxRetryDelay = 0.1
        configuration.requestTimeout = 10
        return S3Backend(configuration)
    }

    /// No dangling reference: a fresh scan (straight to the server) finds no manifest naming a
    /// missing blob and no problem at all.
    private func expectConsistent(_ fixture: S3BackendRegistryTests.Fixture) async throws {
        let snapshot = try await StoreScanner(backend: fixture.backend, options: .inventory).scan()
        #expect(snapshot.problems.isEmpty, "\(snapshot.problems)")
    }

    @Test func faultsOnAFifthOfTheRequestsLoseNothing() async throws {
        let fixture = try await S3BackendRegistryTests.Fixture.make()
        defer { fixture.stop() }
        let proxy = try await S3Proxy.start(
            upstreamPort: fixture.s3.port,
            options: ["--fault-rate", "0.2", "--faults", "503,slowdown,reset,truncate", "--seed", "7"])
        defer { proxy.stop() }
        let faulty = try backend(fixture, endpoint: proxy.endpoint)
        var options = CollectOptions()
        options.dryRun = false
        options.deleteUntagged = true
        options.grace = 0
        options.uploadAge = 0
        options.prune = true
        options.concurrency = 8
        // Either the run completes (every fault retried) or it fails loudly; it never removes what
        // is in use. Runs repeat until one completes cleanly.
        var completed = false
        for _ in 0..<5 where !completed {
            do {
                let report = try await Collector(backend: faulty, options: options).run()
                completed = report.failures.isEmpty && report.problems.isEmpty
            } catch {
                #expect(error.code != .notFound, "\(error)")
            }
            try await expectConsistent(fixture)
        }
        let stats = try proxy.stopAndReadStats()
        #expect(stats.faulted > 10, "the proxy injected \(stats.faulted) faults")
        #expect(completed)
        #expect(faulty.requestCounts.retries > 0)
        // Nothing eligible is left, and every kept image pulls byte for byte.
        var dry = options
        dry.dryRun = true
        let left = try await Collector(backend: fixture.backend, options: dry).run()
        #expect(left.eligibleBlobs.isEmpty && left.eligibleManifests.isEmpty, "\(left.eligibleBlobs)")
        try await fixture.registry.restart()
        try await fixture.scenario.pullEverythingKept(fixture.registry)
    }

    @Test func aListingThatKeepsFailingDeletesNothing() async throws {
        let fixture = try await S3BackendRegistryTests.Fixture.make()
        defer { fixture.stop() }
        let before = try await fixture.s3.listAllKeys()
        let proxy = try await S3Proxy.start(
            upstreamPort: fixture.s3.port, options: ["--fault-rate", "1", "--faults", "503,truncate", "--only", "GET"])
        defer { proxy.stop() }
        var options = CollectOptions()
        options.dryRun = false
        options.deleteUntagged = true
        options.grace = 0
        options.uploadAge = 0
        await #expect(throws: SweepError.self) {
            _ = try await Collector(
                backend: try backend(fixture, endpoint: proxy.endpoint, attempts: 3), options: options
            ).run()
        }
        #expect(try await fixture.s3.listAllKeys() == before)
    }

    @Test func aSweepKilledAfterAnyBatchConvergesWithoutDanglingReferences() async throws {
        let fixture = try await S3BackendRegistryTests.Fixture.make()
        defer { fixture.stop() }
        let executable = try regsweepExecutable()
        let command = [
            "gc", "--config", fixture.registry.configPath.path, "-m", "--prune", "--grace", "0", "--uploads", "0",
            "--no-lock", "--concurrency", "4",
        ]
        var kills = 0
        var removals = 1
        while true {
            let run = try ChildProcess.run(executable.path, command + ["--crash-after-removals", String(removals)])
            try await expectConsistent(fixture)
            guard run.termination == .signaled(SIGKILL) else {
                #expect(run.termination == .exited(0), "\(run.errorText)")
                break
            }
            kills += 1
            removals += 1
        }
        #expect(kills >= 3, "the sweep was killed only \(kills) times")
        let final = try ChildProcess.run(executable.path, command + ["--dry-run", "--json"])
        #expect(final.termination == .exited(0), "\(final.errorText)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(final.output)) as? [String: Any])
        #expect((json["eligibleBlobs"] as? [Any])?.isEmpty == true, "\(final.outputText.prefix(400))")
        #expect((json["eligibleManifests"] as? [Any])?.isEmpty == true)
        try await fixture.registry.restart()
        try await fixture.scenario.pullEverythingKept(fixture.registry)
    }
}
