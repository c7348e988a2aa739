/// How `delete` removes what it is asked to remove.
public struct DeleteOptions: Sendable, Codable, Hashable {
    /// Report only; change nothing (the default).
    public var dryRun = true
    /// Also remove repositories the deletion leaves with no tags and no manifests.
    public var prune = false
    /// Blobs and links younger than this (seconds, by mtime) are kept: protects pushes in
    /// flight. 0 disables.
    public var grace: Double = 3600
    /// Deletions in flight at once.
    public var concurrency = ScanOptions.defaultConcurrency
    /// "Now", seconds since 1970; tests set it to move the clock.
    public var now = Timestamp.now()
    /// Pause after each deletion, in seconds (only for crash tests; 0 in production).
    public var pauseAfterEachDeletion: Double = 0
    /// Receives progress of the scan, plan and removals (not encoded, not compared).
    public var progress: ProgressObserver?

    /// The defaults: dry run, no pruning, 1 h grace.
    public init() {}

    /// The collection options the shared planner and sweeper run with: every revision live
    /// except those the delete names, link hygiene on, uploads left alone.
    var collectOptions: CollectOptions {
        var options = CollectOptions()
        options.dryRun = dryRun
        options.deleteUntagged = false
        options.prune = prune
        options.grace = grace
        options.uploadAge = nil
        options.cleanLinks = true
        options.concurrency = concurrency
        options.now = now
        options.pauseAfterEachDeletion = pauseAfterEachDeletion
        options.progress = progress
        return options
    }
}
