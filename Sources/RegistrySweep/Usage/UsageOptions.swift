/// How `du` reads the store.
///
/// The scan reads what ``ImageDeleter`` reads (revisions, tags, tag history, layer links), so
/// that a repository is kept whole, and the tree complete, for exactly the same reasons as in a
/// delete; plus every blob's size (one `stat` per blob, as ``ScanOptions/inventory``).
public struct UsageOptions: Sendable, Hashable {
    /// Listings, reads and stats in flight at once.
    public var concurrency = ScanOptions.defaultConcurrency
    /// Receives progress of the scan (not compared).
    public var progress: ProgressObserver?

    /// The defaults.
    public init() {}

    /// What the scan reads: a delete's scan, plus blob sizes.
    public var scanOptions: ScanOptions {
        var scan = ScanOptions()
        scan.statBlobs = true
        scan.concurrency = concurrency
        scan.progress = progress
        return scan
    }
}
