/// What a ``StoreVerifier`` run checks, and what it may write.
///
/// Verification only reads the store. Two options write, each to a place the operator
/// names explicitly and only there: `baseline` (a file, normally outside the store) and
/// `quarantine` (a directory that receives corrupt blobs, moved, never deleted).
public struct VerifyOptions: Sendable {
    /// How blobs are checked.
    public enum Mode: String, Sendable, Codable {
        /// SHA-256 of every blob's `data`, compared with its digest.
        case full
        /// XXH3 against the baseline for blobs whose size and modification time are
        /// unchanged; SHA-256 for every other blob. Needs `baseline`.
        case fast
    }

    /// Full or fast.
    public var mode: Mode = .full
    /// The baseline file (absolute or relative to the working directory).
    ///
    /// A full run writes it (replacing an older one); a fast run reads it, and rewrites it
    /// when something changed: blobs that were added, rewritten or removed are recorded, so
    /// the next fast run does not hash them with SHA-256 again. A record is only ever
    /// written for content whose SHA-256 matched its digest in this run, or carried over
    /// after XXH3 matched a record that itself came from such a run. Records of blobs found
    /// corrupt are kept as they were (the evidence of the good content).
    public var baseline: String?
    /// Fast mode only: a blob whose size, modification time and content tag (an object store's
    /// ETag, ``FileInfo/contentTag``) all equal its baseline record's is taken as unchanged
    /// without reading it (`--trust-etag`).
    ///
    /// Off by default, and a trust the operator gives: an ETag is the store's tag, not a hash we
    /// computed (the MD5 of a single-part upload, an opaque value for a multipart one), and the
    /// store could be wrong about it. A backend without content tags (the filesystem) gets no
    /// blob trusted; every other blob is read and hashed as in fast mode.
    public var trustContentTags = false
    /// The directory corrupt blobs are moved into (`<dir>/<hex>`), when set.
    ///
    /// Must exist, lie outside the store's `docker/` tree and be on the store's filesystem:
    /// blobs are moved with one `rename`, never copied, and never deleted.
    public var quarantine: String?
    /// Blobs hashed at once; each holds one read buffer of `chunkSize` bytes.
    public var concurrency = VerifyOptions.defaultConcurrency
    /// Bytes read per `pread` when streaming a blob smaller than `mapThreshold`.
    public var chunkSize = 1 << 20
    /// Receives progress of the scan and of the hashing pass (``ProgressEvent/Phase/verify``, with bytes).
    public var progress: ProgressObserver?
    /// Blobs of at least this many bytes are hashed from a read-only memory mapping instead
    /// of `pread` copies (half the kernel time on a warm page cache).
    ///
    /// A mapped read that faults (file truncated meanwhile, disk error) is caught by a
    /// process-wide `SIGBUS` handler, installed on first use, and the blob is read again
    /// with `pread`; faults anywhere else go to the handler that was installed before.
    /// `Int.max` never maps and never installs the handler (for tools that own `SIGBUS`).
    public var mapThreshold = 512 << 10

    /// The number of online cores: hashing is CPU-bound on a warm page cache, and more
    /// readers than cores only add memory and seeks on a cold one.
    public static var defaultConcurrency: Int {
        max(1, SystemCalls.onlineProcessorCount)
    }

    /// A full SHA-256 run that writes nothing.
    public init() {}

    /// Creates options.
    ///
    /// - Parameters:
    ///   - mode: full or fast (`fast` needs `baseline`).
    ///   - baseline: the baseline file to write (full) or check against (fast).
    ///   - quarantine: the directory to move corrupt blobs into.
    public init(mode: Mode, baseline: String? = nil, quarantine: String? = nil) {
        self.mode = mode
        self.baseline = baseline
        self.quarantine = quarantine
    }
}
