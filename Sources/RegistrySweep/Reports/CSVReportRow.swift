/// One row of a `--report` CSV file: an item a run removed, would remove, kept or failed to
/// remove.
///
/// Rows come from the reports (``CollectReport/csvRows``, ``DeleteReport/csvRows``,
/// ``RetentionReport/csvRows``) and are written by ``CSVReportWriter``.
public struct CSVReportRow: Sendable, Hashable {
    /// What happened to the item; the raw value is the `action` column.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        /// A real run removed it.
        case removed
        /// A dry run would remove it (or a cancelled run may have; see ``CollectReport/csvRows``).
        case eligible
        /// Its removal failed; the reason is the error.
        case failed
        /// It was eligible but kept (the store changed under the run, or it was young); the
        /// reason says why.
        case skipped
    }

    /// `tag`, `manifest`, `link`, `blob`, `upload`, `incomplete-upload` or `repository`.
    public var kind: String
    /// The repository, or empty for a blob (blobs belong to the store).
    public var repository: String
    /// `sha256:<hex>` for blobs, manifests and links; the tag for tags and tag directories
    /// without a link; the upload's id for uploads; empty for repositories.
    public var digestOrTag: String
    /// Bytes of a blob's data; `nil` (an empty field) for every other kind.
    public var bytes: Int?
    /// What happened.
    public var action: Action
    /// Why the item was eligible, or why it was kept or failed.
    public var reason: String

    /// Creates a row.
    public init(kind: String, repository: String, digestOrTag: String, bytes: Int?, action: Action, reason: String) {
        self.kind = kind
        self.repository = repository
        self.digestOrTag = digestOrTag
        self.bytes = bytes
        self.action = action
        self.reason = reason
    }

    /// The header row's fields: `kind`, `repository`, `digest_or_tag`, `bytes`, `action`, `reason`.
    public static let header = ["kind", "repository", "digest_or_tag", "bytes", "action", "reason"]

    /// The row's fields, in the order of ``header``.
    public var fields: [String] {
        [kind, repository, digestOrTag, bytes.map(String.init) ?? "", action.rawValue, reason]
    }
}
