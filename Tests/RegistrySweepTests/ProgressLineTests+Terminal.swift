import Foundation
import RegistrySweep
import Testing

/// The progress line as a person sees it: the real `regsweep` typed into a tmux terminal, its
/// screen read every 50 ms and every byte it writes to the terminal recorded (the reads alone
/// miss short phases on a loaded machine); and what lands in a file or a pipe instead.
///
/// One generated store of 100,000 blobs (100 repositories) serves every test of the suite.
@Suite(.serialized, .generatedStore)
struct ProgressLineTerminalTests {
    /// Every phase's words: a screen row starting with one of them is the progress line.
    static let phaseWords = ProgressTextTests.phases.map(ProgressText.words)

    /// What a command did on the terminal.
    struct Watched {
        /// The distinct progress rows seen on the screen, in order (a row equal to the one
        /// before is one). Reads 50 ms apart see only some of the redraws, fewer on a loaded
        /// machine.
        var progress: [String] = []
        /// Every progress line the command drew, from the bytes it wrote to the terminal
        /// (``TmuxSession/record(to:)``), in order, a line equal to the one before dropped.
        var drawn: [String] = []
        /// The screen once the command had finished.
        var screen: [String] = []
        /// Its exit status.
        var status = -1
    }

    @Test(.enabled(if: TmuxSession.shouldRun, "tmux is not installed (apt-get install tmux); CI=true runs it anyway"))
    func verifyDrawsOneMovingLineAndClearsItBeforeTheReport() async throws {
        let session = try TmuxSession(width: 200, height: 50, environment: try Self.paths())
        defer { session.stop() }
        let watched = try await Self.watch(session, #""$R" verify "$S""#)
        #expect(watched.status == 0)
        // On the screen at least once (how often depends on the machine's load)...
        #expect(!watched.progress.isEmpty)
        // ...and drawn through every phase, hashing last; it moved: at least two changes.
        #expect(watched.drawn.contains { $0.hasPrefix("hashing blobs") }, "\(watched.drawn)")
        #expect(watched.drawn.count >= 3, "\(watched.drawn)")
        #expect((watched.progress + watched.drawn).allSatisfy { $0.count < session.width })
        Self.expectCleared(watched, firstReportRow: "mode:         full")
        #expect(watched.screen.contains { $0.hasPrefix("broken tags:  0") })
    }

    @Test(.enabled(if: TmuxSession.shouldRun, "tmux is not installed (apt-get install tmux); CI=true runs it anyway"))
    func gcDryRunOnANarrowTerminalNeverWraps() async throws {
        let session = try TmuxSession(width: 50, height: 40, environment: try Self.paths())
        defer { session.stop() }
        let watched = try await Self.watch(session, #""$R" gc --dry-run "$S""#)
        #expect(watched.status == 0)
        #expect(!watched.progress.isEmpty)
        #expect(Set(watched.drawn).count >= 2, "\(watched.drawn)")
        // Cut to 49 columns: a wrapped line would leave its first row behind, which the
        // check below would find.
        #expect((watched.progress + watched.drawn).allSatisfy { $0.count <= 49 }, "\(watched.drawn)")
        Self.expectCleared(watched, firstReportRow: "dry run: nothing was changed")
    }

    @Test(.enabled(if: TmuxSession.shouldRun, "tmux is not installed (apt-get install tmux); CI=true runs it anyway"))
    func progressNeverDrawsNothingOnATerminal() async throws {
        let session = try TmuxSession(width: 200, height: 50, environment: try Self.paths())
        defer { session.stop() }
        let watched = try await Self.watch(session, #""$R" gc --dry-run "$S" --progress never"#)
        #expect(watched.status == 0)
        #expect(watched.progress.isEmpty, "\(watched.progress)")
        #expect(watched.drawn.isEmpty, "\(watched.drawn)")
        Self.expectCleared(watched, firstReportRow: "dry run: nothing was changed")
    }

    @Test(.enabled(if: TmuxSession.shouldRun, "tmux is not installed (apt-get install tmux); CI=true runs it anyway"))
    func ctrlCErasesTheLine() async throws {
        // verify leaves SIGINT at its default action (the line's own handler erases it and the
        // signal ends it); gc stops at a safe point through Interruption, prints a message and
        // exits 130. The shell drops the rest of a command line whose command a signal ended,
        // so verify runs under an `sh` that survives Ctrl-C (a trap, which verify does not inherit).
        let verify = #"sh -c 'trap : INT; "$R" verify "$S"; exit $?'"#
        for command in [verify, #""$R" gc --dry-run "$S""#] {
            let session = try TmuxSession(width: 200, height: 50, environment: try Self.paths())
            defer { session.stop() }
            let watched = try await Self.watch(session, command, interruptAfter: 2)
            #expect(watched.status == 130, "\(command)")
            #expect(watched.drawn.count >= 2, "\(command): \(watched.drawn)")
            let screen = watched.screen.joined(separator: "\n")
            #expect(
                Self.phaseWords.allSatisfy { !screen.contains($0) }, "\(command) left progress on screen:\n\(screen)")
        }
    }

    @Test func autoDrawsNothingWhenStandardErrorIsAPipe() throws {
        let outcome = try ChildProcess.run(
            try regsweepExecutable().path, ["gc", "--dry-run", try Self.store(), "--progress", "auto", "--json"])
        #expect(outcome.status == 0)
        #expect(outcome.error.isEmpty, "\(outcome.errorText.debugDescription)")
        #expect(!outcome.output.contains(0x0D) && !outcome.output.contains(0x1B))
        #expect(outcome.outputText.contains("\"dryRun\" : true"))
    }

    @Test func alwaysWritesPlainLinesToAFileAtMostOnceASecond() throws {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(
            "regsweep-progress-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let start = Timestamp.monotonic()
        let outcome = try ChildProcess.run(
            try regsweepExecutable().path, ["gc", "--dry-run", try Self.store(), "--progress", "always"],
            error: .appended(to: log.path))
        let elapsed = Timestamp.monotonic() - start
        #expect(outcome.status == 0)
        #expect(outcome.outputText.hasPrefix("dry run: nothing was changed"))
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(!text.contains("\r") && !text.contains("\u{1B}"), "\(text.debugDescription)")
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { line in Self.phaseWords.contains { line.hasPrefix($0) } }, "\(lines)")
        // One at once, then at most one a second.
        #expect(lines.count <= Int(elapsed.rounded(.up)) + 1, "\(lines.count) lines in \(elapsed) s")
    }

    // MARK: - Helpers

    /// The generated store's root.
    static func store() throws -> String {
        try #require(GeneratedStoreScope.root, "the suite's generated store is missing")
    }

    /// `R` (the regsweep executable) and `S` (the store) for the shell, so typed commands stay short.
    static func paths() throws -> [String: String] {
        ["R": try regsweepExecutable().path, "S": try store()]
    }

    /// Types `command` (followed by an end marker with its status) with the terminal's output
    /// recorded, reads the screen every 50 ms until the marker shows (60 s at most), and
    /// collects the progress rows seen and the progress lines drawn.
    ///
    /// - Parameter interruptAfter: press Ctrl-C once this many progress lines were drawn.
    static func watch(_ session: TmuxSession, _ command: String, interruptAfter: Int? = nil) async throws -> Watched {
        let recording = FileManager.default.temporaryDirectory.appendingPathComponent(
            "regsweep-terminal-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: recording) }
        try session.record(to: recording.path)
        try session.type(command + #"; echo "END-$?""#)
        var watched = Watched()
        var interrupted = false
        let deadline = Timestamp.monotonic() + 60
        while Timestamp.monotonic() < deadline {
            let screen = try session.screen()
            for row in screen where phaseWords.contains(where: { row.hasPrefix($0) }) && watched.progress.last != row {
                watched.progress.append(row)
            }
            let written = (try? Data(contentsOf: recording)) ?? Data()
            if let interruptAfter, !interrupted, drawnLines(in: written).count >= interruptAfter {
                try session.press("C-c")
                interrupted = true
            }
            // The marker is written after the command ended: once the recording holds it too
            // (the marker, not the typed `"END-$?"`), it holds everything the command wrote.
            if let end = screen.first(where: { $0.hasPrefix("END-") }), let status = Int(end.dropFirst(4)),
                String(decoding: written, as: UTF8.self).contains(/END-[0-9]/)
            {
                watched.screen = screen
                watched.status = status
                watched.drawn = drawnLines(in: written)
                return watched
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(command) did not finish within 60 s; screen:\n\(try session.screen().joined(separator: "\n"))")
        return watched
    }

    /// The progress lines in a terminal recording: each text drawn as `"\r" + text + "\u{1B}[K"`
    /// that begins with a phase's words, a line equal to the one before dropped.
    static func drawnLines(in written: Data) -> [String] {
        var lines: [String] = []
        // Bytes, not Characters: "\r\n" is one Character and would not split at "\r".
        for segment in written.split(separator: 0x0D, omittingEmptySubsequences: false).dropFirst() {
            guard let end = segment.range(of: Data("\u{1B}[K".utf8)) else { continue }
            let line = String(decoding: segment[..<end.lowerBound], as: UTF8.self)
            if phaseWords.contains(where: { line.hasPrefix($0) }) && lines.last != line { lines.append(line) }
        }
        return lines
    }

    /// After the command: no progress text anywhere on the screen, and the report begins on
    /// the row right below the typed command, where the progress line was.
    static func expectCleared(
        _ watched: Watched, firstReportRow: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let screen = watched.screen.joined(separator: "\n")
        for words in phaseWords {
            #expect(!screen.contains(words), "\(words) left on screen:\n\(screen)", sourceLocation: sourceLocation)
        }
        #expect(!screen.contains("ETA"), "\(screen)", sourceLocation: sourceLocation)
        guard let typed = watched.screen.firstIndex(where: { $0.contains("END-$?") }) else {
            Issue.record("the typed command is not on screen:\n\(screen)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            watched.screen.dropFirst(typed + 1).first == firstReportRow, "\(screen)", sourceLocation: sourceLocation)
    }
}

/// A store written once by `regsweep generate --repos 100 --blobs 100000` for a whole suite,
/// removed after it; tests read its root from ``root``.
///
/// About 450,000 files and directories: on this machine's disk (ext4, shared with other
/// builds) writing them took 35 s and removing them minutes; in `/dev/shm` (900 MB of memory)
/// 16 s and 15 s. So the store goes to `/dev/shm` when it has 4 GB free, else to the
/// temporary directory.
struct GeneratedStoreScope: SuiteTrait, TestScoping {
    /// The store's root, inside the suite.
    @TaskLocal static var root: String?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let root = Self.parent.appendingPathComponent("regsweep-progress-\(UUID().uuidString)")
        // rm: FileManager.removeItem is slower over so many entries.
        defer { _ = try? ChildProcess.run("/bin/rm", ["-rf", root.path]) }
        let outcome = try ChildProcess.run(
            try regsweepExecutable().path, ["generate", root.path, "--repos", "100", "--blobs", "100000"])
        guard outcome.status == 0 else {
            throw ChildProcessError(description: "regsweep generate: \(outcome.termination): \(outcome.errorText)")
        }
        try await Self.$root.withValue(root.path) { try await function() }
    }

    /// `/dev/shm` if it is a directory with 4 GB free, else the temporary directory.
    private static var parent: URL {
        var stats = statvfs()
        if statvfs("/dev/shm", &stats) == 0, UInt64(stats.f_bavail) * UInt64(stats.f_frsize) >= 4 << 30 {
            return URL(fileURLWithPath: "/dev/shm")
        }
        return FileManager.default.temporaryDirectory
    }
}

extension Trait where Self == GeneratedStoreScope {
    /// A generated 100,000-blob store for the suite (see ``GeneratedStoreScope``).
    static var generatedStore: Self { GeneratedStoreScope() }
}
