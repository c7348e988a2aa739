import RegistrySweep

/// Text rendering of collection reports.
enum ReportText {
    static func render(_ report: CollectReport, verbose: Bool, cacheConfigured: Bool) -> String {
        // A real run says what happened: eligible, then how many were actually removed.
        func count(_ eligible: Int, _ removed: KeyPath<CollectReport.Removed, Int>) -> String {
            guard let done = report.removed else { return "\(eligible) eligible" }
            return done[keyPath: removed] == eligible
                ? "\(eligible) deleted" : "\(eligible) eligible, \(done[keyPath: removed]) deleted"
        }
        var lines: [String] = []
        lines.append(report.dryRun ? "dry run: nothing was changed" : "sweep complete")
        let bytes = report.removed.map { ByteCount.format($0.bytes) } ?? ByteCount.format(report.eligibleBytes)
        lines.append(
            "blobs:        \(report.totalBlobs) in store, \(report.markedBlobs) marked, \(count(report.eligibleBlobs.count, \.blobs)) (\(bytes))"
        )
        if report.keptYoungBlobs > 0 {
            lines.append("              \(report.keptYoungBlobs) unmarked but younger than the grace period, kept")
        }
        lines.append(
            "manifests:    \(report.totalManifests) read, \(count(report.eligibleManifests.count, \.manifests)) (untagged)"
        )
        lines.append("links:        \(count(report.eligibleLinks.count, \.links))")
        lines.append("uploads:      \(count(report.eligibleUploads.count, \.uploads))")
        lines.append("repositories: \(count(report.eligibleRepositories.count, \.repositories))")
        if !report.skipped.isEmpty {
            lines.append("kept:         \(report.skipped.count) eligible items, the store changed under the run")
        }
        let phases = ["scan", "mark", "plan", "revalidate", "sweep"].compactMap { name in
            report.timings[name].map { "\(name) \(String(format: "%.3f", $0))s" }
        }
        lines.append("time:         \(phases.joined(separator: ", "))")
        if verbose {
            for manifest in report.eligibleManifests {
                lines.append("  manifest \(manifest.repository)@\(manifest.digest)")
            }
            for link in report.eligibleLinks {
                lines.append(
                    "  \(link.kind) link \(link.repository) \(link.tag.map { $0 + " " } ?? "")\(link.digest?.description ?? "")"
                )
            }
            for blob in report.eligibleBlobs { lines.append("  blob \(blob)") }
            for upload in report.eligibleUploads {
                lines.append("  upload \(upload.repository) \(upload.uuid) started \(upload.startedAt ?? "unknown")")
            }
            for repository in report.eligibleRepositories { lines.append("  repository \(repository)") }
            for item in report.skipped { lines.append("  kept \(item.kind) \(item.path): \(item.reason)") }
        }
        for warning in report.warnings { lines.append("warning: \(warning)") }
        if cacheConfigured && !report.dryRun {
            lines.append("warning: this registry's config.yml sets storage.cache: restart the registry now")
        }
        for problem in report.problems {
            lines.append("problem: \(problem.code): \(problem.detailedMessage)\(problem.path.map { " [\($0)]" } ?? "")")
        }
        for failure in report.failures {
            lines.append("failed: \(failure.code): \(failure.detailedMessage)\(failure.path.map { " [\($0)]" } ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}
