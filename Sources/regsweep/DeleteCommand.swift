import ArgumentParser
import Foundation
import RegistrySweep

/// `regsweep delete`: remove a repository or a tag and whatever only it kept alive.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a repository (NAME) or a tag (NAME:TAG), keeping every blob another image still uses.",
        discussion: """
            A tag's manifest is removed only if no other tag of the repository reaches it; its index children and untagged referrers (signatures, SBOMs) go with it under the same rule. Blobs are removed only when no live manifest in any repository references them. Tags and links are removed before blobs, so a crash leaves only garbage. Several --image may be given.

            Review first: --plan-out FILE writes what would be removed (JSON) and changes nothing; --apply FILE later removes what that plan lists and a fresh scan still proves removable (items that changed meanwhile are kept and reported; a plan for another store, or older than --max-plan-age, is refused).

            Exit codes: 0 done; 1 some deletions failed; 3 the store could not be used; 4 unknown repository or tag (nothing was changed); 64 usage error or unusable plan.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "NAME or NAME:TAG to delete (repeatable).")
    var image: [String] = []

    @Flag(
        name: [.customShort("d"), .long],
        help: "List every path that would be removed and the bytes freed; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Also remove repositories left with no tags and no manifests, and empty directories.")
    var prune = false

    @Option(name: .long, help: "Keep blobs and links younger than this (e.g. 1h, 0 to disable).")
    var grace = "1h"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var plans: PlanOptions

    @OptionGroup var output: OutputFileOptions

    @OptionGroup var progress: ProgressOptions

    @Option(name: .long, help: .hidden)
    var pauseMs: Double = 0

    /// Crash tests: SIGKILL right after this many removals (0: never).
    @Option(name: .long, help: .hidden)
    var crashAfterRemovals = 0

    func run() async throws {
        guard let graceSeconds = DurationText.parse(grace) else {
            throw ValidationError("--grace: not a duration: \(grace)")
        }
        if plans.apply != nil && !image.isEmpty {
            throw ValidationError("--apply takes its targets from the plan: give no --image")
        }
        guard plans.apply != nil || !image.isEmpty else {
            throw ValidationError("give at least one --image NAME[:TAG]")
        }
        var options = DeleteOptions()
        options.dryRun = dryRun || plans.planOut != nil
        options.prune = prune
        options.grace = graceSeconds
        options.pauseAfterEachDeletion = pauseMs / 1000
        CrashPoint.arm(afterRemovals: crashAfterRemovals)
        let result: DeleteReport
        var interrupted = false
        do throws(SweepError) {
            let opened = try store.open()
            options.concurrency = StoreOptions.concurrency(for: opened.backend, default: options.concurrency)
            options.progress = progress.start()
            let deleter = ImageDeleter(backend: opened.backend, options: options)
            let targets = try image.map { text throws(SweepError) in try DeleteTarget(parsing: text) }
            let (planOut, apply, maxAge) = (plans.planOut, plans.apply, plans.maxAge)
            let outcome = try await Interruption.run { () async throws(SweepError) -> DeleteReport? in
                if let apply {
                    return try await deleter.execute(try PlanFile.read(apply), maxAge: maxAge)
                }
                if let planOut {
                    try PlanFile.emit(try await deleter.plan(targets), to: planOut)
                    return nil
                }
                return try await deleter.run(targets)
            }
            guard let made = outcome.value else { return }
            result = made
            interrupted = outcome.interrupted
        } catch {
            var hints = StoreOptions.hints
            hints[.invalidStore] = "`regsweep scan ROOT` lists what is wrong with the store"
            throw await output.failed(ExitStatus.fail(error, hints: hints), command: "delete", dryRun: dryRun)
        }
        progress.finish()
        if json {
            try printJSON(result)
        } else {
            print(dryRun ? "dry run: nothing was changed; would remove:" : "planned:")
            for path in result.paths { print("  \(path)") }
            print("tags: \(result.removedTags.joined(separator: ", "))")
            let report = result.report
            if let removed = report.removed {
                print(
                    "removed: tags \(removed.tags), manifests \(removed.manifests), blobs \(removed.blobs) (\(ByteCount.format(removed.bytes))), links \(removed.links), repositories \(removed.repositories)"
                )
            } else {
                print(
                    "manifests: \(report.eligibleManifests.count), blobs: \(report.eligibleBlobs.count) (\(ByteCount.format(report.eligibleBytes))), links: \(report.eligibleLinks.count), repositories: \(report.eligibleRepositories.count)"
                )
            }
            for item in report.skipped { print("kept: \(item.kind) \(item.path): \(item.reason)") }
            for warning in result.report.warnings { print("warning: \(warning)") }
            for failure in result.report.failures {
                print("failed: \(failure.code): \(failure.detailedMessage) [\(failure.path ?? "")]")
            }
        }
        let status =
            interrupted || result.report.cancelled
            ? Interruption.exitCode
            : !result.report.failures.isEmpty ? ExitStatus.problems : .success
        try await output.finish(
            status, command: "delete", dryRun: result.report.dryRun, samples: result.metricsSamples,
            rows: result.csvRows)
    }
}
