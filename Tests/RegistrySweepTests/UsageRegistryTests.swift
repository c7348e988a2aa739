import Foundation
import RegistrySweep
import Testing

/// `regsweep du` against stores written by the real registry: the rows and totals add up, the
/// totals are the files on disk, and each repository's exclusive bytes are what `delete` frees.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct UsageRegistryTests {
    /// Runs the CLI; returns its exit status and standard output.
    private func regsweep(_ arguments: [String]) throws -> (status: Int32, output: [UInt8], text: String) {
        let outcome = try ChildProcess.run(
            try regsweepExecutable().path, arguments, output: .captured, error: .captured)
        return (outcome.status, outcome.output, outcome.outputText + outcome.errorText)
    }

    private func du(_ root: URL, _ extra: [String] = []) throws -> (status: Int32, report: UsageReport) {
        let run = try regsweep(["du", root.path, "--json"] + extra)
        return (run.status, try JSONDecoder().decode(UsageReport.self, from: Data(run.output)))
    }

    /// The blob bytes `delete --image NAME --dry-run --grace 0` would free, and how many blobs.
    private func freedByDelete(_ root: URL, _ name: String) throws -> (bytes: Int, blobs: Int) {
        let run = try regsweep(["delete", root.path, "--image", name, "--dry-run", "--grace", "0", "--json"])
        #expect(run.status == 0, "\(name): \(run.text)")
        let report = try JSONDecoder().decode(DeleteReport.self, from: Data(run.output))
        return (report.report.eligibleBytes, report.report.eligibleBlobs.count)
    }

    /// Sizes of the regular files named `data` under `directory` (blobs or uploads), and their count.
    private func dataFiles(_ directory: URL) throws -> (bytes: Int, count: Int) {
        var bytes = 0
        var count = 0
        let files = FileManager.default.enumerator(
            at: directory, includingPropertiesForKeys: [.fileSizeKey, .isRegularFileKey])
        while let file = files?.nextObject() as? URL {
            let values = try file.resourceValues(forKeys: [.fileSizeKey, .isRegularFileKey])
            guard file.lastPathComponent == "data", values.isRegularFile == true else { continue }
            bytes += values.fileSize ?? 0
            count += 1
        }
        return (bytes, count)
    }

    @Test func rowsAndTotalsAddUpAndExclusiveIsWhatDeleteFrees() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        // Shared base layers (library/app, team/svc/api, multi/oci), two multi-arch images, a
        // referrer, a manifest deleted through the API, an orphan blob, an upload in progress.
        let scenario = try await RegistryScenario.build(registry)
        // The same image as team/svc/api:latest under another name: its manifest blob is shared too.
        let api = try #require(scenario.images.first { $0.repository == "team/svc/api" }?.image)
        _ = try await registry.pushImage("mirror/api", tag: "copy", layers: api.layers, config: api.config)
        registry.stop()
        let root = registry.rootDirectory

        let (status, report) = try du(root)
        #expect(status == 0, "\(report.problems)")
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.isTreeComplete)
        #expect(report.identityViolations().isEmpty, "\(report.identityViolations())")
        #expect(report.repositories.map(\.exclusiveBytes) == report.repositories.map(\.exclusiveBytes).sorted(by: >))
        #expect(report.repositories.count == 6)

        // The totals are the files on disk.
        let v2 = root.appendingPathComponent("docker/registry/v2")
        let blobs = try dataFiles(v2.appendingPathComponent("blobs"))
        #expect(report.storeBytes == blobs.bytes && report.storeBlobs == blobs.count)
        let uploads = try dataFiles(v2.appendingPathComponent("repositories/library/app/_uploads"))
        #expect(report.uploads == 1 && report.uploadBytes == uploads.bytes && uploads.bytes == 300)

        // Garbage: the deleted manifest's own blobs and the orphan, as gc --grace 0 counts it.
        let gc = try regsweep(["gc", root.path, "--dry-run", "--grace", "0", "--json"])
        #expect(gc.status == 0, "\(gc.text)")
        let collect = try JSONDecoder().decode(CollectReport.self, from: Data(gc.output))
        #expect(
            report.unreferencedBytes == collect.eligibleBytes && report.unreferencedBlobs == collect.eligibleBlobs.count
        )
        #expect(report.unreferencedBytes >= scenario.orphan.size + scenario.deleted.manifest.count)

        let rows = Dictionary(uniqueKeysWithValues: report.repositories.map { ($0.name, $0) })
        // team/svc/api owns only its untagged image; its tagged one is mirror/api's too.
        let untagged = scenario.untagged
        let own = untagged.manifest.count + untagged.config.size + untagged.layers.reduce(0) { $0 + $1.size }
        #expect(rows["team/svc/api"]?.exclusiveBytes == own)
        #expect(rows["mirror/api"]?.exclusiveBytes == 0)
        #expect(
            rows["mirror/api"]?.totalBytes == api.manifest.count + api.config.size
                + api.layers.reduce(0) { $0 + $1.size })
        #expect((rows["library/app"]?.sharedBytes ?? 0) >= 8192 + 4096, "both base layers are shared")
        for row in report.repositories {
            let freed = try freedByDelete(root, row.name)
            #expect(row.exclusiveBytes == freed.bytes, "\(row.name)")
            #expect(row.exclusiveBlobs == freed.blobs, "\(row.name)")
        }

        // Text: the top rows, the rest counted, the totals.
        let text = try regsweep(["du", root.path, "--top", "2", "--sort", "total"])
        #expect(text.status == 0)
        #expect(text.text.contains("REPOSITORY") && text.text.contains("(4 more repositories)"), "\(text.text)")
        #expect(text.text.contains("unreferenced: \(report.unreferencedBlobs) blobs"), "\(text.text)")
        let byTags = try du(root, ["--sort", "tags", "--top", "1"]).report
        #expect(byTags.repositories.count == 6, "--top does not apply to JSON")
        #expect(byTags.repositories.map(\.tags) == byTags.repositories.map(\.tags).sorted(by: >))
    }

    @Test func anUnreadableManifestKeepsWhatItMightReferenceOutOfOthersExclusive() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let base = ImageFactory.randomBlob(size: 8192, seed: 901)
        let a = try await registry.pushImage(
            "a", tag: "1", layers: [base, ImageFactory.randomBlob(size: 1000, seed: 902)],
            config: ImageFactory.imageConfig(seed: 903))
        let x = try await registry.pushImage(
            "x", tag: "1", layers: [base, ImageFactory.randomBlob(size: 1500, seed: 904)],
            config: ImageFactory.imageConfig(seed: 905))
        _ = try await registry.pushImage(
            "b", tag: "1", layers: [ImageFactory.randomBlob(size: 700, seed: 906)],
            config: ImageFactory.imageConfig(seed: 907))
        registry.stop()
        let root = registry.rootDirectory
        // x's manifest no longer parses: which blobs it references is unknown.
        let backend = try FileSystemBackend(root: root.path)
        let corrupt = Array("not a manifest".utf8)
        let manifest = try #require(Digest(x.manifestDigest))
        try corrupt.withUnsafeBytes { try backend.writeAtomically(StorePath.blobData(manifest), $0) }

        let (status, report) = try du(root)
        #expect(status == 1, "problems make du exit 1")
        #expect(
            report.problems.contains { $0.digest == manifest || $0.path?.contains(manifest.hex) == true },
            "\(report.problems)")
        #expect(report.identityViolations().isEmpty, "\(report.identityViolations())")
        let rows = Dictionary(uniqueKeysWithValues: report.repositories.map { ($0.name, $0) })
        let rowX = try #require(rows["x"])
        #expect(rowX.keptWhole != nil)
        // x references what its layer links name, so the base layer is not a's alone, and nothing is garbage.
        #expect(rowX.totalBytes == corrupt.count + x.config.size + x.layers.reduce(0) { $0 + $1.size })
        let aOwn = a.manifest.count + a.config.size + a.layers[1].size
        #expect(rows["a"]?.exclusiveBytes == aOwn)
        #expect(rows["a"]?.sharedBytes == base.size)
        #expect(report.unreferencedBytes == 0)
        #expect(try freedByDelete(root, "a").bytes == aOwn)
        #expect(try freedByDelete(root, "b").bytes == rows["b"]?.exclusiveBytes)
        #expect(
            try regsweep(["delete", root.path, "--image", "x", "--dry-run", "--grace", "0"]).status == 3,
            "delete refuses x")
        let text = try regsweep(["du", root.path])
        #expect(text.status == 1)
        #expect(
            text.text.contains("x *") && text.text.contains("problems:     \(report.problems.count)"), "\(text.text)")
    }
}
