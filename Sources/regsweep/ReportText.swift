import RegistrySweep

/// Text rendering of collection reports.
enum ReportText {
    static func render(_ report: CollectReport, verbose: Bool, cacheConfigured: Bool) -> String {
        let verb = report.dryRun ? "eligible" : "deleted"
        var lines: [String] = []
        lines.append(report.dryRun ? "dry run: nothing was changed" : "sweep complete")
        lines.append("blobs:        \(report.totalBlobs) in store, \(report.markedBlobs) marked, \(report.eligibleBlobs.count) \(verb) (\(ByteCount.format(report.eligibleBytes)))")
        if report.keptYoungBlobs > 0 { lines.append("              \(report.keptYoungBlobs) unmarked but younger than the grace period, kept") }
        lines.append("manifests:    \(report.totalManifests) read, \(report.eligibleManifests.count) untagged \(verb)")
        lines.append("links:        \(report.eligibleLinks.count) \(verb)")
        lines.append("uploads:      \(report.eligibleUploads.count) \(verb)")
        lines.append("repositories: \(report.eligibleRepositories.count) \(verb)")
        let phases = ["scan", "mark", "plan", "sweep"].compactMap { name in
            report.timings[name].map { "\(name) \(String(format: "%.3f", $0))s" }
        }
        lines.append("time:         \(phases.joined(separator: ", "))")
        if verbose {
            for manifest in report.eligibleManifests { lines.append("  manifest \(manifest.repository)@\(manifest.digest)") }
            for link in report.eligibleLinks { lines.append("  \(link.kind) link \(link.repository) \(link.tag.map { $0 + " " } ?? "")\(link.digest)") }
            for blob in report.eligibleBlobs { lines.append("  blob \(blob)") }
            for upload in report.eligibleUploads { lines.append("  upload \(upload.repository) \(upload.uuid) started \(upload.startedAt ?? "unknown")") }
            for repository in report.eligibleRepositories { lines.append("  repository \(repository)") }
        }
        for warning in report.warnings { lines.append("warning: \(warning)") }
        if cacheConfigured && !report.dryRun {
            lines.append("warning: this registry's config.yml sets storage.cache: restart the registry now")
        }
        for problem in report.problems { lines.append("problem: \(problem.code): \(problem.message)\(problem.path.map { " [\($0)]" } ?? "")") }
        for failure in report.failures { lines.append("failed: \(failure.code): \(failure.message)\(failure.path.map { " [\($0)]" } ?? "")") }
        return lines.joined(separator: "\n")
    }
}
