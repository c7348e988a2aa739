/// What a retention policy decided for one repository: which tags go, which stay and why.
public struct RetentionDecision: Sendable, Codable, Equatable {
    /// Why a tag is kept; the raw value is the JSON `reason`.
    public enum Reason: String, Sendable, Codable, Hashable, CaseIterable, CustomStringConvertible {
        /// Its name does not match the rule's `deleteTag`: not a candidate.
        case notCandidate = "not-a-candidate"
        /// Its name matches one of the rule's `keepTags`.
        case keepTag = "keep-tag"
        /// It is among the `keepLast` most recently pushed tags of the repository.
        case keepLast = "keep-last"
        /// It was pushed within `keepWithin`.
        case keepWithin = "keep-within"
        /// The time of its `current/link` could not be read: its rank is unknown, so it stays.
        case pushTimeUnknown = "push-time-unknown"
        /// Its `current/link` could not be read or parsed.
        case unreadable = "unreadable"
        /// The repository could not be read completely (listing, a tag link or a manifest):
        /// every tag of it stays.
        case repositoryIncomplete = "repository-incomplete"
        /// The tag or repository name breaks the registry's grammar.
        case invalidName = "invalid-name"

        /// The raw value.
        public var description: String { rawValue }
    }

    /// A tag kept, and the first reason that kept it.
    public struct KeptTag: Sendable, Codable, Hashable {
        /// The tag name.
        public var tag: String
        /// Why it stays.
        public var reason: Reason
    }

    /// The repository.
    public var repository: String
    /// The index in ``RetentionPolicy/rules`` of the rule that applied.
    public var rule: Int
    /// Tags deleted (or, in a dry run, to delete), by name.
    public var deletedTags: [String]
    /// Tags kept, by name, each with its reason.
    public var keptTags: [KeptTag]
    /// Bytes of the freed blobs this repository referenced: through its deleted manifests or
    /// tags, or its layer links. A blob several repositories referenced counts in each; the run's
    /// total (``RetentionReport/bytes``) counts it once.
    public var bytes = 0
}
