import Foundation
import RegistrySweep
import Testing

/// Plan, review, execute: a reviewed plan bounds what goes, a fresh scan at execution proves
/// it, against a registry that keeps being pushed to between the two.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct PlanApplyTests {
    private func collectOptions(dryRun: Bool) -> CollectOptions {
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = true
        options.grace = 0
        options.uploadAge = 0
        return options
    }

    /// Encodes and decodes, as `--plan-out` and `--apply` do.
    private func roundTrip(_ plan: SweepPlan) throws -> SweepPlan {
        let data = try JSONEncoder().encode(plan)
        return try JSONDecoder().decode(SweepPlan.self, from: data)
    }

    @Test func executeRemovesOnlyWhatIsStillGarbageAndWasReviewed() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)

        let plan = try roundTrip(try await Collector(backend: backend, options: collectOptions(dryRun: true)).plan())
        #expect(plan.origin?.operation == "gc" && plan.origin?.store == backend.displayName)
        #expect(plan.origin?.collect?.deleteUntagged == true)
        let plannedManifests = Set(plan.manifests.map(\.digest.description))
        #expect(plannedManifests == [scenario.oldV1.manifestDigest, scenario.untagged.manifestDigest])
        #expect(plan.blobs.contains { $0.digest.description == scenario.orphan.digest })
        #expect(plan.bytes == plan.blobs.reduce(0) { $0 + $1.bytes } && plan.bytes > 0)

        // While the plan is reviewed: a rollback re-push of the old v1 (planned as garbage) and a new orphan.
        let back = try await registry.pushImage(
            "library/app", tag: "back", layers: scenario.oldV1.layers, config: scenario.oldV1.config)
        #expect(back.manifestDigest == scenario.oldV1.manifestDigest)
        let newOrphan = ImageFactory.randomBlob(size: 777, seed: 4242)
        _ = try await registry.pushBlob("team/svc/api", newOrphan.bytes)
        try await Task.sleep(nanoseconds: 20_000_000)

        // Refused: another store, an expired plan. Nothing changes.
        let before = fileList(registry.rootDirectory)
        let elsewhere = FileManager.default.temporaryDirectory.appendingPathComponent(
            "regsweep-plan-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: registry.rootDirectory, to: elsewhere)
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let other = try FileSystemBackend(root: elsewhere.path)
        let wrongStore = await #expect(throws: SweepError.self) {
            try await Collector(backend: other, options: collectOptions(dryRun: false)).execute(plan)
        }
        #expect(wrongStore?.code == .invalidArgument)
        #expect(wrongStore?.message.contains(backend.displayName) == true)
        let expired = await #expect(throws: SweepError.self) {
            try await Collector(backend: backend, options: collectOptions(dryRun: false)).execute(plan, maxAge: 0)
        }
        #expect(expired?.code == .invalidArgument)
        let deletePlan = await #expect(throws: SweepError.self) {
            try await ImageDeleter(backend: backend, options: DeleteOptions()).execute(plan)
        }
        #expect(deletePlan?.code == .invalidArgument)
        #expect(fileList(registry.rootDirectory) == before)

        // A tampered plan (a live manifest and live blobs added by hand) removes none of them:
        // execution only removes what a fresh plan also proves garbage.
        var tampered = plan
        let live = scenario.images[0]
        let parsed: RegistrySweep.Digest? = .init(live.image.manifestDigest)
        let liveManifest = try #require(parsed)
        var manifest = try #require(plan.manifests.first)
        manifest.repository = live.repository
        manifest.digest = liveManifest
        manifest.historyTags = []
        tampered.manifests.append(manifest)
        for digest in live.image.blobDigests + [live.image.manifestDigest] {
            var blob = try #require(plan.blobs.first)
            let blobDigest: RegistrySweep.Digest? = .init(digest)
            blob.digest = try #require(blobDigest)
            tampered.blobs.append(blob)
        }

        var options = collectOptions(dryRun: false)
        options.deleteUntagged = false  // The plan's own options are used, whatever the executor's.
        let report = try await Collector(backend: backend, options: options).execute(tampered)
        #expect(
            report.skipped.contains {
                $0.kind == .manifest && $0.path.hasSuffix(String(live.image.manifestDigest.dropFirst(7)))
            })
        #expect(report.failures.isEmpty, "\(report.failures)")
        let removedManifests = Set(report.eligibleManifests.map(\.digest.description))
        #expect(removedManifests == [scenario.untagged.manifestDigest], "the plan's -m applies; the re-pushed v1 stays")
        #expect(
            report.skipped.contains {
                $0.kind == .manifest && $0.path.hasSuffix(String(scenario.oldV1.manifestDigest.dropFirst(7)))
            })
        let eligibleBlobs = Set(report.eligibleBlobs.map(\.description))
        #expect(eligibleBlobs.contains(scenario.orphan.digest))
        #expect(!eligibleBlobs.contains(newOrphan.digest), "not in the reviewed plan")
        #expect(report.warnings.contains { $0.contains("left alone") })
        let planned = Set(plan.blobs.map(\.digest.description))
        #expect(eligibleBlobs.isSubset(of: planned))
        #expect(eligibleBlobs.isDisjoint(with: scenario.oldV1.blobDigests))

        try await scenario.pullEverythingKept(registry)
        try await registry.pullAndCheck("library/app", reference: "back", expected: back)
        #expect(
            try await registry.getManifest("team/svc/api", reference: scenario.untagged.manifestDigest).status == 404)
    }

    @Test func reviewedDeleteKeepsAManifestTaggedAgainMeanwhile() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let shared = ImageFactory.randomBlob(size: 4096, seed: 701)
        let one = try await registry.pushImage(
            "app", tag: "1", layers: [shared, ImageFactory.randomBlob(size: 900, seed: 702)],
            config: ImageFactory.imageConfig(seed: 703))
        let two = try await registry.pushImage(
            "app", tag: "2", layers: [shared, ImageFactory.randomBlob(size: 900, seed: 704)],
            config: ImageFactory.imageConfig(seed: 705))
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        var options = DeleteOptions()
        options.grace = 0
        options.prune = true
        let targets = [try DeleteTarget(parsing: "app:1"), try DeleteTarget(parsing: "app:2")]
        let plan = try roundTrip(try await ImageDeleter(backend: backend, options: options).plan(targets))
        #expect(plan.origin?.delete?.targets == ["app:1", "app:2"])
        #expect(Set(plan.tags.map(\.tag)) == ["1", "2"])
        #expect(Set(plan.manifests.map(\.digest.description)) == [one.manifestDigest, two.manifestDigest])

        // Meanwhile app:1's manifest is tagged again as "keep".
        let keep = try await registry.pushImage("app", tag: "keep", layers: one.layers, config: one.config)
        #expect(keep.manifestDigest == one.manifestDigest)
        try await Task.sleep(nanoseconds: 20_000_000)

        options.dryRun = false
        options.prune = false  // The plan's own options (prune) are used.
        let result = try await ImageDeleter(backend: backend, options: options).execute(plan)
        #expect(result.report.failures.isEmpty, "\(result.report.failures)")
        #expect(result.removedTags == ["app:1", "app:2"])
        #expect(Set(result.report.eligibleManifests.map(\.digest.description)) == [two.manifestDigest])
        let freed = Set(result.report.eligibleBlobs.map(\.description))
        #expect(!freed.contains(shared.digest))
        #expect(freed.contains(two.layers[1].digest))
        #expect(!freed.contains(one.layers[1].digest))
        try await registry.pullAndCheck("app", reference: "keep", expected: keep)
        #expect(try await registry.getManifest("app", reference: "1").status == 404)
        #expect(try await registry.getManifest("app", reference: "2").status == 404)
    }

    @Test func cliPlanOutThenApply() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        let executable = try regsweepExecutable().path
        let root = registry.rootDirectory.path
        let planFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "regsweep-plan-\(UUID().uuidString).json"
        ).path
        defer { try? FileManager.default.removeItem(atPath: planFile) }
        func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let outcome = try ChildProcess.run(executable, arguments, output: .captured, error: .sameAsOutput)
            return (outcome.status, outcome.outputText)
        }
        let before = fileList(registry.rootDirectory)
        let planned = try run(["gc", root, "-m", "--grace", "0", "--plan-out", planFile])
        #expect(planned.status == 0, "\(planned.output)")
        #expect(planned.output.contains("nothing was changed"))
        #expect(fileList(registry.rootDirectory) == before)
        let plan = try JSONDecoder().decode(SweepPlan.self, from: Data(contentsOf: URL(fileURLWithPath: planFile)))
        #expect(plan.manifests.count == 2)

        #expect(try run(["gc", root, "--apply", planFile, "--plan-out", planFile]).status == 64)
        #expect(try run(["gc", "/", "--apply", planFile]).status != 0)
        #expect(try run(["delete", root, "--apply", planFile]).status == 64, "a gc plan is not a delete plan")
        let damaged = planFile + ".damaged"
        defer { try? FileManager.default.removeItem(atPath: damaged) }
        try Data(try Data(contentsOf: URL(fileURLWithPath: planFile)).prefix(200)).write(
            to: URL(fileURLWithPath: damaged))
        let truncated = try run(["gc", root, "--apply", damaged])
        #expect(truncated.status == 64 && truncated.output.contains("not a regsweep plan"), "\(truncated.output)")
        #expect(fileList(registry.rootDirectory) == before)

        let applied = try run(["gc", root, "--apply", planFile, "--json"])
        #expect(applied.status == 0, "\(applied.output)")
        let report = try JSONDecoder().decode(CollectReport.self, from: Data(applied.output.utf8))
        #expect(Set(report.eligibleManifests.map(\.digest)) == Set(plan.manifests.map(\.digest)))
        #expect(Set(report.eligibleBlobs) == Set(plan.blobs.map(\.digest)))
        try await registry.restart()
        try await scenario.pullEverythingKept(registry)
    }
}
