/// The outcome of a ``StoreVerifier`` run, for people and scripts (`regsweep verify --json`).
///
/// `problems` lists everything wrong with the store, each with the tags it breaks;
/// `isClean` is true when there is none. Warnings are leftovers that break nothing
/// (layer links whose blob a garbage collection removed).
public struct VerifyReport: Sendable, Codable, Equatable {
    /// What the baseline file became in this run.
    public struct BaselineSummary: Sendable, Codable, Equatable {
        /// The file.
        public var path: String
        /// Records in the baseline read (fast mode), if one was read.
        public var recordsRead: Int?
        /// Records written, if the file was written.
        public var recordsWritten: Int?
    }

    /// `full` or `fast`.
    public var mode: VerifyOptions.Mode
    /// Blob directories in the store.
    public var blobs: Int
    /// Blobs whose content matched their digest (by SHA-256, or by XXH3 against the baseline),
    /// plus those trusted by their content tag (``trustedContentTags``).
    public var verified: Int
    /// Blobs hashed with SHA-256.
    public var hashedSHA256: Int
    /// Blobs re-checked with XXH3 against the baseline (fast mode).
    public var checkedXXH3: Int
    /// Blobs taken as unchanged without reading them: size, modification time and content tag
    /// (ETag) equal to the baseline's (``VerifyOptions/trustContentTags``, `--trust-etag`).
    public var trustedContentTags: Int
    /// Blobs whose content does not hash to their digest (corrupt or truncated).
    public var corrupt: Int
    /// Blobs referenced (or with a directory) whose `data` is absent.
    public var missing: Int
    /// Blobs whose `data` could not be read.
    public var unreadable: Int
    /// Bytes read and hashed, over all blobs (a blob hashed twice counts twice).
    public var bytesHashed: Int
    /// Seconds for the whole run.
    public var seconds: Double
    /// Seconds spent hashing (the part `throughput` is measured over).
    public var hashSeconds: Double
    /// Bytes hashed per second of hashing.
    public var throughput: Double
    /// Every `repository:tag` that fails to pull, sorted.
    public var brokenTags: [String]
    /// Where corrupt blobs were moved (`--quarantine`), one path each.
    public var quarantined: [String]
    /// The baseline read and written, if any.
    public var baseline: BaselineSummary?
    /// Seconds per phase: `scan`, `stat`, `hash`, `attribute`, `quarantine`, `baseline`.
    public var timings: [String: Double]
    /// Everything wrong with the store, each with the `repository:tag` pulls it breaks
    /// (``StoreProblem/brokenTags`` is never `nil` here).
    public var problems: [StoreProblem]
    /// Leftovers that break nothing (``StoreProblem/brokenTags`` empty).
    public var warnings: [StoreProblem]

    /// True when no problem was found.
    public var isClean: Bool { problems.isEmpty }

    /// Creates an empty report for `mode`; ``StoreVerifier`` fills it in.
    public init(mode: VerifyOptions.Mode) {
        self.mode = mode
        blobs = 0
        verified = 0
        hashedSHA256 = 0
        checkedXXH3 = 0
        trustedContentTags = 0
        corrupt = 0
        missing = 0
        unreadable = 0
        bytesHashed = 0
        seconds = 0
        hashSeconds = 0
        throughput = 0
        brokenTags = []
        quarantined = []
        baseline = nil
        timings = [:]
        problems = []
        warnings = []
    }

    /// The problems with a given code.
    public func problems(_ code: SweepError.Code) -> [StoreProblem] {
        problems.filter { $0.code == code }
    }
}
