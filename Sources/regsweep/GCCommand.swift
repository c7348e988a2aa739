import ArgumentParser
import Foundation
import RegistrySweep

/// `regsweep gc`: mark and sweep a registry store.
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Garbage-collect a registry store: delete unreferenced blobs (and, optionally, untagged manifests).",
        discussion: """
            Mark: by default every manifest revision is live, as with `registry garbage-collect`. With --delete-untagged, only tagged manifests are roots; children of a live index or list, referrers whose subject is live, and revisions younger than --grace stay live too (the reference GC deletes multi-arch children and referrers; regsweep never does). Anything unreadable keeps everything it might reference and is reported.

            Sweep, references before data: dead manifests' links, stale layer links and tag history, then blobs, then uploads older than --uploads, then (with --prune) empty repositories. A crash leaves only garbage for the next run. Real runs take a lock (ROOT/.regsweep.lock).

            Safe next to a running registry thanks to the grace period, but a registry with storage.cache configured must be restarted after a real run.

            Review first: --plan-out FILE writes what a real run would remove now (JSON: each item, its path, bytes, and why) and changes nothing; --apply FILE later scans again with the plan's options and removes only what the plan lists and is still garbage (items that changed meanwhile are kept and listed as skipped; items that became garbage since are left for the next run). A plan made for another store, or older than --max-plan-age (default 24h), is refused.

            Exit codes: 0 done; 1 done but some deletions failed or problems were found; 64 usage error or unusable plan; 3 the store could not be used (not a store, locked, unreadable).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, distribution
    }

    @OptionGroup var store: StoreOptions

    @Flag(name: [.customShort("d"), .long], help: "Report what would be deleted; change nothing.")
    var dryRun = false

    @Flag(
        name: [.customShort("m"), .long], help: "Delete manifests no tag reaches (keeps index children and referrers).")
    var deleteUntagged = false

    @Flag(name: .long, inversion: .prefixedNo, help: "Keep untagged referrers (signatures, SBOMs) of live manifests.")
    var keepReferrers = true

    @Option(
        name: .long,
        help:
            "Keep anything younger than this (e.g. 1h, 30m; 0 keeps only what is written after the scan begins: a push under way at that moment is not protected, so use 0 only on a registry that takes no pushes)."
    )
    var grace = "1h"

    @Option(name: .long, help: "Remove uploads older than this (by startedat), or 'off'.")
    var uploads = "168h"

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: "Remove layer links and tag-history entries that point at nothing live.")
    var cleanLinks = true

    @Flag(name: .long, help: "Remove repositories left with no tags and no manifests, and empty directories.")
    var prune = false

    @Flag(name: .long, help: "Same as --format json.")
    var json = false

    @Option(name: .long, help: "Output: text, json, or distribution (the reference GC's dry-run lines).")
    var format: Format = .text

    @Flag(name: .shortAndLong, help: "List every eligible item in text output.")
    var verbose = false

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
        let uploadSeconds: Double?
        if uploads == "off" {
            uploadSeconds = nil
        } else if let parsed = DurationText.parse(uploads) {
            uploadSeconds = parsed
        } else {
            throw ValidationError("--uploads: not a duration: \(uploads)")
        }
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = deleteUntagged
        options.keepReferrers = keepReferrers
        options.grace = graceSeconds
        options.uploadAge = uploadSeconds
        options.cleanLinks = cleanLinks
        options.prune = prune
        options.pauseAfterEachDeletion = pauseMs / 1000
        CrashPoint.arm(afterRemovals: crashAfterRemovals)
        let report: CollectReport
        var cached = false
        var interrupted = false
        do throws(SweepError) {
            let opened = try store.open()
            cached = opened.cached
            let backend = opened.backend
            options.concurrency = StoreOptions.concurrency(for: backend, default: options.concurrency)
            if plans.planOut != nil { options.dryRun = true }
            options.progress = progress.start()
            let (planOut, apply, maxAge, options) = (plans.planOut, plans.apply, plans.maxAge, options)
            let outcome = try await Interruption.run { () async throws(SweepError) -> CollectReport? in
                if let planOut {
                    try PlanFile.emit(try await Collector(backend: backend, options: options).plan(), to: planOut)
                    return nil
                } else if let apply {
                    return try await Collector(backend: backend, options: options).execute(
                        try PlanFile.read(apply), maxAge: maxAge)
                } else {
                    return try await Collector(backend: backend, options: options).run()
                }
            }
            guard let made = outcome.value else { return }
            report = made
            interrupted = outcome.interrupted
        } catch {
            throw await output.failed(ExitStatus.fail(error, hints: StoreOptions.hints), command: "gc", dryRun: dryRun)
        }
        progress.finish()
        switch json ? .json : format {
        case .json:
            try printJSON(report)
        case .distribution:
            for line in report.distributionLines { print(line) }
        case .text:
            print(ReportText.render(report, verbose: verbose, cacheConfigured: cached))
        }
        let status =
            interrupted || report.cancelled
            ? Interruption.exitCode
            : !report.failures.isEmpty || !report.problems.isEmpty ? ExitStatus.problems : .success
        try await output.finish(
            status, command: "gc", dryRun: report.dryRun, samples: report.metricsSamples, rows: report.csvRows)
    }
}
