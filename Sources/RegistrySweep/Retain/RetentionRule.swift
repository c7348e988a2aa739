/// One retention rule: which repositories it covers, and which of their tags it keeps.
///
/// For a repository the rule applies to, the tags deleted are the **candidates**: tags whose
/// name fully matches ``deleteTag`` (every tag when `nil`), minus tags fully matching any of
/// ``keepTags``, minus the ``keepLast`` most recently pushed tags of the repository, minus tags
/// pushed within ``keepWithin`` of now. "Pushed" is the time of the tag's `current/link`
/// (``Repository/Tag/pushedAt``); ties break by tag name (the smaller name counts as more recent).
///
/// A rule must keep something: at least one of ``keepLast``, ``keepWithin`` or ``keepTags``.
/// "Delete every tag" is said explicitly with `keepLast: 0`. The initializer refuses a rule
/// without a keep rule, a negative count or duration, and a regular expression that does not
/// compile, so a typo never widens what is deleted.
///
/// Regular expressions are Swift `Regex` syntax and must match the whole tag name
/// (`v[0-9]+` matches `v12`, not `v12-rc`).
public struct RetentionRule: Sendable, Hashable, Codable {
    /// The repositories the rule covers (any glob matching is enough).
    public var repositories: [RepositoryGlob]
    /// Keep the N most recently pushed tags of each repository; `nil`: no such rule.
    public var keepLast: Int?
    /// Keep tags pushed within this many seconds before now; `nil`: no such rule.
    public var keepWithin: Double?
    /// Keep tags whose name fully matches any of these regular expressions.
    public var keepTags: [String]
    /// Only tags whose name fully matches this regular expression are candidates; `nil`: every tag.
    public var deleteTag: String?

    /// Creates a rule, checking it.
    ///
    /// - Parameters:
    ///   - repositories: the repositories it covers (default: all).
    ///   - keepLast: how many of the most recently pushed tags to keep.
    ///   - keepWithin: keep tags pushed within this many seconds.
    ///   - keepTags: regular expressions of tag names to keep.
    ///   - deleteTag: the regular expression candidates must match.
    /// - Throws: `.invalidArgument` for a rule with no keep rule, a negative `keepLast` or
    ///   `keepWithin`, or a regular expression that does not compile (naming it and why).
    public init(
        repositories: [RepositoryGlob] = [.all], keepLast: Int? = nil, keepWithin: Double? = nil,
        keepTags: [String] = [], deleteTag: String? = nil
    ) throws(SweepError) {
        guard keepLast != nil || keepWithin != nil || !keepTags.isEmpty else {
            throw SweepError(
                .invalidArgument,
                "a rule needs a keep rule (keepLast, keepWithin or keepTags); to delete every tag, say keepLast: 0")
        }
        if let keepLast, keepLast < 0 {
            throw SweepError(.invalidArgument, "keepLast must be 0 or more, not \(keepLast)")
        }
        if let keepWithin, !(keepWithin >= 0) {
            throw SweepError(.invalidArgument, "keepWithin must be a duration of 0 or more")
        }
        guard !repositories.isEmpty else {
            throw SweepError(.invalidArgument, "a rule needs at least one repositories glob")
        }
        for pattern in keepTags + (deleteTag.map { [$0] } ?? []) { _ = try TagPattern(pattern) }
        self.repositories = repositories
        self.keepLast = keepLast
        self.keepWithin = keepWithin
        self.keepTags = keepTags
        self.deleteTag = deleteTag
    }

    /// True if the rule covers `repository` (some glob of ``repositories`` matches it).
    public func covers(_ repository: String) -> Bool { repositories.contains { $0.matches(repository) } }
}

/// A tag-name regular expression, compiled once, matched against whole names.
///
/// Not `Sendable` (Swift's `Regex` is not): made where a selection runs, from the patterns a
/// ``RetentionRule`` holds as text.
struct TagPattern {
    /// The pattern as written.
    let pattern: String
    private let regex: Regex<AnyRegexOutput>

    /// Compiles a pattern.
    ///
    /// - Throws: `.invalidArgument` naming the pattern and the compiler's reason.
    init(_ pattern: String) throws(SweepError) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw SweepError(.invalidArgument, "invalid regular expression \"\(pattern)\": \(error)")
        }
        self.pattern = pattern
    }

    /// True if the pattern matches the whole of `name`; `nil` if matching failed (a pattern
    /// compiled from text does not fail, but callers keep the tag if it ever does).
    func matches(_ name: String) -> Bool? {
        do {
            return try regex.wholeMatch(in: name) != nil
        } catch {
            return nil
        }
    }
}
