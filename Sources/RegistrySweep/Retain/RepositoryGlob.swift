/// A pattern over repository names: `*` matches within one path component, `**` across
/// components; every other character matches itself.
///
/// - `team/*` matches `team/app` but not `team/a/b` nor `team`;
/// - `team/**` matches `team/app` and `team/a/b`, not `team`;
/// - `**/app` matches `app`, `x/app` and `x/y/app` (a leading or inner `**` also matches no
///   component; a trailing one matches at least one);
/// - `**` matches every repository.
///
/// There is no other magic: no `?`, no brackets, no braces. A pattern may hold only what a
/// repository name holds (lowercase letters, digits, `.`, `_`, `-`, `/`) and `*`; `**` must be
/// a whole component. Anything else is refused, so a typo cannot silently match more.
public struct RepositoryGlob: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    /// The pattern's components, each a list of literal runs separated by `*` (one-component
    /// wildcards), or `nil` for a `**` component.
    private let components: [[Substring]?]

    /// Parses a pattern.
    ///
    /// - Throws: `.invalidArgument` naming the pattern and what is wrong with it (empty, an
    ///   empty component, a character a repository name cannot hold, `**` inside a component).
    public init(_ pattern: String) throws(SweepError) {
        func refuse(_ reason: String) -> SweepError {
            SweepError(.invalidArgument, "invalid repository glob \"\(pattern)\": \(reason)")
        }
        guard !pattern.isEmpty else { throw refuse("it is empty") }
        var components: [[Substring]?] = []
        for component in pattern.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else { throw refuse("empty path component (leading, trailing or doubled /)") }
            if component == "**" {
                components.append(nil)
                continue
            }
            if component.contains("**") { throw refuse("** must be a whole path component") }
            if let bad = component.first(where: { !Self.isAllowed($0) }) {
                throw refuse("\"\(bad)\" cannot appear (only lowercase letters, digits, . _ - / and * are allowed)")
            }
            components.append(component.split(separator: "*", omittingEmptySubsequences: false))
        }
        self.pattern = pattern
        self.components = components
    }

    /// Creates the glob matching every repository (`**`).
    public static var all: RepositoryGlob { RepositoryGlob(pattern: "**", components: [nil]) }

    private init(pattern: String, components: [[Substring]?]) {
        self.pattern = pattern
        self.components = components
    }

    /// True if `repository` matches the whole pattern.
    ///
    /// - Complexity: O(components of the name × components of the pattern) for `**`, linear otherwise.
    public func matches(_ repository: String) -> Bool {
        let names = repository.split(separator: "/", omittingEmptySubsequences: false)
        return Self.match(components[...], names[...])
    }

    /// The pattern as written.
    public var description: String { pattern }

    /// Encodes as the pattern text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(pattern)
    }

    /// Decodes from the pattern text.
    ///
    /// - Throws: `DecodingError` when the text is not a valid glob.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Equal when the patterns are.
    public static func == (lhs: RepositoryGlob, rhs: RepositoryGlob) -> Bool { lhs.pattern == rhs.pattern }

    /// Hashes the pattern.
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    private static func isAllowed(_ character: Character) -> Bool {
        switch character {
        case "a"..."z", "0"..."9", ".", "_", "-", "*": return true
        default: return false
        }
    }

    /// Matches pattern components against name components; `nil` (`**`) takes zero or more.
    private static func match(_ pattern: ArraySlice<[Substring]?>, _ names: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return names.isEmpty }
        guard let literal = first else {
            // `**`: try every number of components it may take (at least one when it ends the pattern).
            var rest = names
            if pattern.count == 1 { return !names.isEmpty }
            while true {
                if match(pattern.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let name = names.first, matchComponent(literal, name) else { return false }
        return match(pattern.dropFirst(), names.dropFirst())
    }

    /// Matches one component: literal runs separated by `*` (which never crosses a `/`).
    private static func matchComponent(_ runs: [Substring], _ name: Substring) -> Bool {
        if runs.count == 1 { return runs[0] == name }
        guard name.hasPrefix(runs[0]) else { return false }
        var rest = name.dropFirst(runs[0].count)
        for run in runs.dropFirst().dropLast() {
            guard let found = rest.firstRange(of: run) else { return false }
            rest = rest[found.upperBound...]
        }
        let last = runs[runs.count - 1]
        return rest.count >= last.count && rest.hasSuffix(last)
    }
}
