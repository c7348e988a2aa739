import Foundation
import RegistrySweep
import S3Storage
import Testing

/// scan, gc and delete on a registry that lives in S3 (SeaweedFS on loopback), written by the
/// real registry on its s3 driver, compared with the reference GC on the same bucket; after
/// every real run each kept tag is pulled back through the registry byte for byte.
@Suite(.serialized, .enabled(if: SeaweedServer.shouldRun && RegistryServer.shouldRun))
struct S3BackendRegistryTests {
    /// A registry on SeaweedFS with the standard scenario pushed, then stopped (the reference GC
    /// wants a quiet store), and the backend regsweep opens from the registry's own config.yml.
    struct Fixture {
        let s3: SeaweedServer
        let registry: RegistryServer
        let scenario: RegistryScenario
        let backend: S3Backend

        static func make() async throws -> Fixture {
            let s3 = try await SeaweedServer.start()
            let registry = try await RegistryServer.start(s3: s3)
            let scenario = try await RegistryScenario.build(registry)
            registry.stop()
            let config = try RegistryConfig.load(path: registry.configPath.path)
            let backend = S3Backend(try S3Configuration(storage: config.storage, environment: [:]))
            // S3 times have one-second resolution, widened by the backend's clock allowance: wait
            // it out, or everything just pushed is young.
            try await Task.sleep(nanoseconds: 2_600_000_000)
            return Fixture(s3: s3, registry: registry, scenario: scenario, backend: backend)
        }

        func stop() {
            registry.stop()
            s3.stop()
        }
    }

    private func options(dryRun: Bool, untagged: Bool) -> CollectOptions {
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = untagged
        options.grace = 0
        options.uploadAge = nil
        options.concurrency = 16
        return options
    }

    @Test func scanMatchesTheFilesystemViewOfTheSameStore() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        let snapshot = try await StoreScanner(backend: fixture.backend, options: .inventory).scan()
        let inventory = StoreInventory(snapshot)
        #expect(inventory.problems.isEmpty, "\(inventory.problems)")
        #expect(
            Set(snapshot.repositories.map(\.name)) == [
                "library/app", "team/svc/api", "multi/oci", "multi/docker", "oci/plain",
            ])
        #expect(inventory.tags == 6)
        #expect(inventory.revisions == 3 + 2 + 3 + 3 + 1)
        #expect(inventory.uploads == 1)
        // Sizes come from the listing: they add up to what the bucket holds under blobs/.
        let keys = try await fixture.s3.listAllKeys(prefix: try #require(fixture.registry.s3).storagePrefix + "blobs/")
        #expect(inventory.bytes == keys.values.reduce(0, +))
        #expect(inventory.blobs == keys.count)
    }

    @Test func defaultGCEqualsTheReferenceDryRunOnTheSameBucket() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        let reference = try fixture.registry.garbageCollect(dryRun: true, deleteUntagged: false)
        #expect(reference.exitStatus == 0, "\(reference.errorOutput)")
        let report = try await Collector(backend: fixture.backend, options: options(dryRun: true, untagged: false))
            .run()
        #expect(!reference.eligibleBlobs.isEmpty)
        #expect(Set(report.eligibleBlobs.map(\.description)) == reference.eligibleBlobs)
        #expect(report.markedBlobs == reference.markedBlobs)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test func deleteUntaggedKeepsChildrenAndReferrersAndEveryTagPullsAfterARealRun() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        let reference = try fixture.registry.garbageCollect(dryRun: true, deleteUntagged: true)
        var real = options(dryRun: false, untagged: true)
        real.uploadAge = 0
        real.prune = true
        let report = try await Collector(backend: fixture.backend, options: real).run()
        #expect(report.failures.isEmpty, "\(report.failures)")
        let ours = Set(report.eligibleBlobs.map(\.description))
        #expect(ours.isSubset(of: reference.eligibleBlobs))
        // The reference's multi-arch bug: it would delete children's and the referrer's blobs.
        #expect(!reference.eligibleBlobs.isDisjoint(with: fixture.scenario.childAndReferrerBlobs))
        #expect(ours.isDisjoint(with: fixture.scenario.childAndReferrerBlobs))
        #expect(ours.contains(fixture.scenario.oldV1.manifestDigest))
        #expect(report.removed?.blobs == report.eligibleBlobs.count)
        #expect(report.removed?.uploads == 1)
        // What left the bucket is exactly what the run says it removed.
        let prefix = try #require(fixture.registry.s3).storagePrefix
        let left = try await fixture.s3.listAllKeys(prefix: prefix + "blobs/")
        for digest in report.eligibleBlobs {
            #expect(left["\(prefix)blobs/sha256/\(digest.hex.prefix(2))/\(digest.hex)/data"] == nil)
        }
        // A second run finds nothing more, and the reference agrees nothing is left to free.
        let again = try await Collector(backend: fixture.backend, options: options(dryRun: true, untagged: true)).run()
        #expect(again.eligibleBlobs.isEmpty && again.eligibleManifests.isEmpty && again.eligibleLinks.isEmpty)
        #expect(again.problems.isEmpty, "\(again.problems)")
        try await fixture.registry.restart()
        try await fixture.scenario.pullEverythingKept(fixture.registry)
    }

    @Test func deletingATagAndARepositoryKeepsEverythingElse() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        var deleteOptions = DeleteOptions()
        deleteOptions.dryRun = false
        deleteOptions.grace = 0
        deleteOptions.prune = true
        let targets = try ["team/svc/api", "library/app:stable"].map { text throws(SweepError) in
            try DeleteTarget(parsing: text)
        }
        let result = try await ImageDeleter(backend: fixture.backend, options: deleteOptions).run(targets)
        #expect(result.report.failures.isEmpty, "\(result.report.failures)")
        #expect(Set(result.removedTags) == ["team/svc/api:latest", "library/app:stable"])
        try await fixture.registry.restart()
        // `stable` is gone from the tag list too (its emptied directory was removed). `old` is the
        // registry's own leftover: its API delete of that manifest emptied the tag directory, and
        // SeaweedFS keeps emptied directories (the tag answers 404; regsweep sees no key there).
        let tags = try await fixture.registry.tags("library/app")
        #expect(Set(tags).subtracting(["old"]) == ["v1"], "\(tags)")
        #expect(try await fixture.registry.getManifest("library/app", reference: "old").status == 404)
        let gone = try await fixture.registry.getManifest("library/app", reference: "stable")
        #expect(gone.status == 404)
        // v1 shares stable's manifest: it and everything else still pulls.
        for (repository, tag, image) in fixture.scenario.images where repository != "team/svc/api" && tag != "stable" {
            try await fixture.registry.pullAndCheck(repository, reference: tag, expected: image)
        }
        for (repository, tag, index) in fixture.scenario.indexes {
            try await fixture.registry.pullAndCheck(repository, reference: tag, expected: index)
        }
        // The base layer team/svc/api shared with library/app is still there.
        let base = fixture.scenario.images[0].image.layers[0]
        #expect(try await fixture.registry.blobExists("library/app", digest: base.digest))
    }

    @Test func aRealRunTakesTheLockObjectAndASecondRunIsRefused() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        let held = try await fixture.backend.lock()
        let keys = try await fixture.s3.listAllKeys(prefix: "registry/")
        #expect(keys["registry/.regsweep.lock"] != nil)
        await #expect(throws: SweepError.self) { _ = try await fixture.backend.lock() }
        do {
            _ = try await Collector(backend: fixture.backend, options: options(dryRun: false, untagged: false)).run()
            Issue.record("a real run took a held lock")
        } catch {
            #expect(error.code == .locked)
            #expect(error.message.contains("pid \(ProcessInfo.processInfo.processIdentifier)"), "\(error.message)")
        }
        held.release()
        #expect(try await fixture.s3.listAllKeys(prefix: "registry/")["registry/.regsweep.lock"] == nil)
        let second = try await fixture.backend.lock()
        second.release()
    }

    @Test func incompleteMultipartUploadsAreAbortedByTheUploadsPhase() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        // The registry's s3 driver starts a multipart upload for every upload session.
        let before = try await fixture.backend.incompleteUploads()
        #expect(!before.isEmpty)
        #expect(before.allSatisfy { $0.path.hasPrefix(StorePath.repositories + "/library/app/_uploads/") }, "\(before)")
        var dry = options(dryRun: true, untagged: false)
        dry.uploadAge = 0
        let planned = try await Collector(backend: fixture.backend, options: dry).run()
        #expect(Set(planned.eligibleIncompleteUploads) == Set(before))
        var real = dry
        real.dryRun = false
        let report = try await Collector(backend: fixture.backend, options: real).run()
        #expect(report.removed?.incompleteUploads == before.count)
        #expect(try await fixture.backend.incompleteUploads().isEmpty)
        // A young upload (the default age: a week) is left alone.
        try await fixture.registry.restart()
        _ = try await fixture.registry.startUpload("library/app", chunk: [1, 2, 3])
        var week = real
        week.uploadAge = 7 * 24 * 3600
        _ = try await Collector(backend: fixture.backend, options: week).run()
        #expect(try await fixture.backend.incompleteUploads().count == 1)
    }

    @Test func theCLIReadsTheConfigAndNeverPrintsTheSecret() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        let executable = try regsweepExecutable()
        let config = fixture.registry.configPath.path
        for arguments in [
            ["scan", "--config", config], ["gc", "--config", config, "--dry-run", "-m", "--json"],
            ["gc", "--config", config, "--dry-run", "-v"], ["verify", "--config", config],
        ] {
            let run = try ChildProcess.run(executable.path, arguments)
            let output = String(decoding: run.output + run.error, as: UTF8.self)
            #expect(run.termination == .exited(0), "\(arguments): \(output)")
            #expect(!output.contains(SeaweedServer.secretKey), "\(arguments) printed the secret key")
        }
        // Wrong credentials: a clear error naming the store, not the secret, and exit 3.
        let run = try ChildProcess.run(
            executable.path, ["scan", "s3://\(fixture.s3.bucket)/registry", "--endpoint", fixture.s3.endpoint],
            environment: [
                "AWS_ACCESS_KEY_ID": SeaweedServer.accessKey,
                "AWS_SECRET_ACCESS_KEY": "wrong-\(SeaweedServer.secretKey)",
            ])
        let output = String(decoding: run.output + run.error, as: UTF8.self)
        #expect(run.termination == .exited(3), "\(output)")
        #expect(
            output.contains("permission") || output.contains("SignatureDoesNotMatch") || output.contains("403"),
            "\(output)")
        #expect(!output.contains(SeaweedServer.secretKey))
        // A bucket that is not there is an error naming it, never an empty (absent) store.
        let missing = try ChildProcess.run(
            executable.path,
            ["gc", "s3://no-such-bucket/registry", "--endpoint", fixture.s3.endpoint, "-m", "--grace", "0"],
            environment: [
                "AWS_ACCESS_KEY_ID": SeaweedServer.accessKey, "AWS_SECRET_ACCESS_KEY": SeaweedServer.secretKey,
            ])
        #expect(missing.termination == .exited(3), "\(missing.errorText)")
        #expect(missing.errorText.contains("NoSuchBucket"), "\(missing.errorText)")
    }

    @Test func fastVerifyTrustingETagsReadsNoBlobAndStillCatchesARewrittenOne() async throws {
        let fixture = try await Fixture.make()
        defer { fixture.stop() }
        let baseline = FileManager.default.temporaryDirectory.appendingPathComponent(
            "regsweep-\(UUID().uuidString).baseline")
        defer { try? FileManager.default.removeItem(at: baseline) }
        let full = try await StoreVerifier(
            backend: fixture.backend, options: VerifyOptions(mode: .full, baseline: baseline.path)
        )
        .verify()
        #expect(full.isClean, "\(full.problems)")
        #expect(full.baseline?.recordsWritten == full.blobs)

        func gets(_ body: () async throws -> Void) async throws -> Int {
            let start = try await fixture.s3.settledRequestCounts()["GET", default: 0]
            try await body()
            return try await fixture.s3.settledRequestCounts()["GET", default: 0] - start
        }
        var trusting = VerifyOptions(mode: .fast, baseline: baseline.path)
        trusting.trustContentTags = true
        // What the scan alone reads (links and manifests): a trusting run reads no more.
        var scanOptions = ScanOptions()
        scanOptions.checkLinks = true
        let scanGets = try await gets {
            _ = try await StoreScanner(backend: fixture.backend, options: scanOptions).scan()
        }
        var trusted = VerifyReport(mode: .fast)
        let trustedGets = try await gets {
            trusted = try await StoreVerifier(backend: fixture.backend, options: trusting).verify()
        }
        #expect(trusted.isClean, "\(trusted.problems)")
        #expect(trusted.trustedContentTags == full.blobs && trusted.verified == full.blobs)
        #expect(trusted.hashedSHA256 == 0 && trusted.checkedXXH3 == 0 && trusted.bytesHashed == 0)
        #expect(trustedGets == scanGets, "a trusting run made \(trustedGets) GETs, the scan alone \(scanGets)")
        // Without --trust-etag, fast mode reads every blob.
        let fast = try await StoreVerifier(
            backend: fixture.backend, options: VerifyOptions(mode: .fast, baseline: baseline.path)
        )
        .verify()
        #expect(fast.trustedContentTags == 0 && fast.checkedXXH3 == full.blobs)

        // The same size, rewritten within the same second or not: the ETag changes, the blob is read.
        let orphan = fixture.scenario.orphan
        let hex = orphan.digest.dropFirst("sha256:".count)
        let prefix = try #require(fixture.registry.s3).storagePrefix
        try await fixture.s3.putObjectThroughFiler(
            "\(prefix)blobs/sha256/\(hex.prefix(2))/\(hex)/data", Data(orphan.bytes.map { $0 ^ 0xFF }))
        let caught = try await StoreVerifier(backend: fixture.backend, options: trusting).verify()
        #expect(
            caught.corrupt == 1 && caught.problems(.digestMismatch).first?.digest?.description == orphan.digest,
            "\(caught.problems)")
        #expect(caught.trustedContentTags == full.blobs - 1)
        #expect(caught.hashedSHA256 >= 1)
    }
}
