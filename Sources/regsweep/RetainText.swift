import RegistrySweep

/// Text rendering of retention reports.
enum RetainText {
    static func render(_ result: RetentionReport) -> String {
        let report = result.report
        var lines: [String] = [report.dryRun ? "dry run: nothing was changed" : "retention applied"]
        for decision in result.repositories {
            let kept = Dictionary(grouping: decision.keptTags, by: \.reason).sorted {
                $0.key.rawValue < $1.key.rawValue
            }
            .map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
            lines.append(
                "\(decision.repository) (rule \(decision.rule + 1)): delete \(decision.deletedTags.count), keep \(decision.keptTags.count)\(kept.isEmpty ? "" : " (\(kept))"), frees \(ByteCount.format(decision.bytes))"
            )
            for tag in decision.deletedTags { lines.append("  - \(decision.repository):\(tag)") }
        }
        let freed = ByteCount.format(result.bytes)
        if let removed = report.removed {
            lines.append(
                "removed: tags \(removed.tags), manifests \(removed.manifests), blobs \(removed.blobs) (\(freed)), links \(removed.links), uploads \(removed.uploads), repositories \(removed.repositories)"
            )
        } else {
            lines.append(
                "would remove: tags \(result.deletedTags.count), manifests \(report.eligibleManifests.count), blobs \(report.eligibleBlobs.count) (\(freed) in total), links \(report.eligibleLinks.count), uploads \(report.eligibleUploads.count), repositories \(report.eligibleRepositories.count)"
            )
        }
        if result.unattributedBytes > 0 {
            lines.append(
                "other garbage (no repository above referenced it): \(ByteCount.format(result.unattributedBytes))")
        }
        for tag in result.keptUnjudged { lines.append("kept (could not be judged): \(tag)") }
        for item in report.skipped { lines.append("kept: \(item.kind) \(item.path): \(item.reason)") }
        for warning in report.warnings { lines.append("warning: \(warning)") }
        for problem in report.problems {
            lines.append("problem: \(problem.code): \(problem.detailedMessage)\(problem.path.map { " [\($0)]" } ?? "")")
        }
        for failure in report.failures {
            lines.append("failed: \(failure.code): \(failure.detailedMessage)\(failure.path.map { " [\($0)]" } ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
