import Foundation
import RegistrySweep
import Testing

/// True when the tests run as root and `setpriv` is there to run the CLI as another user.
func canDropPrivileges() -> Bool {
    getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
}

/// A node the scanning user may not read (`chmod 000`), run through the built CLI as a
/// non-root user (root ignores permissions): `scan` and a real `gc --delete-untagged --grace 0`
/// report it, exit non-zero, and every tagged and untagged image keeps its blobs. A repository
/// whose revisions or layer links cannot be listed holds unknown manifests, so no blob at all
/// is deleted that run.
@Suite(.enabled(if: canDropPrivileges()))
struct UnreadableNodeTests {
    /// The user the CLI runs as (`nobody` on Debian).
    static let user = "65534"

    /// One unreadable node and the exit code `scan` and `gc` must give (1: problems reported,
    /// 3: the store is refused).
    struct Case: Sendable, CustomTestStringConvertible {
        var node: LayoutNodeTests.Node
        var exitCode: Int32 = 1
        /// No blob may be eligible, not even an orphan: the damage can hide references.
        var hidesReferences = false
        /// The tag `v2` has lost its `current/link` first (a push halfway, or an interrupted delete).
        var linkless = false
        var testDescription: String { linkless ? "\(node.rawValue) of a tag without current/link" : node.rawValue }
    }

    static let cases: [Case] = [
        Case(node: .manifests, hidesReferences: true),
        Case(node: .revisions, hidesReferences: true),
        Case(node: .revisionsSha256, hidesReferences: true),
        Case(node: .revisionLink),
        Case(node: .tags),
        Case(node: .tagDirectory),
        Case(node: .currentLink),
        Case(node: .indexSha256),
        Case(node: .indexSha256, linkless: true),
        Case(node: .layers, hidesReferences: true),
        Case(node: .layersSha256, hidesReferences: true),
        Case(node: .shard),
        Case(node: .blobData),
        Case(node: .repositories, exitCode: 3),
        Case(node: .namespace, hidesReferences: true),
    ]

    /// Runs `executable arguments` as ``user``; returns the exit status, standard output and error.
    static func runAsUser(_ arguments: [String]) throws -> (status: Int32, output: Data, error: String) {
        let outcome = try ChildProcess.run(
            "/usr/bin/setpriv",
            ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", try regsweepExecutable().path] + arguments)
        return (outcome.status, Data(outcome.output), outcome.errorText)
    }

    /// Runs a tool as root, expecting success.
    static func run(_ tool: String, _ arguments: [String]) throws {
        let outcome = try ChildProcess.run(tool, arguments, output: .inherited, error: .inherited)
        #expect(outcome.termination == .exited(0), "\(tool) \(arguments)")
    }

    /// The paths of the `problems` a `--json` output lists.
    static func problemPaths(_ json: Data) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any],
            let problems = object["problems"] as? [[String: Any]]
        else { return [] }
        return problems.compactMap { $0["path"] as? String }
    }

    @Test(arguments: cases)
    func unreadableNodeKeepsEveryImage(_ damage: Case) async throws {
        let store = try LayoutNodeTests.Store()
        let fixture = store.fixture
        let orphan = try fixture.blob("an orphaned blob that nothing references")
        let node = store.path(damage.node)
        let absolute = fixture.root.appendingPathComponent(node).path
        if damage.linkless {
            try FileManager.default.removeItem(at: fixture.root.appendingPathComponent(store.path(.currentLink)))
        }
        try Self.run("/usr/bin/chown", ["-R", "\(Self.user):\(Self.user)", fixture.root.path])
        try Self.run("/usr/bin/chmod", ["000", absolute])
        defer { chmod(absolute, 0o755) }
        func names(_ text: String) -> Bool { text.contains(absolute) }

        let scan = try Self.runAsUser(["scan", fixture.root.path, "--json"])
        #expect(scan.status == damage.exitCode, "scan: \(scan.error)")
        let gc = try Self.runAsUser(["gc", fixture.root.path, "--grace", "0", "--delete-untagged", "--json"])
        #expect(gc.status == damage.exitCode, "gc: \(gc.error)")
        if damage.exitCode == 3 {
            #expect(names(scan.error), "scan: \(scan.error)")
            #expect(names(gc.error), "gc: \(gc.error)")
        } else {
            let scanProblems = Self.problemPaths(scan.output)
            #expect(scanProblems.contains(where: names), "scan: \(scanProblems)")
            let gcProblems = Self.problemPaths(gc.output)
            #expect(gcProblems.contains(where: names), "gc: \(gcProblems)")
            let report = try JSONSerialization.jsonObject(with: gc.output) as? [String: Any]
            let eligible = report?["eligibleBlobs"] as? [String] ?? []
            if damage.hidesReferences {
                #expect(eligible.isEmpty, "\(eligible)")
                #expect(fixture.hasBlob(orphan), "the orphan must stay: references may be hidden")
            } else {
                #expect(eligible == [orphan.description], "only the orphan may go: \(eligible)")
            }
        }
        chmod(absolute, 0o755)
        for image in [store.healthy, store.a, store.b, store.c] {
            for digest in image.all { #expect(fixture.hasBlob(digest), "\(digest) was deleted") }
        }
    }
}
