import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Errors from starting, driving or stopping the private dockerd.
struct DockerEngineFixtureError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, with the command or log tail.
    var description: String
}

/// The engine's own answers: `docker images -a -q`, `docker images -q`, `docker images -f dangling=true -q`.
struct EngineImageSets: Sendable, Equatable {
    /// `docker images -a -q --no-trunc`.
    var all: Set<String>
    /// `docker images -q --no-trunc`.
    var topLevel: Set<String>
    /// `docker images -f dangling=true -q --no-trunc`.
    var dangling: Set<String>
    /// Every tag (`name:tag`) and the image ID it points to.
    var tags: [String: String]
}

/// A private dockerd (vfs, no iptables, no bridge) in a short temp dir, for tests that need a real engine.
///
/// Start it with `init()`, drive it with `docker(_:)`, and always call `shutdown()` (or rely on deinit):
/// no daemon is left behind, even if a clean stop fails (kill -9 of dockerd and its containerd,
/// lazy unmount of the data root).
final class DockerEngineFixture: @unchecked Sendable {
    // @unchecked: the mutable state below is only touched under `lock`.

    /// The temp dir holding root/, exec/, docker.sock, pid, dockerd.log (short: unix socket paths max 107 bytes).
    let directory: URL
    /// `--data-root`: what `ImageStoreLoader` reads.
    let dataRoot: URL
    /// The daemon's unix socket path.
    let socketPath: String
    /// Keep `directory` after `shutdown()` (for debugging).
    let keepFiles: Bool

    /// Guards `daemon` and `containerdPID`.
    private let lock = NSLock()
    /// The running dockerd, if any.
    private var daemon: ChildProcess?
    /// The containerd that dockerd started, read once the daemon is up (for the kill -9 fallback).
    private var containerdPID: pid_t?

    /// Path of the dockerd binary, if installed.
    static var dockerdPath: String? {
        findExecutable("dockerd", preferring: ["/usr/sbin/dockerd"])
    }

    /// The client to use and extra environment: Debian's 20.10 `/usr/bin/docker` first (matches the
    /// 20.10 daemon); otherwise any `docker` in PATH with `DOCKER_API_VERSION=1.41` (a newer client
    /// also negotiates down on its own, but pinning it keeps the CLI behaviour predictable).
    static var client: (path: String, environment: [String: String])? {
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/docker") {
            return ("/usr/bin/docker", [:])
        }
        guard let path = findExecutable("docker", preferring: []) else { return nil }
        return (path, ["DOCKER_API_VERSION": "1.41"])
    }

    /// True when dockerd and a client are installed and we are root.
    static var isAvailable: Bool {
        dockerdPath != nil && client != nil && geteuid() == 0
    }

    /// Whether engine tests should run: available here, or on CI (where a missing dockerd must fail loudly).
    static var shouldRun: Bool {
        isAvailable || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Creates a temp dir and starts the daemon.
    ///
    /// - Throws: `DockerEngineFixtureError` if dockerd is missing, exits early or does not answer in 60 s.
    init(keepFiles: Bool = false) throws {
        var template = Array("/tmp/rsw-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return mkdtemp(base) != nil
        }
        guard made else { throw DockerEngineFixtureError(description: "mkdtemp failed: errno \(errno)") }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        directory = URL(fileURLWithPath: path, isDirectory: true)
        dataRoot = directory.appendingPathComponent("root", isDirectory: true)
        socketPath = directory.appendingPathComponent("docker.sock").path
        self.keepFiles = keepFiles
        do {
            try start()
        } catch {
            shutdown()
            throw error
        }
    }

    deinit {
        shutdown()
    }

    /// Starts dockerd on `dataRoot` (again, after `stop()`); no-op if running.
    ///
    /// - Throws: `DockerEngineFixtureError` if dockerd is missing, exits early or does not answer in 60 s.
    func start() throws {
        lock.lock()
        defer { lock.unlock() }
        if let daemon, daemon.isRunning { return }
        guard let dockerd = Self.dockerdPath else {
            throw DockerEngineFixtureError(description: "dockerd not found (install docker.io)")
        }
        let fm = FileManager.default
        for sub in ["root", "exec"] {
            try fm.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let log = directory.appendingPathComponent("dockerd.log").path
        let arguments = [
            "--data-root", dataRoot.path,
            "--exec-root", directory.appendingPathComponent("exec").path,
            "-H", "unix://" + socketPath,
            "--pidfile", directory.appendingPathComponent("pid").path,
            "--storage-driver", "vfs",
            "--iptables=false",
            "--bridge=none",
        ]
        let process = try ChildProcess.spawn(dockerd, arguments, output: .appended(to: log), error: .sameAsOutput)
        daemon = process

        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let termination = process.wait(seconds: 0) {
                daemon = nil
                throw DockerEngineFixtureError(description: "dockerd exited (\(termination)):\n\(logTail())")
            }
            if fm.fileExists(atPath: socketPath), (try? runClient(["version"])) != nil {
                let pidFile = directory.appendingPathComponent("exec/containerd/containerd.pid")
                containerdPID = (try? String(contentsOf: pidFile, encoding: .utf8))
                    .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                return
            }
            usleep(200_000)
        }
        stopLocked()
        throw DockerEngineFixtureError(
            description: "dockerd did not answer on \(socketPath) within 60 s:\n\(logTail())")
    }

    /// Stops the daemon cleanly (SIGTERM, wait up to 30 s), else kill -9 it and its containerd. Idempotent.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        stopLocked()
    }

    /// Stops the daemon and deletes `directory` unless `keepFiles`. Idempotent.
    func shutdown() {
        stop()
        if !keepFiles {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Runs the client against this daemon (`-H unix://…`, `DOCKER_BUILDKIT=0`) and returns stdout.
    ///
    /// - Throws: `DockerEngineFixtureError` with stderr when the command fails.
    @discardableResult
    func docker(_ args: [String]) throws -> String {
        try runClient(args)
    }

    /// Asks the engine for its three ID sets and its tags.
    ///
    /// - Throws: `DockerEngineFixtureError` when a `docker images` call fails.
    func imageSets() throws -> EngineImageSets {
        func ids(_ extra: [String]) throws -> Set<String> {
            let out = try docker(["images"] + extra + ["-q", "--no-trunc"])
            return Set(out.split(whereSeparator: \.isNewline).map(String.init))
        }
        var tags: [String: String] = [:]
        let listing = try docker(["images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
        for line in listing.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ")
            guard parts.count == 2, !parts[0].hasPrefix("<none>") else { continue }
            tags[String(parts[0])] = String(parts[1])
        }
        return EngineImageSets(
            all: try ids(["-a"]),
            topLevel: try ids([]),
            dangling: try ids(["-f", "dangling=true"]),
            tags: tags
        )
    }

    /// Builds the tagged / intermediate / dangling mix without network, and returns the engine's sets.
    ///
    /// base:1 (import) → app:1 (+ app:stable, two children kid:a/kid:b), fork:a/fork:b (share an
    /// untagged step with two children), svc:1 and tmp:1; then base:1 is re-imported with new content
    /// and svc:1/tmp:1 are rebuilt, so the old ones become dangling (old svc:1 with its own untagged
    /// ancestors); plus an untagged import (dangling). Takes ~20 s on vfs.
    /// - Throws: `DockerEngineFixtureError` when a docker command fails.
    func buildScenario() throws -> EngineImageSets {
        let fm = FileManager.default
        let context = directory.appendingPathComponent("ctx", isDirectory: true)
        try fm.createDirectory(at: context, withIntermediateDirectories: true)
        for (name, text) in [("app", "app"), ("app2", "app2"), ("fork", "fork"), ("svc", "svc"), ("kid", "kid")] {
            try Data((text + "\n").utf8).write(to: context.appendingPathComponent(name + ".txt"))
        }

        func importTar(_ name: String, _ content: String, tag: String?) throws {
            let staging = directory.appendingPathComponent("tar-" + name, isDirectory: true)
            try? fm.removeItem(at: staging)
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try Data((content + "\n").utf8).write(to: staging.appendingPathComponent(name + ".txt"))
            let tarPath = directory.appendingPathComponent(name + ".tar").path
            try Self.run("/usr/bin/env", ["tar", "-C", staging.path, "-cf", tarPath, name + ".txt"], environment: [:])
            try docker(["import", tarPath] + (tag.map { [$0] } ?? []))
        }
        func build(_ tag: String, _ lines: [String]) throws {
            let file = context.appendingPathComponent("Dockerfile." + tag.replacingOccurrences(of: ":", with: "_"))
            try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
            try docker(["build", "-q", "-f", file.path, "-t", tag, context.path])
        }

        try importTar("base", "base v1", tag: "base:1")
        try build(
            "app:1",
            [
                "FROM base:1", "LABEL app=1", "COPY app.txt /app.txt", "ENV APP=1",
                "COPY app2.txt /app2.txt", "LABEL done=1",
            ])
        try docker(["tag", "app:1", "app:stable"])
        try build("kid:a", ["FROM app:1", "LABEL kid=a"])
        try build("kid:b", ["FROM app:1", "LABEL kid=b", "COPY kid.txt /kid.txt"])
        try build("fork:a", ["FROM base:1", "COPY fork.txt /fork.txt", "ENV F=1", "LABEL v=a"])
        try build("fork:b", ["FROM base:1", "COPY fork.txt /fork.txt", "ENV F=1", "LABEL v=b"])
        let svc = ["FROM base:1", "COPY svc.txt /svc.txt", "LABEL svc=1", "ENV S=1"]
        try build("svc:1", svc)
        try build("tmp:1", ["FROM base:1", "LABEL tmp=1"])

        try importTar("base", "base v2", tag: "base:1")
        try build("svc:1", svc)
        try build("tmp:1", ["FROM base:1", "LABEL tmp=2"])
        try importTar("other", "untagged", tag: nil)
        return try imageSets()
    }

    // MARK: - Private

    /// Stops dockerd; caller holds `lock`.
    private func stopLocked() {
        guard let process = daemon else { return }
        daemon = nil
        process.terminate(grace: 30)
        // containerd normally exits with dockerd; after a kill -9 it is orphaned.
        if let child = containerdPID {
            let deadline = Date().addingTimeInterval(5)
            while Self.isProcess(child, named: "containerd") && Date() < deadline { usleep(100_000) }
            if Self.isProcess(child, named: "containerd") { kill(child, SIGKILL) }
        }
        containerdPID = nil
        // dockerd bind-mounts the data root on itself and unmounts it on a clean exit only.
        if Self.isMountPoint(dataRoot.path) {
            _ = try? Self.run("/usr/bin/env", ["umount", "-l", dataRoot.path], environment: [:])
        }
    }

    /// Runs the client with `-H unix://socket`; caller may or may not hold `lock`.
    private func runClient(_ args: [String]) throws -> String {
        guard let client = Self.client else {
            throw DockerEngineFixtureError(description: "no docker client found")
        }
        var environment = client.environment
        environment["DOCKER_BUILDKIT"] = "0"
        environment["DOCKER_CONFIG"] = directory.appendingPathComponent("client-config").path
        return try Self.run(client.path, ["-H", "unix://" + socketPath] + args, environment: environment)
    }

    /// The last 40 lines of dockerd.log.
    private func logTail() -> String {
        let text = (try? String(contentsOf: directory.appendingPathComponent("dockerd.log"), encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).suffix(40).joined(separator: "\n")
    }

    /// Runs a program to completion (its environment: this process's, with `environment` on
    /// top); returns stdout.
    ///
    /// - Throws: ``ChildProcessError`` when it cannot start, `DockerEngineFixtureError` with
    ///   stderr on a non-zero exit.
    @discardableResult
    private static func run(_ executable: String, _ args: [String], environment: [String: String]) throws -> String {
        let outcome = try ChildProcess.run(
            executable, args, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        guard outcome.termination == .exited(0) else {
            throw DockerEngineFixtureError(
                description:
                    "\(executable) \(args.joined(separator: " ")) ended with \(outcome.termination): \(outcome.errorText)"
            )
        }
        return outcome.outputText
    }

    /// Finds an executable: the preferred paths first, then PATH.
    private static func findExecutable(_ name: String, preferring: [String]) -> String? {
        let fm = FileManager.default
        if let hit = preferring.first(where: { fm.isExecutableFile(atPath: $0) }) { return hit }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") {
            let candidate = String(dir) + "/" + name
            if fm.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether `pid` is alive and its `/proc/<pid>/comm` is `name` (guards against pid reuse).
    private static func isProcess(_ pid: pid_t, named name: String) -> Bool {
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .whitespacesAndNewlines) == name
    }

    /// Whether `path` is a mount point according to `/proc/self/mountinfo`.
    private static func isMountPoint(_ path: String) -> Bool {
        let info = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return info.split(whereSeparator: \.isNewline).contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4] == Substring(path)
        }
    }
}
