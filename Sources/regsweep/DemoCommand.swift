import ArgumentParser
import Foundation
import RegistryStoreGenerator
import RegistrySweep

/// `regsweep demo`: the main job on a built-in store, start to finish.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write a demo registry store, then scan it and collect it (dry run, then for real).",
        discussion: """
            The store is generated in the reference layout with real SHA-256 content: nested repositories, overwritten tags (untagged manifests), multi-arch indexes and lists, referrers, shared base layers, orphan blobs and abandoned uploads. It is written to DIR (default: a new temporary directory, kept so you can look at it and run other commands on it).
            """
    )

    @Argument(help: "Where to write the demo store (must not exist yet).")
    var directory: String?

    @Option(name: .long, help: "Repositories in the demo store.")
    var repos = 12

    @Option(name: .long, help: "Images pushed per repository (tags are overwritten over time).")
    var images = 10

    func run() async throws {
        let root =
            directory
            ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("regsweep-demo-\(UUID().uuidString.prefix(8))").path
        guard !FileManager.default.fileExists(atPath: root) else {
            throw ValidationError("\(root) exists; give a new directory")
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        do throws(SweepError) {
            var generator = GeneratorOptions()
            generator.repositories = repos
            generator.imagesPerRepository = images
            let generated = try await StoreGenerator(root: root, options: generator).generate()
            print("1. wrote a demo store at \(root)")
            print(
                "   \(generated.counts.repositories) repositories, \(generated.counts.tags) tags, \(generated.counts.manifests) manifests, \(generated.counts.blobs) blobs (\(generated.counts.orphans) orphans), \(generated.counts.uploads) uploads\n"
            )

            let backend = try FileSystemBackend(root: root)
            let before = StoreInventory(try await StoreScanner(backend: backend, options: .inventory).scan())
            print("2. regsweep scan \(root)")
            print(ScanCommand.render(before).split(separator: "\n").map { "   " + $0 }.joined(separator: "\n") + "\n")

            var options = CollectOptions()
            options.deleteUntagged = true
            options.grace = 0
            options.prune = true
            let dry = try await Collector(backend: backend, options: options).run()
            print("3. regsweep gc \(root) --dry-run --delete-untagged --grace 0 --prune")
            print(
                ReportText.render(dry, verbose: false, cacheConfigured: false).split(separator: "\n").map { "   " + $0 }
                    .joined(separator: "\n") + "\n")

            options.dryRun = false
            let done = try await Collector(backend: backend, options: options).run()
            print("4. regsweep gc \(root) --delete-untagged --grace 0 --prune")
            print(
                ReportText.render(done, verbose: false, cacheConfigured: false).split(separator: "\n").map {
                    "   " + $0
                }.joined(separator: "\n") + "\n")

            let after = StoreInventory(try await StoreScanner(backend: backend, options: .inventory).scan())
            print(
                "5. after: \(after.blobs) blobs (was \(before.blobs)), \(ByteCount.format(after.bytes ?? 0)) (was \(ByteCount.format(before.bytes ?? 0))), \(after.tags) tags (was \(before.tags)), \(after.problems.count) problems"
            )
            var dryRun = options
            dryRun.dryRun = true
            let more = try await Collector(backend: backend, options: dryRun).run().eligibleBlobs.count
            print(
                "   no reference points at a missing blob (the scan found \(after.problems.count) problems); a second dry run finds \(more) more blobs to delete"
            )
        } catch {
            throw ExitStatus.fail(error)
        }
    }
}
