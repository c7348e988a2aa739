/// What `retain` decided and removed (or would remove). Field names are stable: automation
/// reads the JSON.
public struct RetentionReport: Sendable, Codable, Equatable {
    /// Per repository a rule applied to (in scope), sorted by name.
    public var repositories: [RetentionDecision]
    /// `NAME:TAG` of every tag deleted (or to delete), sorted.
    public var deletedTags: [String]
    /// `NAME:TAG` of every tag kept because it could not be judged (unreadable link, unknown push
    /// time, incomplete repository, invalid name), sorted. Each also appears in its repository's
    /// ``RetentionDecision/keptTags`` with the reason.
    public var keptUnjudged: [String]
    /// Bytes of freed blobs that no repository in ``repositories`` referenced: garbage that was
    /// already there elsewhere, freed by the collect. Per-repository bytes plus these cover ``bytes``.
    public var unattributedBytes = 0
    /// Whether the run collected too (blobs no surviving manifest references).
    public var collect: Bool
    /// Bytes of blob data freed (or, in a dry run, that the whole run would free).
    public var bytes: Int { report.removed?.bytes ?? report.eligibleBytes }
    /// The removal report: eligible and removed items, skipped ones, problems, warnings.
    public var report: CollectReport
    /// Every store-relative path removed (or to remove), in order.
    public var paths: [String]

    private enum CodingKeys: String, CodingKey {
        case repositories, deletedTags, keptUnjudged, unattributedBytes, collect, bytes, report, paths
    }

    /// Creates a report.
    public init(
        repositories: [RetentionDecision], deletedTags: [String], keptUnjudged: [String], collect: Bool,
        report: CollectReport, paths: [String]
    ) {
        self.repositories = repositories
        self.deletedTags = deletedTags
        self.keptUnjudged = keptUnjudged
        self.collect = collect
        self.report = report
        self.paths = paths
    }

    /// Decodes the JSON form (``bytes`` is derived, not read).
    ///
    /// - Throws: `DecodingError` for a missing or malformed field.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        repositories = try container.decode([RetentionDecision].self, forKey: .repositories)
        deletedTags = try container.decode([String].self, forKey: .deletedTags)
        keptUnjudged = try container.decode([String].self, forKey: .keptUnjudged)
        unattributedBytes = try container.decode(Int.self, forKey: .unattributedBytes)
        collect = try container.decode(Bool.self, forKey: .collect)
        report = try container.decode(CollectReport.self, forKey: .report)
        paths = try container.decode([String].self, forKey: .paths)
    }

    /// Encodes the JSON form, with ``bytes``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(repositories, forKey: .repositories)
        try container.encode(deletedTags, forKey: .deletedTags)
        try container.encode(keptUnjudged, forKey: .keptUnjudged)
        try container.encode(unattributedBytes, forKey: .unattributedBytes)
        try container.encode(collect, forKey: .collect)
        try container.encode(bytes, forKey: .bytes)
        try container.encode(report, forKey: .report)
        try container.encode(paths, forKey: .paths)
    }
}
