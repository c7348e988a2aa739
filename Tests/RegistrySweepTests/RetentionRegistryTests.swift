import Foundation
import RegistrySweep
import Testing

/// `retain` against stores written by the real registry: for each rule kind and their
/// combination, the dry run names exactly the expected tags; the real run removes them (kept
/// tags pull byte-exact, deleted ones are 404, signatures and index children follow their tag),
/// the bytes reported are the bytes that left the store, and the reference GC finds nothing left
/// that the run should have freed.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct RetentionRegistryTests {
    /// One rule kind (or combination) and the tags it must delete from ``RetentionScenario``.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Rules as policy YAML (run through `regsweep retain --policy` when `viaCLI`).
        var policy: String
        var scope: [String] = []
        var collect: Bool
        var viaCLI = false
        var deleted: Set<String>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "keep-last 3 with collect",
            policy: "rules:\n  - repositories: [\"**\"]\n    keepLast: 3\n", collect: true,
            deleted: ["team/app:b1", "team/app:b2", "team/app:b3", "team/app:v1.2.0", "other/svc:1"]),
        Case(
            name: "keep-tag (latest, release pattern) with keep-last 0",
            policy:
                "rules:\n  - repositories: [\"**\"]\n    keepLast: 0\n    keepTags: [\"latest\", 'v[0-9]+\\.[0-9]+\\.[0-9]+']\n",
            collect: false,
            deleted: [
                "team/app:b1", "team/app:b2", "team/app:b3", "team/app:b4", "team/app:b5", "team/multi:1.0",
                "team/multi:2.0",
                "team/multi:dev", "other/svc:1", "other/svc:2", "other/svc:3", "other/svc:4",
            ]),
        Case(
            name: "keep-within 25d with collect",
            policy: "rules:\n  - repositories: [\"**\"]\n    keepWithin: 25d\n", collect: true,
            deleted: ["team/app:b1", "team/app:b2", "team/app:b3", "team/app:v1.2.0", "team/multi:1.0", "other/svc:1"]),
        Case(
            name: "policy file: first matching rule, combined keep rules (CLI)",
            policy: """
                rules:
                  - repositories: ["team/**"]
                    keepLast: 2
                    keepTags: ["v.*"]
                  - repositories: ["**"]
                    keepWithin: 15d
                """,
            collect: false, viaCLI: true,
            deleted: [
                "team/app:b1", "team/app:b2", "team/app:b3", "team/app:b4", "team/multi:1.0", "other/svc:1",
                "other/svc:2",
            ]),
        Case(
            name: "delete-tag with keep-last 1 in scope team/* (CLI, collect)",
            policy: "rules:\n  - repositories: [\"**\"]\n    deleteTag: \"b[0-9]+\"\n    keepLast: 1\n",
            scope: ["team/*"], collect: true,
            viaCLI: true, deleted: ["team/app:b1", "team/app:b2", "team/app:b3", "team/app:b4"]),
    ]

    private func options(dryRun: Bool, collect: Bool, scope: [String], now: Double) throws -> RetentionOptions {
        var options = RetentionOptions()
        options.dryRun = dryRun
        options.collect = collect
        options.grace = 0
        options.now = now
        options.scope = try scope.map { try RepositoryGlob($0) }
        return options
    }

    /// Runs `regsweep retain` with the case's policy file and decodes its JSON report.
    private func runCLI(_ root: URL, _ testCase: Case, dryRun: Bool) throws -> RetentionReport {
        let policy = root.appendingPathComponent("retention.yml")
        try Data(testCase.policy.utf8).write(to: policy)
        defer { try? FileManager.default.removeItem(at: policy) }
        var arguments = ["retain", root.path, "--policy", policy.path, "--grace", "0", "--json"]
        for glob in testCase.scope { arguments += ["--repository", glob] }
        if testCase.collect { arguments.append("--collect") }
        if dryRun { arguments.append("--dry-run") }
        let outcome = try ChildProcess.run(
            try regsweepExecutable().path, arguments, output: .captured, error: .captured)
        #expect(outcome.status == 0, "\(testCase.name): \(outcome.errorText)")
        return try JSONDecoder().decode(RetentionReport.self, from: Data(outcome.output))
    }

    /// The retention scenario pushed to a real registry, which is then stopped (the reference GC
    /// wants a quiet store), with the push times set; the caller stops the registry at the end.
    private func pushedScenario() async throws -> (RegistryServer, RetentionScenario, FileSystemBackend) {
        let registry = try await RegistryServer.start()
        let scenario = try await RetentionScenario.build(registry)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        try scenario.setPushTimes(backend)
        return (registry, scenario, backend)
    }

    @Test(arguments: cases)
    func dryRunNamesExactlyTheTagsAndTheRealRunRemovesThem(_ testCase: Case) async throws {
        let (registry, scenario, backend) = try await pushedScenario()
        defer { registry.stop() }
        let policy = try RetentionPolicy.parse(yaml: testCase.policy)
        func retain(dryRun: Bool) async throws -> RetentionReport {
            if testCase.viaCLI { return try runCLI(registry.rootDirectory, testCase, dryRun: dryRun) }
            let options = try options(
                dryRun: dryRun, collect: testCase.collect, scope: testCase.scope, now: scenario.now)
            return try await Retainer(backend: backend, options: options).run(policy)
        }

        let before = fileList(registry.rootDirectory)
        let bytesBefore = blobBytes(registry.rootDirectory)
        let dry = try await retain(dryRun: true)
        #expect(fileList(registry.rootDirectory) == before, "a dry run changes nothing")
        #expect(Set(dry.deletedTags) == testCase.deleted, "\(testCase.name)")
        #expect(dry.keptUnjudged.isEmpty)
        #expect(dry.report.problems.isEmpty, "\(dry.report.problems)")
        #expect(dry.bytes > 0)
        // Per repository: each counts only freed blobs, and together they cover the total.
        for decision in dry.repositories { #expect(decision.bytes <= dry.bytes, "\(decision.repository)") }
        #expect(dry.repositories.reduce(0) { $0 + $1.bytes } + dry.unattributedBytes >= dry.bytes)
        // The orphan lies in other/svc: attributed to it when in scope, else counted apart.
        let orphanApart = testCase.collect && !testCase.scope.isEmpty
        #expect(dry.unattributedBytes == (orphanApart ? scenario.orphan.size : 0))
        let keptAndDeleted = dry.repositories.flatMap { decision in
            (decision.deletedTags + decision.keptTags.map(\.tag)).map { "\(decision.repository):\($0)" }
        }
        let inScope = scenario.names.filter { name in testCase.scope.isEmpty || name.hasPrefix("team/") }
        #expect(Set(keptAndDeleted) == inScope, "every tag in scope is decided once")
        #expect(keptAndDeleted.count == inScope.count)

        let real = try await retain(dryRun: false)
        #expect(Set(real.deletedTags) == testCase.deleted)
        #expect(real.report.failures.isEmpty, "\(real.report.failures)")
        #expect(real.report.skipped.isEmpty, "\(real.report.skipped)")
        #expect(real.paths == dry.paths)
        #expect(real.report.removed?.tags == testCase.deleted.count)
        let left = bytesBefore - blobBytes(registry.rootDirectory)
        #expect(real.report.removed?.bytes == left, "bytes reported are the bytes that left the store")
        #expect(dry.bytes == left, "the dry run's bytes are what the real run freed")

        try await registry.restart()
        let failures = try await scenario.checkThroughRegistry(registry, deleted: testCase.deleted)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        registry.stop()
        let reference = try registry.garbageCollect(dryRun: true, deleteUntagged: false)
        #expect(reference.sawSummary, "\(reference.errorOutput)")
        // Nothing the run should have freed is left: with collect nothing at all; without, only the
        // garbage that was there before (not the deletion's to free).
        let expectedLeft: Set<String> = testCase.collect ? [] : [scenario.orphan.digest]
        #expect(reference.eligibleBlobs == expectedLeft, "the reference GC finds nothing the run should have freed")
        #expect(dry.report.eligibleBlobs.map(\.description).contains(scenario.orphan.digest) == testCase.collect)
        let after = try await StoreScanner(backend: backend, options: .inventory).scan()
        #expect(after.problems.isEmpty, "\(after.problems)")
    }

    @Test func tiesBreakByTagName() async throws {
        let (registry, scenario, backend) = try await pushedScenario()
        defer { registry.stop() }
        let options = try options(dryRun: true, collect: false, scope: ["team/app"], now: scenario.now)
        // b5 and latest (10 d) tie, b2 and b3 (40 d) tie: the smaller name counts as more recent.
        let four = try await Retainer(backend: backend, options: options).run(
            RetentionPolicy(rules: [RetentionRule(keepLast: 4)]))
        #expect(four.deletedTags == ["team/app:b1", "team/app:b3", "team/app:v1.2.0"])
        let one = try await Retainer(backend: backend, options: options).run(
            RetentionPolicy(rules: [RetentionRule(keepLast: 1)]))
        #expect(
            one.deletedTags == [
                "team/app:b1", "team/app:b2", "team/app:b3", "team/app:b4", "team/app:latest", "team/app:v1.2.0",
            ])
        #expect(one.repositories.first?.keptTags.map(\.tag) == ["b5"])
        #expect(one.repositories.first?.keptTags.map(\.reason) == [.keepLast])
        // Deleting latest but keeping b5 (one manifest) removes no manifest and frees nothing of it.
        #expect(
            !one.report.eligibleManifests.map(\.digest.description).contains(
                scenario.entries.first { $0.name == "team/app:b5" }!.content.digest))
    }

    @Test func unreadableTagKeepsItsRepositoryAndIsReported() async throws {
        let (registry, scenario, backend) = try await pushedScenario()
        defer { registry.stop() }
        // team/app:b2's current/link no longer holds a digest.
        let link = StorePath.tag("team/app", "b2") + "/current/link"
        try Array("sha256:not-a-digest".utf8).withUnsafeBytes { try backend.writeAtomically(link, $0) }
        let cli = try ChildProcess.run(
            try regsweepExecutable().path, ["retain", registry.rootDirectory.path, "--keep-last", "1", "--dry-run"],
            output: .captured, error: .discarded)
        #expect(cli.status == 1, "tags kept unjudged make the run exit 1")
        #expect(cli.outputText.contains("kept (could not be judged): team/app:b2"), "\(cli.outputText)")
        let appBefore = fileList(
            registry.rootDirectory.appendingPathComponent("docker/registry/v2/repositories/team/app"))
        var options = try options(dryRun: false, collect: true, scope: [], now: scenario.now)
        options.dryRun = false
        let report = try await Retainer(backend: backend, options: options).run(
            RetentionPolicy(rules: [RetentionRule(keepLast: 1)]))
        let app = try #require(report.repositories.first { $0.repository == "team/app" })
        #expect(app.deletedTags.isEmpty)
        #expect(Set(app.keptTags.map(\.reason)) == [.repositoryIncomplete])
        #expect(Set(report.keptUnjudged) == Set(scenario.entries.filter { $0.repository == "team/app" }.map(\.name)))
        #expect(
            report.report.problems.contains { $0.path?.contains("b2/current/link") == true },
            "\(report.report.problems)")
        #expect(
            Set(report.deletedTags) == [
                "team/multi:1.0", "team/multi:2.0", "other/svc:1", "other/svc:2", "other/svc:3",
            ])
        #expect(
            fileList(registry.rootDirectory.appendingPathComponent("docker/registry/v2/repositories/team/app"))
                == appBefore)
        try await registry.restart()
        for entry in scenario.entries where entry.repository == "team/app" && entry.tag != "b2" {
            if case .image(let image) = entry.content {
                try await registry.pullAndCheck("team/app", reference: entry.tag, expected: image)
            }
        }
        try await registry.pullAndCheck(
            "team/app", reference: scenario.signature.manifestDigest, expected: scenario.signature)
    }

    @Test func retainCommandExitCodes() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        try await registry.pushImage(
            "app", tag: "1", layers: [ImageFactory.randomBlob(size: 500, seed: 7900)],
            config: ImageFactory.imageConfig(seed: 7901))
        try await registry.pushImage(
            "app", tag: "2", layers: [ImageFactory.randomBlob(size: 500, seed: 7902)],
            config: ImageFactory.imageConfig(seed: 7903))
        registry.stop()
        // app:2 is the more recent push.
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        try backend.setModificationTime(
            StorePath.tag("app", "1") + "/current/link", seconds: Int(Timestamp.now()) - 7200)
        try backend.setModificationTime(
            StorePath.tag("app", "2") + "/current/link", seconds: Int(Timestamp.now()) - 3600)
        let executable = try regsweepExecutable().path
        let root = registry.rootDirectory.path
        let policy = registry.rootDirectory.appendingPathComponent("bad.yml")
        try Data("rules:\n  - repositories: [\"**\"]\n    keepLatest: 1\n".utf8).write(to: policy)
        let good = registry.rootDirectory.appendingPathComponent("good.yml")
        try Data("rules:\n  - repositories: [\"**\"]\n    keepLast: 1\n".utf8).write(to: good)
        func run(_ arguments: [String]) throws -> (status: Int32, error: String) {
            let outcome = try ChildProcess.run(executable, arguments, output: .discarded, error: .captured)
            return (outcome.status, outcome.errorText)
        }
        let before = fileList(registry.rootDirectory)
        let noKeep = try run(["retain", root, "--grace", "0"])
        #expect(noKeep.status == 64)
        #expect(noKeep.error.contains("no keep rule"), "\(noKeep.error)")
        #expect(try run(["retain", root, "--delete-tag", ".*", "--grace", "0"]).status == 64)
        let invalid = try run(["retain", root, "--policy", policy.path])
        #expect(invalid.status == 64)
        #expect(
            invalid.error.contains(policy.path) && invalid.error.contains("line 3")
                && invalid.error.contains("keepLatest"), "\(invalid.error)")
        #expect(try run(["retain", root, "--policy", good.path, "--keep-last", "2"]).status == 64)
        #expect(try run(["retain", root, "--keep-last", "1", "--repository", "App/*"]).status == 64)
        #expect(try run(["retain", root, "--keep-tag", "(", "--keep-last", "1"]).status == 64)
        #expect(try run(["retain", root, "--keep-within", "soon"]).status == 64)
        #expect(fileList(registry.rootDirectory) == before, "refused runs change nothing")
        #expect(try run(["retain", "/nonexistent-store", "--keep-last", "1"]).status == 3)
        #expect(try run(["retain", root, "--keep-last", "1", "--dry-run", "--collect"]).status == 0)
        #expect(fileList(registry.rootDirectory) == before)
        #expect(try run(["retain", root, "--policy", good.path, "--grace", "0"]).status == 0)
        try await registry.restart()
        #expect(try await registry.getManifest("app", reference: "1").status == 404)
        #expect(try await registry.getManifest("app", reference: "2").status == 200)
    }

    @Test func planOutIsADeletePlanThatDeleteApplies() async throws {
        let (registry, scenario, backend) = try await pushedScenario()
        defer { registry.stop() }
        let before = fileList(registry.rootDirectory)
        let options = try options(dryRun: false, collect: false, scope: ["other/*"], now: scenario.now)
        let plan = try await Retainer(backend: backend, options: options).plan(
            RetentionPolicy(rules: [RetentionRule(keepLast: 2)]))
        #expect(fileList(registry.rootDirectory) == before, "planning changes nothing")
        #expect(Set(plan.tags.map { "\($0.repository):\($0.tag)" }) == ["other/svc:1", "other/svc:2"])
        #expect(plan.origin?.delete?.targets.sorted() == ["other/svc:1", "other/svc:2"])
        var deletion = DeleteOptions()
        deletion.dryRun = false
        deletion.grace = 0
        let applied = try await ImageDeleter(backend: backend, options: deletion).execute(plan)
        #expect(applied.removedTags == ["other/svc:1", "other/svc:2"])
        #expect(applied.report.failures.isEmpty)
        try await registry.restart()
        let failures = try await scenario.checkThroughRegistry(registry, deleted: ["other/svc:1", "other/svc:2"])
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
