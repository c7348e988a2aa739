import Foundation
import RegistrySweep
import Testing

/// Retention policies as written by operators: the issue's example parses to what it says, and
/// every way a policy can be wrong is refused with the file, the line and the reason (a typo must
/// never widen what is deleted).
@Suite struct RetentionPolicyTests {
    static let example = """
        rules:
          - repositories: ["team/**"]
            keepLast: 10
            keepWithin: 30d
            keepTags: ["latest", "v[0-9].*"]
          - repositories: ["**"]
            keepLast: 3
        """

    @Test func theIssueExampleParses() throws {
        let policy = try RetentionPolicy.parse(yaml: Self.example, file: "retention.yml")
        #expect(policy.rules.count == 2)
        let team = policy.rules[0]
        #expect(team.repositories.map(\.pattern) == ["team/**"])
        #expect(team.keepLast == 10)
        #expect(team.keepWithin == Double(30 * 86400), "\(String(describing: team.keepWithin.map { $0 - 2_592_000 }))")
        #expect(team.keepTags == ["latest", "v[0-9].*"])
        #expect(team.deleteTag == nil)
        #expect(policy.rules[1].keepLast == 3)
        #expect(policy.rules[1].keepWithin == nil)
        // First match wins.
        #expect(policy.rule(for: "team/app")?.index == 0)
        #expect(policy.rule(for: "team/a/b")?.index == 0)
        #expect(policy.rule(for: "team")?.index == 1)
        #expect(policy.rule(for: "other/app")?.index == 1)
    }

    @Test func deleteTagAndKeepLastZeroParse() throws {
        let policy = try RetentionPolicy.parse(
            yaml: """
                rules:
                  - repositories: ["ci/*"]
                    deleteTag: "pr-[0-9]+"
                    keepLast: 0
                """)
        #expect(policy.rules[0].deleteTag == "pr-[0-9]+")
        #expect(policy.rules[0].keepLast == 0)
        #expect(policy.rule(for: "ci/app")?.index == 0)
        #expect(policy.rule(for: "ci/a/b") == nil, "a repository no rule covers keeps everything")
    }

    /// Each refused policy: the line the error names and a phrase of its reason.
    static let refused: [(name: String, yaml: String, line: Int, reason: String)] = [
        (
            "unparsable YAML",
            """
            rules:
              - repositories: ["team/**"
                keepLast: 3
            """, 3, "not valid YAML"
        ),
        (
            "unknown key in a rule",
            """
            rules:
              - repositories: ["**"]
                keepLast: 3
                keepLatest: 5
            """, 4, "unknown key \"keepLatest\""
        ),
        (
            "unknown top-level key",
            """
            rules:
              - repositories: ["**"]
                keepLast: 3
            rule:
              - repositories: ["**"]
            """, 4, "unknown key \"rule\""
        ),
        (
            "invalid regex in keepTags",
            """
            rules:
              - repositories: ["**"]
                keepTags:
                  - latest
                  - "v[0-9"
            """, 5, "invalid regular expression \"v[0-9\""
        ),
        (
            "invalid regex in deleteTag",
            """
            rules:
              - repositories: ["**"]
                keepLast: 1
                deleteTag: "(pr-"
            """, 4, "invalid regular expression \"(pr-\""
        ),
        (
            "invalid glob",
            """
            rules:
              - repositories: ["**"]
                keepLast: 3
              - repositories: ["team/[ab]*"]
                keepLast: 1
            """, 4, "invalid repository glob \"team/[ab]*\""
        ),
        (
            "glob with ** inside a component",
            """
            rules:
              - repositories:
                  - "team/a**"
                keepLast: 1
            """, 3, "** must be a whole path component"
        ),
        (
            "rule without any keep rule",
            """
            rules:
              - repositories: ["**"]
                keepLast: 3
              - repositories: ["ci/**"]
                deleteTag: "pr-.*"
            """, 4, "a rule needs a keep rule"
        ),
        (
            "rule without repositories",
            """
            rules:
              - keepLast: 3
            """, 2, "a rule needs repositories"
        ),
        (
            "repeated key",
            """
            rules:
              - repositories: ["**"]
                keepLast: 3
                keepLast: 0
            """, 4, "key \"keepLast\" is repeated"
        ),
        (
            "keepLast not a count",
            """
            rules:
              - repositories: ["**"]
                keepLast: three
            """, 3, "keepLast must be a count"
        ),
        (
            "keepLast negative",
            """
            rules:
              - repositories: ["**"]
                keepLast: -1
            """, 3, "keepLast must be a count"
        ),
        (
            "keepWithin not a duration",
            """
            rules:
              - repositories: ["**"]
                keepWithin: 30 days
            """, 3, "keepWithin must be a duration"
        ),
        (
            "keepTags not a list",
            """
            rules:
              - repositories: ["**"]
                keepTags: latest
            """, 3, "keepTags must be a list"
        ),
        (
            "no rules",
            """
            rules: []
            """, 1, "rules is empty"
        ),
        ("empty file", "", 1, "the policy is empty"),
    ]

    @Test(arguments: refused.indices)
    func refusedWithFileLineAndReason(_ index: Int) throws {
        let refusal = Self.refused[index]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rsw-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("retention.yml").path
        try Data(refusal.yaml.utf8).write(to: URL(fileURLWithPath: file))
        do {
            let policy = try RetentionPolicy.load(yamlFile: file)
            Issue.record("\(refusal.name): accepted as \(policy)")
        } catch {
            #expect(error.code == .invalidArgument, "\(refusal.name): \(error)")
            #expect(error.path == file, "\(refusal.name): names the file")
            #expect(error.message.hasPrefix("line \(refusal.line): "), "\(refusal.name): \(error.message)")
            #expect(error.message.contains(refusal.reason), "\(refusal.name): \(error.message)")
        }
    }

    @Test func unreadableFileIsRefused() {
        #expect(throws: SweepError.self) { try RetentionPolicy.load(yamlFile: "/nonexistent/retention.yml") }
    }

    @Test func globs() throws {
        let cases: [(String, String, Bool)] = [
            ("**", "app", true), ("**", "a/b/c", true),
            ("team/*", "team/app", true), ("team/*", "team/a/b", false), ("team/*", "team", false),
            ("team/**", "team/app", true), ("team/**", "team/a/b", true), ("team/**", "team", false),
            ("team/**", "teams/app", false),
            ("**/app", "app", true), ("**/app", "x/app", true), ("**/app", "x/y/app", true),
            ("**/app", "x/apps", false),
            ("a/**/b", "a/b", true), ("a/**/b", "a/x/y/b", true), ("a/**/b", "a/x/c", false),
            ("app-*", "app-1", true), ("app-*", "app-", true), ("app-*", "app", false),
            ("*-svc", "team-svc", true), ("a*c*e", "abcde", true), ("a*c*e", "abde", false),
            ("library/app", "library/app", true), ("library/app", "library/apps", false),
        ]
        for (pattern, name, expected) in cases {
            #expect(try RepositoryGlob(pattern).matches(name) == expected, "\(pattern) ~ \(name)")
        }
        for bad in ["", "/app", "app/", "a//b", "team/a**", "***", "App", "a?b", "a[b]", "{a,b}", "a b"] {
            #expect(throws: SweepError.self, "\(bad) is refused") { try RepositoryGlob(bad) }
        }
    }

    @Test func rulesRefuseWhatWouldWidenTheDeletion() throws {
        #expect(throws: SweepError.self) { try RetentionRule() }
        #expect(throws: SweepError.self) { try RetentionRule(deleteTag: ".*") }
        #expect(throws: SweepError.self) { try RetentionRule(keepLast: -1) }
        #expect(throws: SweepError.self) { try RetentionRule(keepTags: ["("]) }
        #expect(throws: SweepError.self) { try RetentionRule(repositories: [], keepLast: 1) }
        #expect(throws: SweepError.self) { try RetentionPolicy(rules: []) }
        _ = try RetentionRule(keepLast: 0)
        _ = try RetentionRule(keepWithin: 0)
        _ = try RetentionRule(keepTags: ["latest"])
    }
}
