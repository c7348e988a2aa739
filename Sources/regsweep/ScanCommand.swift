import ArgumentParser
import Foundation
import RegistrySweep

/// `regsweep scan`: inventory a registry store and list every problem found.
struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Inventory a registry store: repositories, tags, manifests by kind, blobs, bytes, uploads, problems.",
        discussion: """
            Reads the store without changing it; safe next to a running registry. Every problem found (corrupt or empty links, unparseable manifests, missing blobs, bad names, unreadable directories, nodes of the wrong type such as a file where a directory belongs, a FIFO or a symbolic link, tags naming a manifest without a revision link) is listed; the scan does not stop at the first. Tag directories without current/link are unknown tags to the registry: counted, not problems. A store whose repositories/ cannot be read, or is missing while blobs exist, or whose blobs/sha256 is missing while repositories name blobs, is refused (exit 3). Exit codes: 0 clean, 1 problems found, 3 the store could not be read.
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var progress: ProgressOptions

    @Flag(name: .long, help: "Print the inventory as JSON.")
    var json = false

    @Flag(name: .long, help: "Skip stat'ing blobs (no byte count) and link checks: the minimal, fastest scan.")
    var quick = false

    func run() async throws {
        let snapshot: StoreSnapshot
        do throws(SweepError) {
            let (backend, _) = try store.open()
            var options = quick ? ScanOptions() : .inventory
            options.concurrency = StoreOptions.concurrency(for: backend, default: options.concurrency)
            options.progress = progress.start()
            snapshot = try await StoreScanner(backend: backend, options: options).scan()
        } catch {
            throw ExitStatus.fail(error, hints: StoreOptions.hints)
        }
        progress.finish()
        let inventory = StoreInventory(snapshot)
        if json {
            try printJSON(inventory)
        } else {
            print(Self.render(inventory))
        }
        if !inventory.problems.isEmpty { throw ExitStatus.problems }
    }

    static func render(_ inventory: StoreInventory) -> String {
        var lines: [String] = []
        lines.append("repositories: \(inventory.repositories)")
        lines.append(
            "tags:         \(inventory.tags)"
                + (inventory.linklessTags > 0 ? " (and \(inventory.linklessTags) without current/link)" : ""))
        lines.append("revisions:    \(inventory.revisions)")
        let kinds = inventory.manifestsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        lines.append(
            "manifests:    \(inventory.manifestsByKind.values.reduce(0, +)) (\(kinds.joined(separator: ", ")))")
        lines.append("blobs:        \(inventory.blobs)" + (inventory.bytes.map { ", \(ByteCount.format($0))" } ?? ""))
        lines.append("uploads:      \(inventory.uploads)")
        lines.append("dangling layer links: \(inventory.danglingLayerLinks)")
        lines.append("problems:     \(inventory.problems.count)")
        for problem in inventory.problems {
            var line = "  \(problem.code): \(problem.detailedMessage)"
            if let path = problem.path { line += " [\(path)]" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
