import ArgumentParser
import Foundation
import RegistrySweep

/// `regsweep verify`: prove every blob holds what its digest says; name the tags that break.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every blob against its digest (SHA-256) and list the tags that would fail to pull.",
        discussion: """
            Full mode hashes every blob's data with SHA-256 on all cores and reports corrupt or truncated blobs, blob directories without data, blobs a manifest, tag or link needs but the store lacks, and link files whose content disagrees with their path; each problem names the repository:tag pulls it breaks.

            --baseline FILE with a full run records, per blob, size, modification time and an XXH3 checksum (binary, versioned, checksummed, written atomically). --fast --baseline FILE then re-checks blobs whose size and mtime are unchanged with XXH3 (any disagreement is confirmed with SHA-256) and hashes new or changed blobs with SHA-256. --fast rewrites the baseline when blobs were added, changed or removed, so new blobs are hashed with SHA-256 once. A missing, damaged or other-version baseline stops the run (exit 3); it never silently turns into a full pass.

            --trust-etag (with --fast, on an object store) takes a blob whose size, last-modified time and ETag all equal its baseline record's as unchanged without reading it: a run then costs the listings and the manifest reads. An ETag is the store's tag (the MD5 of a single-part upload, opaque for a multipart one), not a hash regsweep checked: use it between full or --fast runs, not instead of them. On a filesystem nothing has an ETag and nothing is skipped.

            --quarantine DIR moves corrupt blobs' directories into DIR (never deletes them); DIR is the one place outside the store this command writes to besides the baseline, because you named it. It must exist, be on the store's filesystem (moves are renames) and lie outside the store's docker/ tree. Restart the registry afterwards (or disable its blob descriptor cache): a running registry may still believe a quarantined blob exists.

            Reads the store only (apart from --quarantine); safe next to a running registry. Exit codes: 0 clean, 1 problems found, 64 usage error (including an unusable quarantine directory), 3 the store or baseline could not be used.
            """
    )

    @OptionGroup var store: StoreOptions

    @OptionGroup var progress: ProgressOptions

    @Flag(name: .long, help: "Re-check unchanged blobs with XXH3 against --baseline instead of SHA-256.")
    var fast = false

    @Option(name: .long, help: "Baseline file: written by a full run, read (and refreshed) by --fast.")
    var baseline: String?

    @Flag(
        name: .customLong("trust-etag"),
        help:
            "With --fast on an object store: skip reading blobs whose size, time and ETag equal the baseline's (an ETag is the store's tag, not a hash we checked)."
    )
    var trustETag = false

    @Option(name: .long, help: "Move corrupt blobs into this directory (same filesystem as the store).")
    var quarantine: String?

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @OptionGroup var output: MetricsFileOptions

    func validate() throws {
        if fast && baseline == nil { throw ValidationError("--fast needs --baseline FILE") }
        if trustETag && !fast { throw ValidationError("--trust-etag needs --fast --baseline FILE") }
    }

    func run() async throws {
        let report: VerifyReport
        do throws(SweepError) {
            let (backend, _) = try store.open()
            var options = VerifyOptions(mode: fast ? .fast : .full, baseline: baseline, quarantine: quarantine)
            options.concurrency = StoreOptions.concurrency(for: backend, default: options.concurrency)
            options.trustContentTags = trustETag
            options.progress = progress.start()
            report = try await StoreVerifier(backend: backend, options: options).verify()
        } catch {
            var hints = StoreOptions.hints
            hints[.invalidBaseline] = "a full `regsweep verify ROOT --baseline FILE` records a new baseline"
            throw await output.failed(ExitStatus.fail(error, hints: hints), command: "verify", dryRun: nil)
        }
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report))
        }
        let status = report.isClean ? ExitCode.success : ExitStatus.problems
        try await output.finish(status, command: "verify", dryRun: nil, samples: report.metricsSamples)
    }

    static func render(_ report: VerifyReport) -> String {
        var lines: [String] = []
        lines.append("mode:         \(report.mode.rawValue)")
        lines.append("blobs:        \(report.blobs), verified \(report.verified)")
        lines.append("hashed:       \(report.hashedSHA256) with SHA-256, \(report.checkedXXH3) with XXH3")
        if report.trustedContentTags > 0 {
            lines.append("trusted:      \(report.trustedContentTags) by unchanged size, time and ETag (not read)")
        }
        let rate = String(format: "%.0f MB/s", report.throughput / 1e6)
        let seconds = String(format: "%.2f s", report.seconds)
        lines.append("bytes:        \(ByteCount.format(report.bytesHashed)) in \(seconds) (hashing at \(rate))")
        lines.append("corrupt:      \(report.corrupt)")
        lines.append("missing:      \(report.missing)")
        lines.append("unreadable:   \(report.unreadable)")
        if let baseline = report.baseline {
            let read = baseline.recordsRead.map { "read \($0) records" }
            let written = baseline.recordsWritten.map { "wrote \($0) records" } ?? "unchanged"
            lines.append(
                "baseline:     \(baseline.path): " + ([read, written].compactMap { $0 }.joined(separator: ", ")))
        }
        for path in report.quarantined { lines.append("quarantined:  \(path)") }
        if !report.quarantined.isEmpty {
            lines.append("              restart the registry (or disable its blob descriptor cache): it may still")
            lines.append("              believe quarantined blobs exist; push the broken images again")
        }
        lines.append("broken tags:  \(report.brokenTags.count)")
        for tag in report.brokenTags { lines.append("  \(tag)") }
        lines.append("problems:     \(report.problems.count)")
        for problem in report.problems {
            var line = "  \(problem.code): \(problem.detailedMessage)"
            if let path = problem.path { line += " [\(path)]" }
            if let broken = problem.brokenTags, !broken.isEmpty { line += " breaks \(broken.joined(separator: ", "))" }
            lines.append(line)
        }
        if !report.warnings.isEmpty {
            lines.append("warnings:     \(report.warnings.count)")
            for warning in report.warnings {
                lines.append("  \(warning.code): \(warning.detailedMessage) [\(warning.path ?? "")]")
            }
        }
        return lines.joined(separator: "\n")
    }
}
