/// Ordered retention rules: for each repository, the first rule that covers it applies.
///
/// A repository no rule covers keeps every tag. Load one from YAML with
/// ``load(yamlFile:)`` or ``parse(yaml:file:)``:
///
/// ```yaml
/// rules:
///   - repositories: ["team/**"]
///     keepLast: 10
///     keepWithin: 30d
///     keepTags: ["latest", "v[0-9].*"]
///   - repositories: ["**"]
///     keepLast: 3
/// ```
public struct RetentionPolicy: Sendable, Hashable, Codable {
    /// The rules, in the order they are tried.
    public var rules: [RetentionRule]

    /// Creates a policy.
    ///
    /// - Throws: `.invalidArgument` when there is no rule.
    public init(rules: [RetentionRule]) throws(SweepError) {
        guard !rules.isEmpty else { throw SweepError(.invalidArgument, "a retention policy needs at least one rule") }
        self.rules = rules
    }

    /// The first rule covering `repository` and its index in ``rules``, or `nil` (keep everything).
    public func rule(for repository: String) -> (index: Int, rule: RetentionRule)? {
        for (index, rule) in rules.enumerated() where rule.covers(repository) { return (index, rule) }
        return nil
    }
}
