import ArgumentParser
import Foundation
import RegistrySweep

/// `regsweep retain`: apply retention rules (keep the last N, recent, or release tags; delete the
/// rest), then optionally collect, in one scan.
struct RetainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retain",
        abstract: "Apply retention rules: decide which tags go, delete them, optionally collect (one scan).",
        discussion: """
            Scope: repositories matching any --repository glob (`*` within one path component, `**` across; default: all).

            Candidates: tags matching --delete-tag (default: every tag), minus tags matching any --keep-tag regex (full match; e.g. `latest`, `v[0-9]+\\.[0-9]+\\.[0-9]+`), minus the N most recently pushed tags of each repository (--keep-last), minus tags pushed within DURATION (--keep-within). With no keep rule at all the command refuses to run (exit 64): "delete every tag" must be said with --keep-last 0 explicitly.

            "Pushed" is the time of the tag's current/link (rewritten on every push of that tag; on object stores, its last-modified time). Ties break by tag name.

            Deleting a tag follows `delete NAME:TAG`'s rule: the tag goes; its manifest (with its index children and untagged referrers) goes only if no surviving tag reaches it.

            --collect runs the collect in the same run (one scan), so blobs are freed too; the dry run reports the bytes the whole run would free (blobs no surviving manifest in any repository references), per repository and in total. (The collect is `gc` with its defaults, over the whole store whatever the scope: every other revision stays live; dangling links and uploads older than 168h go too.)

            --policy FILE (YAML) holds several rules, the first rule whose `repositories` glob matches a repository applies to it:
              rules:
                - repositories: ["team/**"]
                  keepLast: 10
                  keepWithin: 30d
                  keepTags: ["latest", "v[0-9].*"]
                - repositories: ["**"]
                  keepLast: 3
            A policy that does not parse, has an unknown key, an invalid regex or glob, or a rule without any keep rule is refused with the file, line and reason (exit 64): a typo must never widen what is deleted. --policy excludes the rule options (--keep-last, --keep-within, --keep-tag, --delete-tag); --repository then narrows the scope.

            A tag whose current/link cannot be read or parsed is kept and reported; so is every tag of a repository that cannot be fully listed.

            --plan-out FILE writes the plan (JSON) and changes nothing; it is a delete plan for the chosen tags, which `regsweep delete ROOT --apply FILE` carries out later against a fresh scan (the collect part is then gc's).

            Exit codes: 0 done; 1 done, but some deletions failed, or tags were kept because they could not be judged, or the scan found problems (all listed); 3 the store could not be used; 64 usage error, no keep rule, or an invalid policy (nothing was changed); 130 interrupted.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: ArgumentHelp("Retention rules in YAML (see above).", valueName: "FILE"))
    var policy: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only repositories matching this glob (repeatable; `*` one component, `**` across).", valueName: "GLOB"))
    var repository: [String] = []

    @Option(name: .long, help: ArgumentHelp("Keep the N most recently pushed tags of each repository.", valueName: "N"))
    var keepLast: Int?

    @Option(
        name: .long, help: ArgumentHelp("Keep tags pushed within this duration (e.g. 30d, 12h).", valueName: "DURATION")
    )
    var keepWithin: String?

    @Option(
        name: .long,
        help: ArgumentHelp("Keep tags whose name fully matches this regex (repeatable).", valueName: "REGEX"))
    var keepTag: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Only tags whose name fully matches this regex are candidates (default: every tag).", valueName: "REGEX"))
    var deleteTag: String?

    @Flag(name: [.customShort("d"), .long], help: "Report what would be deleted and the bytes freed; change nothing.")
    var dryRun = false

    @Flag(name: .long, help: "Also collect in the same run: free every blob no surviving manifest references.")
    var collect = false

    @Flag(name: .long, help: "Also remove repositories left with no tags and no manifests.")
    var prune = false

    @Option(name: .long, help: "Keep blobs and links younger than this (e.g. 1h, 0 to disable).")
    var grace = "1h"

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Option(
        name: .long,
        help: ArgumentHelp("Write the plan to FILE ('-': standard output) and change nothing.", valueName: "FILE"))
    var planOut: String?

    @OptionGroup var output: OutputFileOptions

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
        if policy != nil && (keepLast != nil || keepWithin != nil || !keepTag.isEmpty || deleteTag != nil) {
            throw ValidationError(
                "--policy holds the rules: give no --keep-last, --keep-within, --keep-tag or --delete-tag with it")
        }
    }

    /// The policy: the file's, or one rule from the options.
    private func makePolicy() throws(SweepError) -> RetentionPolicy {
        if let policy { return try RetentionPolicy.load(yamlFile: policy) }
        var within: Double?
        if let keepWithin {
            guard let seconds = DurationText.parse(keepWithin) else {
                throw SweepError(.invalidArgument, "--keep-within: not a duration: \(keepWithin)")
            }
            within = seconds
        }
        let globs = try repository.map { text throws(SweepError) in try RepositoryGlob(text) }
        do {
            let rule = try RetentionRule(
                repositories: globs.isEmpty ? [.all] : globs, keepLast: keepLast, keepWithin: within, keepTags: keepTag,
                deleteTag: deleteTag)
            return try RetentionPolicy(rules: [rule])
        } catch {
            var refused = error
            if keepLast == nil && keepWithin == nil && keepTag.isEmpty {
                refused.message =
                    "no keep rule (--keep-last, --keep-within or --keep-tag): refusing to run; to delete every tag, say --keep-last 0"
            }
            throw refused
        }
    }

    func run() async throws {
        guard let graceSeconds = DurationText.parse(grace) else {
            throw ValidationError("--grace: not a duration: \(grace)")
        }
        var options = RetentionOptions()
        options.dryRun = dryRun || planOut != nil
        options.collect = collect
        options.prune = prune
        options.grace = graceSeconds
        let result: RetentionReport
        var interrupted = false
        do throws(SweepError) {
            let policy = try makePolicy()
            options.scope = try repository.map { text throws(SweepError) in try RepositoryGlob(text) }
            let opened = try store.open()
            options.concurrency = StoreOptions.concurrency(for: opened.backend, default: options.concurrency)
            options.progress = progress.start()
            let retainer = Retainer(backend: opened.backend, options: options)
            let planOut = planOut
            let outcome = try await Interruption.run { () async throws(SweepError) -> RetentionReport? in
                if let planOut {
                    try PlanFile.emit(try await retainer.plan(policy), to: planOut)
                    return nil
                }
                return try await retainer.run(policy)
            }
            guard let made = outcome.value else { return }
            result = made
            interrupted = outcome.interrupted
        } catch {
            throw await output.failed(
                ExitStatus.fail(error, hints: StoreOptions.hints), command: "retain", dryRun: dryRun)
        }
        progress.finish()
        if json {
            try printJSON(result)
        } else {
            print(RetainText.render(result))
        }
        let status =
            interrupted || result.report.cancelled
            ? Interruption.exitCode
            : !result.report.failures.isEmpty || !result.keptUnjudged.isEmpty || !result.report.problems.isEmpty
                ? ExitStatus.problems : .success
        try await output.finish(
            status, command: "retain", dryRun: result.report.dryRun, samples: result.metricsSamples,
            rows: result.csvRows)
    }
}
