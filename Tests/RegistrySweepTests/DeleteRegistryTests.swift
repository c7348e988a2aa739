import Foundation
import RegistrySweep
import Testing

/// delete and store hygiene against stores written by the real registry.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct DeleteRegistryTests {
    private func options(dryRun: Bool, prune: Bool = false) -> DeleteOptions {
        var options = DeleteOptions()
        options.dryRun = dryRun
        options.prune = prune
        options.grace = 0
        return options
    }

    /// A store with shared layers and shared manifests and no garbage of its own.
    private func build(_ registry: RegistryServer) async throws -> (shared: Blob, images: [String: PushedImage]) {
        let shared = ImageFactory.randomBlob(size: 8192, seed: 501)
        var images: [String: PushedImage] = [:]
        images["app:1"] = try await registry.pushImage(
            "app", tag: "1", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 502)],
            config: ImageFactory.imageConfig(seed: 503))
        images["app:2"] = try await registry.pushImage(
            "app", tag: "2", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 504)],
            config: ImageFactory.imageConfig(seed: 505))
        // Same manifest under two tags.
        images["app:latest"] = try await registry.pushImage(
            "app", tag: "latest", layers: images["app:2"]!.layers, config: images["app:2"]!.config)
        images["other/svc:1"] = try await registry.pushImage(
            "other/svc", tag: "1", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 506)],
            config: ImageFactory.imageConfig(seed: 507))
        images["gone/x:1"] = try await registry.pushImage(
            "gone/x", tag: "1", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 508)],
            config: ImageFactory.imageConfig(seed: 509))
        // A signature of app:1 (untagged referrer): goes with its subject.
        images["app@sig"] = try await registry.pushImage(
            "app", tag: nil, layers: [ImageFactory.randomBlob(size: 300, seed: 510)],
            config: ImageFactory.imageConfig(seed: 511),
            oci: true, subject: images["app:1"]!.descriptor(), artifactType: "application/vnd.example.sig")
        return (shared, images)
    }

    @Test func deletingTagsKeepsEverythingOthersNeed() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let (shared, images) = try await build(registry)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let targets = try ["app:1", "app:latest", "gone/x"].map { try DeleteTarget(parsing: $0) }

        let before = fileList(registry.rootDirectory)
        let dry = try await ImageDeleter(backend: backend, options: options(dryRun: true, prune: true)).run(targets)
        #expect(fileList(registry.rootDirectory) == before, "a dry run changes nothing")
        #expect(dry.removedTags == ["app:1", "app:latest", "gone/x:1"])

        let result = try await ImageDeleter(backend: backend, options: options(dryRun: false, prune: true)).run(targets)
        #expect(result.paths == dry.paths)
        #expect(result.report.failures.isEmpty)
        let deletedManifests = Set(result.report.eligibleManifests.map(\.digest.description))
        // app:latest shares its manifest with app:2, which stays: only the tag goes.
        #expect(!deletedManifests.contains(images["app:2"]!.manifestDigest))
        #expect(deletedManifests.contains(images["app:1"]!.manifestDigest))
        #expect(deletedManifests.contains(images["app@sig"]!.manifestDigest))
        #expect(!result.report.eligibleBlobs.map(\.description).contains(shared.digest))
        #expect(result.report.eligibleBlobs.map(\.description).contains(images["app:1"]!.layers[1].digest))
        #expect(result.report.eligibleRepositories == ["gone/x"])

        try await registry.restart()
        try await registry.pullAndCheck("app", reference: "2", expected: images["app:2"]!)
        try await registry.pullAndCheck("other/svc", reference: "1", expected: images["other/svc:1"]!)
        #expect(try await registry.getManifest("app", reference: "1").status == 404)
        #expect(try await registry.getManifest("app", reference: "latest").status == 404)
        #expect(try await registry.getManifest("app", reference: images["app@sig"]!.manifestDigest).status == 404)
        let catalog = try await registry.catalog()
        #expect(!catalog.contains("gone/x"))
        #expect(Set(catalog) == ["app", "other/svc"])
        registry.stop()
        let reference = try registry.garbageCollect(dryRun: true, deleteUntagged: false)
        #expect(
            reference.eligibleBlobs.isEmpty,
            "the reference finds nothing regsweep should have removed: \(reference.eligibleBlobs)")
        let after = try await StoreScanner(backend: backend, options: .inventory).scan()
        #expect(after.problems.isEmpty, "\(after.problems)")
    }

    @Test func unknownRepositoryOrTagChangesNothing() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        _ = try await build(registry)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        let before = fileList(registry.rootDirectory)
        for text in ["nope", "app:nope", "app:1 ", "Bad/Name"] {
            do {
                let targets = [try DeleteTarget(parsing: text), try DeleteTarget(parsing: "app:2")]
                _ = try await ImageDeleter(backend: backend, options: options(dryRun: false)).run(targets)
                Issue.record("\(text) should have failed")
            } catch {
                #expect(error.code == .unknownReference || error.code == .invalidName, "\(text): \(error)")
            }
        }
        #expect(fileList(registry.rootDirectory) == before)
    }

    @Test func deleteCommandExitCodes() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        _ = try await build(registry)
        registry.stop()
        let executable = try regsweepExecutable().path
        func run(_ arguments: [String]) throws -> Int32 {
            try ChildProcess.run(executable, arguments, output: .discarded, error: .discarded).status
        }
        let root = registry.rootDirectory.path
        #expect(try run(["delete", root, "--image", "app:nope"]) == 4)
        #expect(try run(["delete", root, "--image", "app:2", "--dry-run"]) == 0)
        #expect(try run(["delete", "/nonexistent-store", "--image", "app"]) == 3)
        #expect(try run(["delete", root]) == 64)
    }

    @Test func uploadsArePurgedByAge() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let old = try await registry.startUpload("app", chunk: ImageFactory.randomBlob(size: 100, seed: 1).bytes)
        let young = try await registry.startUpload("app", chunk: ImageFactory.randomBlob(size: 100, seed: 2).bytes)
        registry.stop()
        let backend = try FileSystemBackend(root: registry.rootDirectory.path)
        // Age the first upload: rewrite its startedat to 200 hours ago (the registry's RFC 3339 format).
        let startedAt = StorePath.upload("app", old) + "/startedat"
        let stamp = Timestamp.formatRFC3339(Timestamp.now() - 200 * 3600)
        try Array(stamp.utf8).withUnsafeBytes { try backend.writeAtomically(startedAt, $0) }
        // A third upload whose startedat is unreadable: judged by the directory's mtime, and reported.
        let broken = try await { () async throws -> String in
            try await registry.restart()
            defer { registry.stop() }
            return try await registry.startUpload("app")
        }()
        try backend.write(StorePath.upload("app", broken) + "/startedat", UnsafeRawBufferPointer(start: nil, count: 0))
        try backend.setModificationTime(StorePath.upload("app", broken), seconds: Int(Timestamp.now()) - 300 * 3600)

        var options = CollectOptions()
        options.dryRun = false
        options.grace = 0
        options.uploadAge = 168 * 3600
        let report = try await Collector(backend: backend, options: options).run()
        #expect(Set(report.eligibleUploads.map(\.uuid)) == [old, broken])
        #expect(report.warnings.contains { $0.contains(broken) })
        let left = try await StoreScanner(backend: backend).scan()
        #expect(left.repositories.flatMap(\.uploads).map(\.uuid) == [young])
    }
}
