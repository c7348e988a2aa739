/// What to delete: a whole repository (`NAME`) or one tag (`NAME:TAG`).
public struct DeleteTarget: Sendable, Hashable, CustomStringConvertible {
    /// The repository name.
    public var repository: String
    /// The tag, or `nil` for the whole repository.
    public var tag: String?

    /// Creates a target.
    public init(repository: String, tag: String? = nil) {
        self.repository = repository
        self.tag = tag
    }

    /// Parses `NAME` or `NAME:TAG` (the tag is after the last `:`, which cannot be in a name).
    ///
    /// - Throws: `.invalidName` if the name or tag breaks the registry's grammar.
    public init(parsing text: String) throws(SweepError) {
        if let colon = text.lastIndex(of: ":") {
            repository = String(text[..<colon])
            tag = String(text[text.index(after: colon)...])
        } else {
            repository = text
            tag = nil
        }
        guard NameGrammar.isValidRepository(repository) else {
            throw SweepError(
                .invalidName, "not a valid repository name: \"\(repository)\" (lowercase components separated by /)")
        }
        if let tag, !NameGrammar.isValidTag(tag) {
            throw SweepError(.invalidName, "not a valid tag: \"\(tag)\"")
        }
    }

    /// `NAME` or `NAME:TAG`.
    public var description: String { tag.map { "\(repository):\($0)" } ?? repository }
}
