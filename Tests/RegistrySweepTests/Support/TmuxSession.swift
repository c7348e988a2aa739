import Foundation

/// A terminal the tests type into and read from, as a person would: a tmux server of its own
/// (a unique `-L` socket, no configuration file) with one detached session running `/bin/sh`.
///
/// Every tmux command goes through ``ChildProcess``. ``stop()`` (also on `deinit`) kills the
/// server, and with it the shell and whatever runs in it.
final class TmuxSession: Sendable {
    /// The first `tmux` in `PATH`, or `nil`.
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/tmux" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    /// For `.enabled(if:)`: true when tmux is installed, or under CI (`CI=true`), where a
    /// missing tmux must fail the test rather than skip it.
    static var shouldRun: Bool {
        executable != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// The socket name (`tmux -L`), unique to this session.
    let socket: String
    /// The terminal's size.
    let width: Int
    let height: Int
    private let tmux: String

    /// Starts the server and its session.
    ///
    /// - Parameters:
    ///   - width: columns.
    ///   - height: rows.
    ///   - environment: variables set in the shell (`new-session -e`), e.g. paths the typed
    ///     commands name, so that they stay short.
    /// - Throws: when tmux is missing or the session cannot start.
    init(width: Int = 200, height: Int = 50, environment: [String: String] = [:]) throws {
        guard let tmux = Self.executable else {
            throw ChildProcessError(
                description: "tmux is not installed (apt-get install tmux); it is required under CI=true")
        }
        self.tmux = tmux
        self.width = width
        self.height = height
        socket = "regsweep-test-\(UUID().uuidString)"
        let variables = environment.sorted { $0.key < $1.key }.flatMap { ["-e", "\($0.key)=\($0.value)"] }
        try command(
            ["new-session", "-d", "-s", "main", "-x", "\(width)", "-y", "\(height)"] + variables + ["/bin/sh"])
        // Keys typed before the shell prints its prompt are echoed first, and the prompt then
        // lands in front of the command's first output row: wait for the prompt (up to 10 s).
        for _ in 0..<200 {
            if try screen().contains(where: { !$0.isEmpty }) { break }
            usleep(50_000)
        }
    }

    deinit { stop() }

    /// Types `text` and presses Enter.
    func type(_ text: String) throws {
        try command(["send-keys", "-t", "main", "-l", text])
        try command(["send-keys", "-t", "main", "Enter"])
    }

    /// Starts copying everything the pane's programs write to the terminal, byte for byte, into
    /// `path` (`pipe-pane -o`): every redraw of a line, including ones replaced before a
    /// ``screen()`` read could see them.
    func record(to path: String) throws {
        try command(["pipe-pane", "-t", "main", "-o", "cat >> '\(path)'"])
    }

    /// Presses a key, in tmux's names (`C-c`).
    func press(_ key: String) throws {
        try command(["send-keys", "-t", "main", key])
    }

    /// The visible screen, one string per row, without trailing spaces.
    func screen() throws -> [String] {
        let text = try command(["capture-pane", "-p", "-t", "main"])
        return text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// Kills the server (`kill-server`). Idempotent.
    func stop() {
        _ = try? ChildProcess.run(tmux, ["-L", socket, "kill-server"])
    }

    /// Runs one tmux command against this server; returns its standard output.
    @discardableResult
    private func command(_ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        // Not nested in whatever tmux runs the tests.
        environment["TMUX"] = nil
        let outcome = try ChildProcess.run(
            tmux, ["-L", socket, "-f", "/dev/null"] + arguments, environment: environment)
        guard outcome.status == 0 else {
            throw ChildProcessError(
                description: "tmux \(arguments.joined(separator: " ")): \(outcome.termination): \(outcome.errorText)")
        }
        return outcome.outputText
    }
}
