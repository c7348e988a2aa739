/// What a scan reads beyond the minimum that mark and sweep need.
public struct ScanOptions: Sendable {
    /// Stat every blob's `data` for sizes and report blob directories without data.
    /// Costs one `fstatat` per blob; `gc` stats only what it may delete.
    public var statBlobs = false
    /// Read every revision and layer link file and check it names its own path.
    /// The registry itself trusts the path, as does mark; this is for inventories.
    public var checkLinks = false
    /// List each tag's history (`index/sha256`): needed to delete dead manifests' history
    /// entries and to clean stale ones; one directory listing per tag.
    public var readTagHistory = true
    /// List each repository's `_layers` links: needed to clean links. Repositories that are
    /// kept whole have theirs listed regardless (their layers are marked).
    public var listLayerLinks = true
    /// Stat each tag's `current/link` for its push time (``Repository/Tag/pushedAt``), as
    /// retention needs; one `fstatat` per tag. Off by default.
    public var readTagTimes = false
    /// Tasks listing or reading at once; each holds at most one descriptor at a time.
    public var concurrency = ScanOptions.defaultConcurrency
    /// Receives progress (``ProgressEvent/Phase/listBlobs`` … ``ProgressEvent/Phase/statBlobs``).
    public var progress: ProgressObserver?

    /// Twice the number of online cores, at least 4.
    public static var defaultConcurrency: Int {
        max(4, 2 * SystemCalls.onlineProcessorCount)
    }

    /// The minimum: what `gc` needs.
    public init() {}

    /// Options for a full inventory (`regsweep scan`): sizes and link checks on.
    public static var inventory: ScanOptions {
        var options = ScanOptions()
        options.statBlobs = true
        options.checkLinks = true
        return options
    }
}
