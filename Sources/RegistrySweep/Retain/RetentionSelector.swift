/// Applies a policy to a snapshot: which tags of which repositories go.
///
/// Pure computation over one scan. Whatever cannot be judged stays: a repository that was not
/// read completely (or holds a manifest that cannot be read, or has an invalid name) keeps every
/// tag; a tag whose link or push time is unknown, or whose name breaks the grammar, stays.
///
/// ## Performance
/// O(tags × patterns) plus a sort of each covered repository's tags; the patterns are compiled
/// once per run.
struct RetentionSelector {
    let policy: RetentionPolicy
    let options: RetentionOptions
    /// Per rule: its `keepTags` and `deleteTag` compiled.
    private let compiled: [(keep: [TagPattern], delete: TagPattern?)]

    /// Compiles the policy's patterns.
    ///
    /// - Throws: `.invalidArgument` for a pattern that does not compile (a policy made through
    ///   ``RetentionRule/init(repositories:keepLast:keepWithin:keepTags:deleteTag:)`` has none).
    init(policy: RetentionPolicy, options: RetentionOptions) throws(SweepError) {
        self.policy = policy
        self.options = options
        var compiled: [(keep: [TagPattern], delete: TagPattern?)] = []
        for rule in policy.rules {
            var keep: [TagPattern] = []
            for pattern in rule.keepTags { keep.append(try TagPattern(pattern)) }
            compiled.append((keep, try rule.deleteTag.map { text throws(SweepError) in try TagPattern(text) }))
        }
        self.compiled = compiled
    }

    /// True if the options' scope covers `name`.
    func inScope(_ name: String) -> Bool { options.scope.isEmpty || options.scope.contains { $0.matches(name) } }

    /// Decides every repository in scope that a rule covers, in the snapshot's (name) order.
    func select(_ snapshot: StoreSnapshot) -> [RetentionDecision] {
        var decisions: [RetentionDecision] = []
        for repository in snapshot.repositories where inScope(repository.name) {
            guard let (index, rule) = policy.rule(for: repository.name) else { continue }
            decisions.append(decide(repository, rule: rule, index: index, snapshot: snapshot))
        }
        return decisions
    }

    /// Decides one repository.
    private func decide(_ repository: Repository, rule: RetentionRule, index: Int, snapshot: StoreSnapshot)
        -> RetentionDecision
    {
        var decision = RetentionDecision(repository: repository.name, rule: index, deletedTags: [], keptTags: [])
        let whole: RetentionDecision.Reason? =
            if !repository.hasValidName {
                .invalidName
            } else if repository.isIncomplete
                || repository.revisions.contains(where: snapshot.unreadableManifests.contains)
            {
                .repositoryIncomplete
            } else {
                nil
            }
        if let whole {
            decision.keptTags = repository.tags.map { .init(tag: $0.name, reason: whole) }.sorted { $0.tag < $1.tag }
            return decision
        }
        // Rank the tags whose push time is known: newest first, ties by name.
        let ranked = repository.tags.filter { $0.current != nil && $0.pushedAt != nil }
            .sorted { ($0.pushedAt ?? 0, $1.name) > ($1.pushedAt ?? 0, $0.name) }
        let newest = Set(ranked.prefix(rule.keepLast ?? 0).map(\.name))
        let patterns = compiled[index]
        for tag in repository.tags.sorted(by: { $0.name < $1.name }) {
            let reason: RetentionDecision.Reason?
            if !NameGrammar.isValidTag(tag.name) {
                reason = .invalidName
            } else if tag.current == nil {
                reason = .unreadable
            } else if tag.pushedAt == nil {
                reason = .pushTimeUnknown
            } else if let delete = patterns.delete, delete.matches(tag.name) != true {
                reason = .notCandidate
            } else if patterns.keep.contains(where: { $0.matches(tag.name) != false }) {
                reason = .keepTag
            } else if newest.contains(tag.name) {
                reason = .keepLast
            } else if let within = rule.keepWithin, let pushed = tag.pushedAt, pushed > options.now - within {
                reason = .keepWithin
            } else {
                reason = nil
            }
            if let reason {
                decision.keptTags.append(.init(tag: tag.name, reason: reason))
            } else {
                decision.deletedTags.append(tag.name)
            }
        }
        return decision
    }
}
