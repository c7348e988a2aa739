import Yams

extension RetentionPolicy {
    /// The largest policy file read.
    static let maximumFileSize = 1 << 20

    /// The keys a rule may hold.
    static let ruleKeys = ["repositories", "keepLast", "keepWithin", "keepTags", "deleteTag"]

    /// Reads a policy from a YAML file (see ``parse(yaml:file:)`` for the format).
    ///
    /// - Parameter path: the file (absolute, or relative to the working directory).
    /// - Throws: `.invalidArgument` naming the file when it cannot be read, and as
    ///   ``parse(yaml:file:)``.
    public static func load(yamlFile path: String) throws(SweepError) -> RetentionPolicy {
        let bytes: [UInt8]
        do {
            bytes = try LocalFile.read(path, limit: maximumFileSize)
        } catch {
            throw SweepError(
                .invalidArgument, "cannot read the retention policy: \(error.message)", path: path,
                syscall: error.syscall, errno: error.errno)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SweepError(.invalidArgument, "the retention policy is not UTF-8 text", path: path)
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses a policy: a mapping with one key, `rules`, a list of rules, each a mapping of
    /// `repositories` (required: a list of ``RepositoryGlob`` patterns), `keepLast` (a count),
    /// `keepWithin` (a duration such as `30d`, `12h`, `1h30m`), `keepTags` (a list of regular
    /// expressions) and `deleteTag` (a regular expression); see ``RetentionRule``.
    ///
    /// Strict, so that a typo never widens what is deleted: text that is not YAML, an unknown
    /// or repeated key, a value of the wrong type, an invalid glob, regular expression or
    /// duration, and a rule without any keep rule are all refused.
    ///
    /// - Parameters:
    ///   - text: the YAML.
    ///   - file: names the file in errors.
    /// - Throws: `.invalidArgument` with ``SweepError/path`` the file and a message that begins
    ///   `line N: ` followed by the reason.
    public static func parse(yaml text: String, file: String = "policy.yml") throws(SweepError) -> RetentionPolicy {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let (line, problem) = describe(error)
            throw SweepError(.invalidArgument, "line \(line): not valid YAML: \(problem)", path: file, cause: error)
        } catch {
            throw SweepError(.invalidArgument, "line 1: not valid YAML: \(error)", path: file, cause: error)
        }
        guard let root else {
            throw SweepError(.invalidArgument, "line 1: the policy is empty; it needs rules", path: file)
        }
        let reader = PolicyReader(file: file)
        let top = try reader.mapping(root, what: "the policy", keys: ["rules"])
        guard let rulesNode = top["rules"] else {
            throw reader.refuse(root, "the policy needs a rules list")
        }
        let ruleNodes = try reader.sequence(rulesNode, what: "rules")
        guard !ruleNodes.isEmpty else {
            throw reader.refuse(rulesNode, "rules is empty; the policy needs at least one rule")
        }
        var rules: [RetentionRule] = []
        for node in ruleNodes { rules.append(try reader.rule(node)) }
        return try RetentionPolicy(rules: rules)
    }

    /// The line and problem of a Yams error.
    private static func describe(_ error: YamlError) -> (Int, String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return (mark.line, context.map { "\(problem) \($0.text)" } ?? problem)
        case .reader(let problem, _, _, _):
            return (1, problem)
        default:
            return (1, "\(error)")
        }
    }
}

/// Reads policy YAML nodes strictly, naming the line of each refusal.
private struct PolicyReader {
    let file: String

    /// An error at `node`'s line.
    func refuse(_ node: Node, _ reason: String) -> SweepError {
        SweepError(.invalidArgument, "line \(node.mark?.line ?? 1): \(reason)", path: file)
    }

    /// A mapping's values by key; refuses non-mappings, non-scalar, unknown and repeated keys.
    func mapping(_ node: Node, what: String, keys known: [String]) throws(SweepError) -> [String: Node] {
        guard case .mapping(let mapping) = node else { throw refuse(node, "\(what) must be a mapping") }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else { throw refuse(key, "a key of \(what) must be a plain name") }
            guard known.contains(scalar.string) else {
                throw refuse(
                    key, "unknown key \"\(scalar.string)\" in \(what) (known: \(known.joined(separator: ", ")))")
            }
            guard values[scalar.string] == nil else {
                throw refuse(key, "key \"\(scalar.string)\" is repeated in \(what)")
            }
            values[scalar.string] = value
        }
        return values
    }

    /// A sequence's items.
    func sequence(_ node: Node, what: String) throws(SweepError) -> [Node] {
        guard case .sequence(let sequence) = node else { throw refuse(node, "\(what) must be a list") }
        return Array(sequence)
    }

    /// A scalar's text.
    func string(_ node: Node, what: String) throws(SweepError) -> String {
        guard case .scalar(let scalar) = node else { throw refuse(node, "\(what) must be a single value") }
        return scalar.string
    }

    /// A list of scalars.
    func strings(_ node: Node, what: String) throws(SweepError) -> [String] {
        var result: [String] = []
        for item in try sequence(node, what: what) { result.append(try string(item, what: "each item of \(what)")) }
        return result
    }

    /// One rule.
    func rule(_ node: Node) throws(SweepError) -> RetentionRule {
        let values = try mapping(node, what: "a rule", keys: RetentionPolicy.ruleKeys)
        guard let repositoriesNode = values["repositories"] else {
            throw refuse(node, "a rule needs repositories (a list of globs, e.g. [\"**\"] for all)")
        }
        var globs: [RepositoryGlob] = []
        for item in try sequence(repositoriesNode, what: "repositories") {
            let text = try string(item, what: "each item of repositories")
            do {
                globs.append(try RepositoryGlob(text))
            } catch {
                throw refuse(item, error.message)
            }
        }
        guard !globs.isEmpty else { throw refuse(repositoriesNode, "repositories is empty") }
        var keepLast: Int?
        if let value = values["keepLast"] {
            let text = try string(value, what: "keepLast")
            guard let count = Int(text), count >= 0 else {
                throw refuse(value, "keepLast must be a count (0 or more), not \"\(text)\"")
            }
            keepLast = count
        }
        var keepWithin: Double?
        if let value = values["keepWithin"] {
            let text = try string(value, what: "keepWithin")
            guard let seconds = DurationText.parse(text) else {
                throw refuse(value, "keepWithin must be a duration such as 30d, 12h or 1h30m, not \"\(text)\"")
            }
            keepWithin = seconds
        }
        var keepTags: [String] = []
        if let value = values["keepTags"] {
            for item in try sequence(value, what: "keepTags") {
                let pattern = try string(item, what: "each item of keepTags")
                try checkPattern(pattern, at: item)
                keepTags.append(pattern)
            }
        }
        var deleteTag: String?
        if let value = values["deleteTag"] {
            let pattern = try string(value, what: "deleteTag")
            try checkPattern(pattern, at: value)
            deleteTag = pattern
        }
        do {
            return try RetentionRule(
                repositories: globs, keepLast: keepLast, keepWithin: keepWithin, keepTags: keepTags,
                deleteTag: deleteTag)
        } catch {
            throw refuse(node, error.message)
        }
    }

    /// Refuses a regular expression that does not compile, at its line.
    private func checkPattern(_ pattern: String, at node: Node) throws(SweepError) {
        do {
            _ = try TagPattern(pattern)
        } catch {
            throw refuse(node, error.message)
        }
    }
}
