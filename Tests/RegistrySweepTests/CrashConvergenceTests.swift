import Foundation
import RegistrySweep
import Testing

/// A run killed at any point of its removal sequence leaves only garbage, and the next run ends
/// in exactly the files and directories of an uninterrupted run.
///
/// The CLI's hidden `--crash-after-removals K` sends the process `SIGKILL` right after its K-th
/// `unlink` or `rmdir`; each test kills a run at every K (every point at first, then every
/// third) until a run finishes, on a fresh copy of a store written by the real registry.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun))
struct CrashConvergenceTests {
    @Test func deleteKilledAtAnyRemovalConverges() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let shared = ImageFactory.randomBlob(size: 8192, seed: 901)
        var kept: [(String, String, PushedImage)] = []
        let app1 = try await registry.pushImage(
            "app", tag: "1", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 902)],
            config: ImageFactory.imageConfig(seed: 903))
        let app2 = try await registry.pushImage(
            "app", tag: "2", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 904)],
            config: ImageFactory.imageConfig(seed: 905))
        _ = try await registry.pushImage("app", tag: "latest", layers: app2.layers, config: app2.config)
        kept.append(("app", "2", app2))
        kept.append(
            (
                "other/svc", "1",
                try await registry.pushImage(
                    "other/svc", tag: "1", layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 906)],
                    config: ImageFactory.imageConfig(seed: 907))
            ))
        for tag in ["1", "2"] {
            _ = try await registry.pushImage(
                "gone/x", tag: tag, layers: [shared, ImageFactory.randomBlob(size: 1000, seed: 908 + UInt64(tag)!)],
                config: ImageFactory.imageConfig(seed: 910 + UInt64(tag)!))
        }
        _ = try await registry.pushImage(
            "app", tag: nil, layers: [ImageFactory.randomBlob(size: 300, seed: 912)],
            config: ImageFactory.imageConfig(seed: 913),
            oci: true, subject: app1.descriptor(), artifactType: "application/vnd.example.sig")
        registry.stop()

        let arguments = [
            "delete", "--image", "app:1", "--image", "app:latest", "--image", "gone/x", "--prune", "--grace", "0",
        ]
        let points = try await killEverywhere(registry.rootDirectory, arguments, rerunMayFind: [4])
        #expect(points >= 20, "the delete removes at least 20 nodes; killed at \(points) points")
        try await registry.restart()
        for (repository, tag, image) in kept {
            try await registry.pullAndCheck(repository, reference: tag, expected: image)
        }
        #expect(try await registry.getManifest("app", reference: "1").status == 404)
    }

    @Test func gcKilledAtAnyRemovalConverges() async throws {
        let registry = try await RegistryServer.start()
        defer { registry.stop() }
        let scenario = try await RegistryScenario.build(registry)
        registry.stop()
        let arguments = ["gc", "--delete-untagged", "--grace", "0", "--uploads", "0", "--prune"]
        let points = try await killEverywhere(registry.rootDirectory, arguments, rerunMayFind: [])
        #expect(points >= 20, "the sweep removes at least 20 nodes; killed at \(points) points")
        try await registry.restart()
        try await scenario.pullEverythingKept(registry)
    }

    /// Kills `regsweep arguments` after K removals for K = 1, 2, … (every third K past 12) on
    /// copies of `root` until a run ends by itself; after each kill, checks that no reference in
    /// the store names a missing blob, reruns the same command uninterrupted and expects the
    /// uninterrupted run's tree. Leaves `root` as the uninterrupted run left it.
    ///
    /// - Parameter rerunMayFind: exit statuses the rerun may end with besides 0 (`delete` says 4,
    ///   unknown tag, when the kill came after its journal was finished: the work was done).
    /// - Returns: the number of kill points tried.
    private func killEverywhere(_ root: URL, _ arguments: [String], rerunMayFind: Set<Int32>) async throws -> Int {
        let executable = try regsweepExecutable().path
        let command = Array(arguments.prefix(1)) + [root.path] + arguments.dropFirst()
        let pristine = temporaryCopy(of: root)
        defer { try? FileManager.default.removeItem(at: pristine) }
        // The uninterrupted run, on the store itself.
        let whole = try run(executable, command)
        #expect(whole.termination == .exited(0), "uninterrupted: \(whole.output)")
        let expected = treeList(root)

        var killed = 0
        var removals = 1
        while removals < 2000 {
            let copy = temporaryCopy(of: pristine)
            defer { try? FileManager.default.removeItem(at: copy) }
            let onCopy = Array(arguments.prefix(1)) + [copy.path] + arguments.dropFirst()
            let first = try run(executable, onCopy + ["--crash-after-removals", String(removals)])
            if case .exited(let status) = first.termination {
                #expect(status == 0, "finished run: \(first.output)")
                let difference = Set(treeList(copy)).symmetricDifference(expected).sorted()
                #expect(
                    difference.isEmpty,
                    "a run that was not killed ends as the uninterrupted one: \(difference.prefix(10)); it said: \(first.output)"
                )
                break
            }
            #expect(first.termination == .signaled(SIGKILL), "killed after \(removals) removals: \(first.output)")
            killed += 1
            let problems = try await scanProblems(copy)
            #expect(problems.isEmpty, "after a kill at removal \(removals), references name missing blobs: \(problems)")
            let journal = FileManager.default.fileExists(atPath: copy.path + "/.regsweep-delete.journal")
            let rerun = try run(executable, onCopy)
            let allowed: Set<Int32> = journal ? [0] : rerunMayFind.union([0])
            #expect(
                rerun.termination.exitCode.map(allowed.contains) == true,
                "rerun after a kill at removal \(removals): \(rerun.output)")
            let difference = Set(treeList(copy)).symmetricDifference(expected).sorted()
            #expect(
                difference.isEmpty,
                "after a kill at removal \(removals), the rerun differs: \(difference.prefix(10)); rerun said: \(rerun.output); the uninterrupted run said: \(whole.output)"
            )
            removals += removals < 12 ? 1 : 3
        }
        return killed
    }

    /// Runs regsweep to completion with standard output and error in one stream.
    private func run(_ executable: String, _ arguments: [String]) throws -> (
        termination: ChildProcess.Termination, output: String
    ) {
        let outcome = try ChildProcess.run(executable, arguments, output: .captured, error: .sameAsOutput)
        return (outcome.termination, outcome.outputText)
    }

    /// Missing-blob problems of a scan that come from a reference (a link or a manifest naming
    /// data that is gone). A blob directory whose `data` is already unlinked is itself garbage
    /// half removed, reported under `blobs/`: not counted.
    private func scanProblems(_ root: URL) async throws -> [String] {
        let backend = try FileSystemBackend(root: root.path)
        let snapshot = try await StoreScanner(backend: backend, options: .inventory).scan()
        return snapshot.problems
            .filter { $0.code == .missingBlob && !($0.path ?? "").hasPrefix(StorePath.blobShards + "/") }
            .map(\.description)
    }

    private func temporaryCopy(of root: URL) -> URL {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("regsweep-crash-\(UUID().uuidString)")
        try! FileManager.default.copyItem(at: root, to: copy)
        return copy
    }
}

/// Every file and directory under `root` (directories with a trailing `/`), relative, sorted;
/// the lock file left out.
func treeList(_ root: URL) -> [String] {
    let base = root.standardizedFileURL.path
    var entries: [String] = []
    if let enumerator = FileManager.default.enumerator(atPath: base) {
        while let next = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: base + "/" + next, isDirectory: &isDirectory) else { continue }
            entries.append(isDirectory.boolValue ? next + "/" : next)
        }
    }
    return entries.filter { !$0.hasSuffix(StoreLock.fileName) }.sorted()
}
