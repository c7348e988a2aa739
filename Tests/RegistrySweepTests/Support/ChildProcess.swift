import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Why a child process could not be started.
struct ChildProcessError: Error, CustomStringConvertible {
    /// The program, its arguments and the failing call's error.
    var description: String
}

/// A child process started with `posix_spawn`: every program the tests run (the real registry,
/// dockerd and its client, `regsweep` itself, `setpriv`, `chown`) goes through this type.
///
/// It replaces Foundation's `Process`, whose `run()` in Swift 6.3.1 on Linux can crash reading
/// past a `readdir` buffer while it closes inherited descriptors (swift-corelibs-foundation
/// PR #5472). Here the child closes them with `posix_spawn_file_actions_addclosefrom_np`, in
/// the C library, with no directory listing in the parent.
///
/// The child starts with the signal mask cleared and every signal at its default action, stdin
/// on `/dev/null`, and stdout and stderr where ``Output`` says. It keeps running in the
/// background until it exits or is signalled; ``wait()`` blocks the calling thread (no
/// Swift concurrency involved, so the fixtures' synchronous `stop()` and `deinit` can use it).
///
/// Thread-safe: the exit status is collected once, under a lock, and a signal is sent only
/// while the child has not been reaped, so its pid can never name a reused process.
///
/// Why not swift-subprocess (1.0.2): its API is `async` only, and its background form keeps
/// the child inside a closure's scope, while the fixtures start servers that outlive any one
/// scope and stop them from synchronous `stop()` and `deinit`; bridging that with blocking
/// waits on tasks risks starving the cooperative pool (two threads on this machine). It would
/// also add swift-system and Subprocess to the test build (about 27 s of a cold debug build
/// here, 16 s of CPU).
final class ChildProcess: Sendable {
    /// Where one of the child's output streams goes.
    enum Output: Sendable {
        /// `/dev/null`.
        case discarded
        /// The test process's own stream.
        case inherited
        /// Appended to the file at this path (created if missing, mode 0644).
        case appended(to: String)
        /// A pipe that ``run(_:_:environment:output:error:)`` reads to the end.
        case captured
        /// For standard error only: wherever standard output goes (one interleaved stream).
        case sameAsOutput
    }

    /// How a child ended.
    enum Termination: Sendable, Equatable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal (e.g. `SIGKILL`) ended it.
        case signaled(Int32)

        /// The exit status; `nil` when a signal ended it.
        var exitCode: Int32? {
            if case .exited(let code) = self { return code }
            return nil
        }

        var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signaled(let signal): "signal \(signal)"
            }
        }
    }

    /// What a child run to completion did.
    struct Outcome: Sendable {
        /// How it ended.
        var termination: Termination
        /// Standard output, when ``Output/captured`` (with standard error, if that was ``Output/sameAsOutput``).
        var output: [UInt8]
        /// Standard error, when ``Output/captured``.
        var error: [UInt8]

        /// The exit status, or `-1` when a signal ended the child.
        var status: Int32 { termination.exitCode ?? -1 }
        /// Standard output as (lossy) UTF-8.
        var outputText: String { String(decoding: output, as: UTF8.self) }
        /// Standard error as (lossy) UTF-8.
        var errorText: String { String(decoding: error, as: UTF8.self) }
    }

    /// The child's process ID.
    let pid: pid_t
    /// How it ended, once reaped; `nil` while it runs (or has exited but not been reaped).
    private let termination = Mutex<Termination?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    deinit {
        // Collects a child that has already exited, so no zombie is left; a running one is
        // its owner's to stop.
        _ = reap()
    }

    /// Starts `executable` in the background.
    ///
    /// - Parameters:
    ///   - executable: an absolute path (no `PATH` search).
    ///   - arguments: the arguments after the program name.
    ///   - environment: the child's whole environment; `nil` inherits this process's.
    ///   - output: where standard output goes (not ``Output/captured``: use `run` for that).
    ///   - error: where standard error goes (not ``Output/captured``).
    /// - Throws: ``ChildProcessError`` when the program cannot be started.
    static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        output: Output = .discarded, error: Output = .discarded
    ) throws -> ChildProcess {
        precondition(!output.isCaptured && !error.isCaptured, "captured output needs run(_:_:), which reads it")
        return try start(executable, arguments, environment: environment, output: output, error: error).child
    }

    /// Runs `executable` to completion and returns how it ended and what it printed.
    ///
    /// Captured streams are read while the child runs (both at once, with `poll`), so a child
    /// that fills one pipe never blocks.
    /// - Parameters: as ``spawn(_:_:environment:output:error:)``; ``Output/captured`` is allowed.
    /// - Throws: ``ChildProcessError`` when the program cannot be started.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        output: Output = .captured, error: Output = .captured
    ) throws -> Outcome {
        let (child, pipes) = try start(executable, arguments, environment: environment, output: output, error: error)
        let read = readToEnd(pipes)
        return Outcome(termination: child.wait(), output: read[0], error: read[1])
    }

    /// True while the child has not exited. Reaps it if it has.
    var isRunning: Bool { reap() == nil }

    /// Sends `signal` (e.g. `SIGTERM`, `SIGKILL`) unless the child has already been reaped.
    func send(_ signal: Int32) {
        termination.withLock { termination in
            // Under the lock: not reaped, so `pid` is still this child (a zombie at worst).
            if termination == nil { _ = kill(pid, signal) }
        }
    }

    /// Blocks until the child has exited and returns how.
    func wait() -> Termination {
        while true {
            if let done = reap() { return done }
            // Wait without reaping (WNOWAIT); the reap happens under the lock, above.
            var info = siginfo_t()
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno != EINTR && errno != ECHILD {
                fatalError("waitid(\(pid)) failed: errno \(errno)")
            }
        }
    }

    /// Waits up to `seconds` for the child to exit, polling every 10 ms.
    ///
    /// - Returns: how it ended, or `nil` if it still runs.
    func wait(seconds: Double) -> Termination? {
        var remaining = Int(seconds * 100)
        while true {
            if let done = reap() { return done }
            if remaining <= 0 { return nil }
            remaining -= 1
            usleep(10_000)
        }
    }

    /// Collects the exit status if the child has exited (`waitpid` with `WNOHANG`), once.
    private func reap() -> Termination? {
        termination.withLock { termination in
            if let termination { return termination }
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
            guard result == pid else { return nil }
            // The <sys/wait.h> macros, which Swift does not import: the low 7 bits are the
            // terminating signal (0 for a normal exit), the next byte the exit status.
            let signal = status & 0x7F
            termination = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
            return termination
        }
    }

    // MARK: - Spawning

    /// Spawns the child; returns it and the read ends of its captured stdout and stderr (-1
    /// where not captured), which the caller reads and closes.
    private static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]?, output: Output, error: Output
    ) throws -> (child: ChildProcess, pipes: [Int32]) {
        func failure(_ call: String, _ code: Int32) -> ChildProcessError {
            ChildProcessError(
                description: "cannot start \(executable) \(arguments.joined(separator: " ")): \(call): "
                    + String(cString: strerror(code)))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipes: [Int32] = [-1, -1]
        var writeEnds: [Int32] = []
        defer { for fd in writeEnds { close(fd) } }
        for (stream, target) in [(Int32(1), output), (Int32(2), error)] {
            switch target {
            case .discarded:
                posix_spawn_file_actions_addopen(&actions, stream, "/dev/null", O_WRONLY, 0)
            case .inherited:
                break
            case .appended(let path):
                posix_spawn_file_actions_addopen(&actions, stream, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .sameAsOutput:
                precondition(stream == 2, "only standard error can follow standard output")
                posix_spawn_file_actions_adddup2(&actions, 1, 2)
            case .captured:
                // Close-on-exec in this process (no other child inherits them); dup2 clears
                // the flag on the child's copy.
                var ends: [Int32] = [-1, -1]
                guard GNU.pipe2(&ends, O_CLOEXEC) == 0 else {
                    for fd in pipes where fd >= 0 { close(fd) }
                    throw failure("pipe2", errno)
                }
                pipes[Int(stream) - 1] = ends[0]
                writeEnds.append(ends[1])
                posix_spawn_file_actions_adddup2(&actions, ends[1], stream)
            }
        }
        // Nothing else this process has open reaches the child.
        _ = GNU.addCloseFrom(&actions, 3)

        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { for pointer in envp ?? [] { free(pointer) } }

        var pid: pid_t = 0
        let result =
            if let envp {
                posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            } else {
                posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
            }
        guard result == 0 else {
            for fd in pipes where fd >= 0 { close(fd) }
            throw failure("posix_spawn", result)
        }
        return (ChildProcess(pid: pid), pipes)
    }

    /// Reads each descriptor in `pipes` (-1 entries are skipped) until end of file, all at
    /// once, and closes them.
    private static func readToEnd(_ pipes: [Int32]) -> [[UInt8]] {
        var results = [[UInt8]](repeating: [], count: pipes.count)
        var polled = pipes.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var open = pipes.filter { $0 >= 0 }.count
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while open > 0 {
            // poll ignores negative descriptors, so finished and absent streams stay in the array.
            if poll(&polled, nfds_t(polled.count), -1) < 0 {
                if errno == EINTR { continue }
                fatalError("poll failed: errno \(errno)")
            }
            for index in polled.indices where polled[index].fd >= 0 && polled[index].revents != 0 {
                let count = read(polled[index].fd, &buffer, buffer.count)
                if count > 0 {
                    results[index] += buffer[0..<count]
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    close(polled[index].fd)
                    polled[index].fd = -1
                    open -= 1
                }
            }
        }
        return results
    }
}

/// The two GNU extensions used above, which Swift's Glibc module does not import (it is
/// built without `_GNU_SOURCE`); looked up once by symbol. Both are in glibc since 2.34.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// `pipe2(2)`: both ends made close-on-exec atomically, so a child spawned meanwhile by
    /// another thread cannot inherit them.
    static let pipe2: Pipe2 = symbol("pipe2")
    /// `posix_spawn_file_actions_addclosefrom_np(3)`: the child closes every descriptor from
    /// the given one on, before `exec`.
    static let addCloseFrom: AddCloseFrom = symbol("posix_spawn_file_actions_addclosefrom_np")

    private static func symbol<T>(_ name: String) -> T {
        guard let address = dlsym(nil, name) else { fatalError("\(name) is missing: glibc 2.34 or later is needed") }
        // Safe: the C declarations in <unistd.h> and <spawn.h> have exactly these signatures.
        return unsafeBitCast(address, to: T.self)
    }
}

extension ChildProcess.Output {
    fileprivate var isCaptured: Bool {
        if case .captured = self { return true }
        return false
    }
}
