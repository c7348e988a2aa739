/// How `retain` applies a ``RetentionPolicy``.
public struct RetentionOptions: Sendable, Codable, Hashable {
    /// Report only; change nothing (the default).
    public var dryRun = true
    /// Only repositories matching one of these globs are considered (empty: every repository).
    public var scope: [RepositoryGlob] = []
    /// Also collect, on the same scan: every blob no surviving manifest in any repository
    /// references, dangling links and old uploads go, as `gc` with its defaults would remove
    /// them after the deletion (every other revision stays live). Without it, only the blobs the
    /// deleted manifests referenced (and nothing live needs) go, as with `delete`.
    public var collect = false
    /// With ``collect``: uploads older than this (seconds) are removed; `nil` leaves them.
    public var uploadAge: Double? = 168 * 3600
    /// Also remove repositories left with no tags and no manifests.
    public var prune = false
    /// Blobs and links younger than this (seconds, by mtime) are kept. 0 disables.
    public var grace: Double = 3600
    /// Deletions in flight at once.
    public var concurrency = ScanOptions.defaultConcurrency
    /// "Now", seconds since 1970: `keepWithin` counts back from it; tests set it.
    public var now = Timestamp.now()
    /// Receives progress of the scan, plan and removals (not encoded, not compared).
    public var progress: ProgressObserver?

    /// The defaults: dry run, every repository, no collect, 1 h grace.
    public init() {}

    /// The options of the deletion (the `delete` path).
    var deleteOptions: DeleteOptions {
        var options = DeleteOptions()
        options.dryRun = dryRun
        options.prune = prune
        options.grace = grace
        options.concurrency = concurrency
        options.now = now
        options.progress = progress
        return options
    }

    /// The options of the collection (with ``collect``) and of the shared sweep.
    var collectOptions: CollectOptions {
        var options = deleteOptions.collectOptions
        if collect { options.uploadAge = uploadAge }
        return options
    }

    /// What the scan must read: everything `gc` and `delete` need, plus each tag's push time.
    var scanOptions: ScanOptions {
        var options = ScanOptions()
        options.concurrency = concurrency
        options.readTagTimes = true
        options.progress = progress
        return options
    }
}
