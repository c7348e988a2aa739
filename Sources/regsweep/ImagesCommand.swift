import ArgumentParser
import DockerImageStore
import Foundation
import RegistrySweep

/// `regsweep images`: list a Docker data root's images like `docker images`, telling intermediate from
/// dangling `<none>` images; `--prune` removes the dangling ones through the Engine API.
struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract:
            "List a Docker host's images (tagged, dangling, intermediate) offline; prune dangling ones via the API.",
        discussion: """
            DATA_ROOT is the engine's --data-root (usually /var/lib/docker). It is read offline and never changed: image/<driver>/imagedb, layerdb and repositories.json, or the legacy graph/ layout. By default the top-level images are listed, as `docker images` does; -a lists all, --dangling the untagged childless ones (waste), --intermediate the untagged parents of other images (needed). Each dangling image is shown with the untagged ancestors removed with it and the bytes freed.

            --prune removes the dangling images through the Engine API on --host (DELETE /images/<id>, no force), never by editing files. The engine's own list of dangling images is used, cross-checked against DATA_ROOT when given. --dry-run only shows what would go.

            Exit codes: 0 done; 1 done, but entries were skipped, a delete was refused or the engine and DATA_ROOT disagree; 64 usage error; 3 the data root or the daemon could not be used.
            """
    )

    @Argument(help: "The engine's data root, e.g. /var/lib/docker (optional with --prune).")
    var dataRoot: String?

    @Flag(name: [.customShort("a"), .long], help: "List all images, intermediate ones included (docker images -a).")
    var all = false

    @Flag(name: .long, help: "List only dangling images: untagged, no child (docker images -f dangling=true).")
    var dangling = false

    @Flag(name: .long, help: "List only intermediate images: untagged parents of other images.")
    var intermediate = false

    @Flag(name: [.customShort("q"), .long], help: "Print only full image IDs (sha256:…), one per line, sorted.")
    var quiet = false

    @Flag(name: .long, help: "Print the listing or the prune report as JSON.")
    var json = false

    @Option(name: .customLong("storage-driver"), help: "The driver directory under image/ when there are several.")
    var storageDriver: String?

    @Flag(name: .long, help: "Remove the dangling images through the Engine API.")
    var prune = false

    @Option(name: .long, help: "The daemon's socket, for --prune (unix:// only).")
    var host: String = EngineClient.defaultHost

    @Flag(name: .customLong("dry-run"), help: "With --prune: show what would be removed and freed, remove nothing.")
    var dryRun = false

    func validate() throws {
        if quiet && json { throw ValidationError("give -q or --json, not both") }
        if prune {
            if all || intermediate || dangling {
                throw ValidationError("--prune removes dangling images only; drop -a, --dangling and --intermediate")
            }
        } else {
            if dataRoot == nil { throw ValidationError("give DATA_ROOT (the engine's --data-root), or --prune") }
            if dryRun { throw ValidationError("--dry-run goes with --prune") }
            if host != EngineClient.defaultHost { throw ValidationError("--host goes with --prune") }
        }
    }

    func run() async throws {
        if prune {
            try await runPrune()
        } else {
            try await runList()
        }
    }

    /// Flag hints for the library's errors.
    static let hints: [SweepError.Code: String] = [
        .invalidImageStore: "if several storage drivers are present, choose one with --storage-driver",
        .engine: "--host names the engine's socket (unix:///var/run/docker.sock by default)",
    ]

    /// Lists the data root's images.
    private func runList() async throws {
        let kinds = ImageListing.kinds(all: all, dangling: dangling, intermediate: intermediate)
        let listing: ImageListing
        do throws(SweepError) {
            listing = try await ImageListing.load(dataRoot: dataRoot ?? ".", kinds: kinds, driver: storageDriver)
        } catch {
            throw ExitStatus.fail(error, hints: Self.hints)
        }
        if json {
            print(try Self.encode(listing))
        } else if quiet {
            for id in listing.ids { print(id) }
        } else {
            print(ImagesTable.render(listing, now: Timestamp.now()))
        }
        for problem in listing.problems {
            printError(
                "regsweep: skipped (the engine does not load it either): \(problem.detailedMessage) [\(problem.path ?? "")]"
            )
        }
        if !listing.problems.isEmpty { throw ExitStatus.problems }
    }

    /// Plans and, unless `--dry-run`, performs the prune.
    private func runPrune() async throws {
        let report: ImagePruneReport
        do throws(SweepError) {
            let client = try EngineClient(host: host)
            var offline: ImageStoreModel?
            if let root = dataRoot {
                offline = try await ImageStoreLoader(strict: true, driver: storageDriver).load(dataRoot: root)
            }
            let pruner = ImagePruner(client: client, offline: offline)
            let plan = try pruner.plan()
            let outcome = dryRun ? nil : try pruner.prune(plan)
            report = ImagePruneReport(plan: plan, outcome: outcome, socketPath: client.socketPath)
        } catch {
            throw ExitStatus.fail(error, hints: Self.hints)
        }
        if json {
            print(try Self.encode(report))
        } else if quiet {
            let ids = report.result?.removedImages ?? report.steps.flatMap { [$0.id] + $0.exclusiveAncestors }
            for id in ids.sorted() { print(id) }
        } else {
            print(ImagesTable.render(report))
        }
        if report.hasProblems { throw ExitStatus.problems }
    }

    /// Pretty, key-sorted JSON.
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
