import Foundation
import RegistrySweep

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
