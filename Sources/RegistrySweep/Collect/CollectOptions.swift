/// How `gc` decides what is garbage and what it does about it.
public struct CollectOptions: Sendable, Codable, Hashable {
    /// Report only; change nothing (the default).
    public var dryRun = true
    /// Roots are tagged manifests only; untagged manifests (not children of a live index,
    /// not referrers of a live manifest, not younger than `grace`) are deleted.
    public var deleteUntagged = false
    /// Keep untagged referrers (`subject`) of live manifests. On by default.
    public var keepReferrers = true
    /// Blobs, revision links and layer links younger than this (seconds, by mtime) are kept:
    /// protects pushes in flight. 0 disables.
    public var grace: Double = 3600
    /// Uploads (`_uploads/<uuid>`) older than this (seconds, by `startedat`, else the directory
    /// mtime) are removed; `nil` leaves uploads alone. Default 168 h, like the registry's purger.
    public var uploadAge: Double? = 168 * 3600
    /// Remove `_layers` links to blobs that are gone or that no live manifest of the
    /// repository references, and tag-history entries of deleted manifests.
    public var cleanLinks = true
    /// Remove repositories left with no tags and no manifests, and empty directories.
    public var prune = false
    /// Deletions in flight at once.
    public var concurrency = ScanOptions.defaultConcurrency
    /// "Now", seconds since 1970; tests set it to move the clock.
    public var now = Timestamp.now()
    /// Pause after each deletion, in seconds (only for crash tests; 0 in production).
    public var pauseAfterEachDeletion: Double = 0
    /// Receives progress of the scan, plan and sweep (not encoded, not compared).
    public var progress: ProgressObserver?
    /// How many parts the plan's link candidates are computed in (`nil`: one per processor, at
    /// most one per 64 repositories); for tests that compare the parts' joined result with one
    /// pass.
    package var planParts: Int?

    /// The defaults: dry run, every revision is live, 1 h grace, uploads purged after 168 h.
    public init() {}
}
