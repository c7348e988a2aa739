/// The metric families regsweep writes, each name with its one help text.
///
/// One place for every name, so that a name carries the same `# HELP` in every command's file:
/// node_exporter's textfile collector refuses a family whose help differs between two files of
/// its directory (say `regsweep-gc.prom` and `regsweep-verify.prom`).
struct MetricsFamily: Sendable {
    /// The metric name.
    var name: String
    /// The `# HELP` text.
    var help: String

    /// A gauge sample of this family.
    func sample(_ value: Double, labels: [String: String] = [:]) -> MetricsSample {
        MetricsSample(name, value, labels: labels, help: help)
    }

    /// A gauge sample of this family from an integer.
    func sample(_ value: Int, labels: [String: String] = [:]) -> MetricsSample {
        MetricsSample(name, value, labels: labels, help: help)
    }

    // MARK: Every run

    static let lastRun = MetricsFamily(
        name: "regsweep_last_run_timestamp_seconds", help: "When the run ended, in seconds since 1970.")
    static let runDuration = MetricsFamily(
        name: "regsweep_run_duration_seconds", help: "How long the run took, in seconds.")
    static let exitStatus = MetricsFamily(
        name: "regsweep_exit_status",
        help:
            "The run's exit status: 0 done, 1 problems found or removals failed, 3 store unusable, "
            + "4 unknown reference, 130 interrupted.")
    static let phaseDuration = MetricsFamily(
        name: "regsweep_phase_duration_seconds", help: "Seconds the run spent in each phase.")
    static let problems = MetricsFamily(
        name: "regsweep_problems",
        help: "Problems found in the store, by error code (each kept what it might reference).")
    static let warnings = MetricsFamily(
        name: "regsweep_warnings", help: "Warnings the run reported (things to know that break nothing).")

    // MARK: The store

    static let storeBlobs = MetricsFamily(
        name: "regsweep_store_blobs", help: "Blobs in the store when it was scanned.")
    static let storeManifests = MetricsFamily(
        name: "regsweep_store_manifests", help: "Manifests in the store when it was scanned.")

    // MARK: Usage (du)

    static let storeBytes = MetricsFamily(
        name: "regsweep_store_bytes", help: "Bytes of blob data in the store when it was scanned.")
    static let usageBlobs = MetricsFamily(
        name: "regsweep_usage_blobs",
        help: "Blobs by use: exclusive (one repository), shared (several), unreferenced (garbage).")
    static let usageBytes = MetricsFamily(
        name: "regsweep_usage_bytes",
        help: "Blob bytes by use: exclusive (one repository), shared (several, once), unreferenced (garbage).")
    static let uploads = MetricsFamily(
        name: "regsweep_uploads", help: "Uploads in progress (_uploads entries).")
    static let uploadBytes = MetricsFamily(
        name: "regsweep_upload_bytes", help: "Bytes held by uploads in progress.")
    static let repositories = MetricsFamily(
        name: "regsweep_repositories", help: "Repositories in the store.")
    static let repositoryBytes = MetricsFamily(
        name: "regsweep_repository_bytes",
        help: "Per repository: total bytes it references, and exclusive bytes (what deleting it would free).")

    // MARK: Collecting (gc, delete, retain)

    static let markedBlobs = MetricsFamily(
        name: "regsweep_marked_blobs", help: "Distinct digests marked live.")
    static let eligibleItems = MetricsFamily(
        name: "regsweep_eligible_items",
        help: "Items eligible for removal, by kind (in a real run, including those kept or failed after all).")
    static let eligibleBytes = MetricsFamily(
        name: "regsweep_eligible_bytes", help: "Bytes of blob data eligible for removal.")
    static let removedItems = MetricsFamily(
        name: "regsweep_removed_items", help: "Items removed, by kind (0 in a dry run).")
    static let removedBytes = MetricsFamily(
        name: "regsweep_removed_bytes", help: "Bytes of blob data removed (0 in a dry run).")
    static let skippedItems = MetricsFamily(
        name: "regsweep_skipped_items",
        help: "Eligible items kept because the store changed under the run or they were young, by kind.")
    static let keptYoungBlobs = MetricsFamily(
        name: "regsweep_kept_young_blobs",
        help: "Unreferenced blobs kept because they are younger than the grace period.")
    static let removalFailures = MetricsFamily(
        name: "regsweep_removal_failures", help: "Removals that failed, by error code.")
    static let revalidations = MetricsFamily(
        name: "regsweep_revalidations", help: "Times the run looked for what a live registry wrote since the scan.")
    static let unjudgedTags = MetricsFamily(
        name: "regsweep_retention_unjudged_tags", help: "Tags retention kept because they could not be judged.")

    // MARK: Verifying

    static let verifyBlobs = MetricsFamily(
        name: "regsweep_verify_blobs", help: "Blobs by verification result: verified, corrupt, missing, unreadable.")
    static let verifyHashedBlobs = MetricsFamily(
        name: "regsweep_verify_hashed_blobs", help: "Blobs hashed, by algorithm: sha256, or xxh3 against the baseline.")
    static let verifyHashedBytes = MetricsFamily(
        name: "regsweep_verify_hashed_bytes", help: "Bytes read and hashed.")
    static let verifyBrokenTags = MetricsFamily(
        name: "regsweep_verify_broken_tags", help: "Tags that would fail to pull.")
    static let verifyQuarantinedBlobs = MetricsFamily(
        name: "regsweep_verify_quarantined_blobs", help: "Corrupt blobs moved to the quarantine directory.")

    /// One sample per error code: every code this version knows (zero when absent, so that an
    /// alert's series exists before the first problem), then any other code present.
    static func byCode(_ family: MetricsFamily, _ problems: [StoreProblem]) -> [MetricsSample] {
        var counts: [SweepError.Code: Int] = [:]
        for problem in problems { counts[problem.code, default: 0] += 1 }
        let others = counts.keys.filter { !SweepError.Code.known.contains($0) }.sorted { $0.rawValue < $1.rawValue }
        return (SweepError.Code.known + others).map { family.sample(counts[$0] ?? 0, labels: ["code": $0.rawValue]) }
    }

    /// One sample per phase timing, sorted by phase name.
    static func phases(_ timings: [String: Double]) -> [MetricsSample] {
        timings.sorted { $0.key < $1.key }.map { phaseDuration.sample($0.value, labels: ["phase": $0.key]) }
    }
}
