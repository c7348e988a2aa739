import RegistrySweep
import Testing

/// `NameGrammar` against the registry's grammar, by examples and against a regex oracle.
@Suite struct NameGrammarTests {
    static let validNames = [
        "a", "0", "ubuntu", "library/ubuntu", "a/b/c/d", "a.b", "a_b", "a__b", "a-b", "a---b", "a1-b2.c3__d4",
        "my-org/my.app_v2", "x/y-z/0__1", String(repeating: "a", count: 255),
        Array(repeating: "abc", count: 63).joined(separator: "/") + "/abc",
    ]

    static let invalidNames = [
        "", "A", "Ubuntu", "library/Ubuntu", "Bad_Repo", "a___b", "a._b", "a.-b", "a-.b", "a_-b", "a..b", "a.__b",
        "-a", "a-", ".a", "a.", "_a", "a_", "__a", "a__", "a//b", "/a", "a/", "/", "a b", " a", "a\n", "a:b", "a@b",
        "a/.", "a/..", "../a", "é", "a\u{0}b", String(repeating: "a", count: 256),
        Array(repeating: "abcd", count: 51).joined(separator: "/") + "/abcd",
    ]

    @Test(arguments: validNames)
    func acceptsValidRepositoryNames(_ name: String) {
        #expect(NameGrammar.isValidRepository(name))
    }

    @Test(arguments: invalidNames)
    func rejectsInvalidRepositoryNames(_ name: String) {
        #expect(!NameGrammar.isValidRepository(name))
    }

    @Test func componentRules() {
        #expect(NameGrammar.isValidComponent("a__b"))
        #expect(NameGrammar.isValidComponent("a---b"))
        #expect(!NameGrammar.isValidComponent("a._b"))
        #expect(!NameGrammar.isValidComponent("a/b"))
        #expect(!NameGrammar.isValidComponent(""))
        #expect(NameGrammar.isValidComponent("library/app".split(separator: "/")[1]))
    }

    static let validTags = [
        "latest", "v1", "1.0.0", "V1", "_hidden", "A-b_c.D", "0", "_", "a--..__",
        String(repeating: "t", count: 128), "x" + String(repeating: "-", count: 127),
    ]

    static let invalidTags = [
        "", ".hidden", "-rc", "a b", "a:b", "a/b", "a@b", "é", "tag\n", "a+b",
        String(repeating: "t", count: 129),
    ]

    @Test(arguments: validTags)
    func acceptsValidTags(_ tag: String) {
        #expect(NameGrammar.isValidTag(tag))
    }

    @Test(arguments: invalidTags)
    func rejectsInvalidTags(_ tag: String) {
        #expect(!NameGrammar.isValidTag(tag))
    }

    /// Random short strings over the interesting alphabet agree with the reference regular
    /// expressions (distribution's `reference` package, written here with Swift `Regex`).
    @Test func agreesWithTheReferenceRegex() throws {
        let component = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
        let nameRegex = try Regex("^\(component)(?:/\(component))*$")
        let tagRegex = try Regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
        let alphabet = Array("ab0._-/A:")
        var random = SeededGenerator(seed: 21)
        var disagreements: [String] = []
        for _ in 0..<30_000 {
            let length = Int.random(in: 0...9, using: &random)
            let text = String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] })
            let name = (try nameRegex.wholeMatch(in: text)) != nil
            if NameGrammar.isValidRepository(text) != name { disagreements.append("name \(text.debugDescription)") }
            let tag = (try tagRegex.wholeMatch(in: text)) != nil
            if NameGrammar.isValidTag(text) != tag { disagreements.append("tag \(text.debugDescription)") }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }
}
