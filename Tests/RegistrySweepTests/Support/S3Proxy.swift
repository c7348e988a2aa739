import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// scripts/s3-proxy.py (HTTP/1.1 latency and fault proxy) run by python3 through ChildProcess,
/// listening on a port it picks on 127.0.0.1. It exits by itself within a second when the test
/// process dies without stopping it (`--exit-with-parent`).
///
/// `@unchecked Sendable`: the only mutable field, `process`, is touched only under `lock`.
final class S3Proxy: @unchecked Sendable {
    /// The proxy script in this checkout.
    static let scriptPath: String = {
        // <root>/Tests/RegistrySweepTests/Support/S3Proxy.swift -> <root>/scripts/s3-proxy.py
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("scripts/s3-proxy.py").path
    }()

    /// The first executable `python3` in PATH, or nil. Does not throw.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        return path.split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// The port the proxy listens on.
    let port: Int
    /// Where its counts go on stop (JSON: forwarded, faulted, by_fault, by_method).
    let statsFile: String
    private let workDirectory: URL
    private let lock = NSLock()
    private var process: ChildProcess?

    /// `http://127.0.0.1:<port>`. Does not throw.
    var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, process: ChildProcess, workDirectory: URL) {
        self.port = port
        self.process = process
        self.workDirectory = workDirectory
        self.statsFile = workDirectory.appendingPathComponent("stats.json").path
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Starts the proxy in front of 127.0.0.1:`upstreamPort` with the script's further
    /// `options` (e.g. `["--latency-ms", "20"]`) and waits (up to 30 s) for its `listening PORT` line.
    /// - Throws: `RegistryFixtureError.startFailed` with its output when it does not come up.
    static func start(upstreamPort: Int, options: [String] = []) async throws -> S3Proxy {
        guard let python else { throw RegistryFixtureError.startFailed("s3-proxy: python3 not found in PATH") }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("regsweep-s3proxy-\(UUID().uuidString)", isDirectory: true)
        try? FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let output = work.appendingPathComponent("proxy.out").path
        let stats = work.appendingPathComponent("stats.json").path
        let arguments =
            [
                scriptPath, "--listen", "0", "--upstream", "127.0.0.1:\(upstreamPort)", "--stats-file", stats,
                "--exit-with-parent",
            ] + options
        let process = try ChildProcess.spawn(
            python, arguments, output: .appended(to: output), error: .appended(to: output))
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first, line.hasPrefix("listening "),
                let port = Int(line.dropFirst("listening ".count))
            {
                return S3Proxy(port: port, process: process, workDirectory: work)
            }
            if let termination = process.wait(seconds: 0) {
                throw RegistryFixtureError.startFailed("s3-proxy exited (\(termination)): \(text)")
            }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        process.send(SIGKILL)
        _ = process.wait()
        throw RegistryFixtureError.startFailed("s3-proxy printed no `listening PORT` line within 30 s")
    }

    /// SIGTERM (the proxy writes its stats file), then SIGKILL after 5 s. Idempotent. Does not throw.
    func stop() {
        guard
            let process = lock.withLock({ () -> ChildProcess? in
                defer { self.process = nil }
                return self.process
            })
        else { return }
        process.terminate(grace: 5)
    }

    /// Stops the proxy and returns its counts. Throws `io` when the stats file is missing or unreadable.
    func stopAndReadStats() throws -> (forwarded: Int, faulted: Int, byMethod: [String: Int]) {
        stop()
        guard let data = FileManager.default.contents(atPath: statsFile),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw RegistryFixtureError.io("s3-proxy wrote no readable \(statsFile)") }
        let byMethod = (object["by_method"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.intValue }
        return (
            (object["forwarded"] as? NSNumber)?.intValue ?? -1, (object["faulted"] as? NSNumber)?.intValue ?? -1,
            byMethod
        )
    }

    /// One raw HTTP/1.1 exchange with 127.0.0.1:`port`: sends `request`, reads until the peer
    /// closes (or 10 s pass). Returns the bytes read and whether the connection was reset.
    /// Throws `io` when the connection cannot be made.
    static func rawExchange(port: Int, request: String) throws -> (bytes: [UInt8], reset: Bool) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RegistryFixtureError.io("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw RegistryFixtureError.io("connect 127.0.0.1:\(port): errno \(errno)") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw RegistryFixtureError.io("send to 127.0.0.1:\(port): errno \(errno)") }
            sent += count
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 {
                received += buffer[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                return (received, count < 0 && errno == ECONNRESET)
            }
        }
    }
}
