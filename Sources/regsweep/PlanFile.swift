import ArgumentParser
import Foundation
import RegistrySweep

/// `--plan-out`, `--apply` and `--max-plan-age`, shared by `gc` and `delete`.
struct PlanOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write the plan (what a real run would remove now) to FILE ('-': standard output) and change nothing.",
            valueName: "FILE"))
    var planOut: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Execute a plan written by --plan-out: remove what it lists and a fresh scan still proves removable (the plan's own options and targets are used).",
            valueName: "FILE"))
    var apply: String?

    @Option(name: .long, help: "With --apply: refuse a plan older than this.")
    var maxPlanAge = "24h"

    func validate() throws {
        if apply != nil && planOut != nil { throw ValidationError("--plan-out and --apply cannot be combined") }
        if DurationText.parse(maxPlanAge) == nil {
            throw ValidationError("--max-plan-age: not a duration: \(maxPlanAge)")
        }
    }

    /// `--max-plan-age` in seconds (validated).
    var maxAge: Double { DurationText.parse(maxPlanAge) ?? SweepPlan.defaultMaxAge }
}

/// Reading and writing reviewed plans (`--plan-out`, `--apply`): JSON, key-sorted, written
/// atomically so that a reviewer never reads half a plan.
enum PlanFile {
    /// Writes `plan` to `path` (`-` for standard output).
    static func write(_ plan: SweepPlan, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(plan)
        if path == "-" {
            print(String(decoding: data, as: UTF8.self))
        } else {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Reads a plan written by ``write(_:to:)``.
    ///
    /// - Throws: `.invalidArgument` naming the file when it cannot be read or is not a plan.
    static func read(_ path: String) throws(SweepError) -> SweepPlan {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SweepError(.invalidArgument, "cannot read the plan file: \(error.localizedDescription)", path: path)
        }
        do {
            return try JSONDecoder().decode(SweepPlan.self, from: data)
        } catch {
            throw SweepError(.invalidArgument, "not a regsweep plan (or damaged): \(error)", path: path)
        }
    }

    /// Writes the plan for `--plan-out` and prints its summary (unless it went to standard output).
    static func emit(_ plan: SweepPlan, to path: String) throws(SweepError) {
        ProgressLine.finishActive()
        do {
            try write(plan, to: path)
        } catch {
            throw SweepError(.io, "cannot write the plan: \(error)", path: path)
        }
        if path != "-" { print(summary(plan, path: path)) }
    }

    /// The summary printed after `--plan-out`.
    static func summary(_ plan: SweepPlan, path: String) -> String {
        var lines = ["plan written to \(path); nothing was changed"]
        lines.append(
            "to remove: tags \(plan.tags.count), manifests \(plan.manifests.count), links \(plan.links.count), blobs \(plan.blobs.count) (\(ByteCount.format(plan.bytes))), uploads \(plan.uploads.count), repositories \(plan.repositories.count)"
        )
        for warning in plan.warnings { lines.append("warning: \(warning)") }
        return lines.joined(separator: "\n")
    }
}
