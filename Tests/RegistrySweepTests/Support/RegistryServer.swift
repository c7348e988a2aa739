import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

// Test support: a real `docker-registry` (distribution 2.8.2, Debian) on 127.0.0.1.
//
// Usage in a Swift Testing test:
//
//     @Test(.enabled(if: RegistryServer.shouldRun))
//     func roundTrip() async throws {
//         let registry = try await RegistryServer.start()
//         defer { registry.stop() }
//         let image = try await registry.pushImage("a/b/c", tag: "v1",
//             layers: [ImageFactory.randomBlob(size: 4096, seed: 1)],
//             config: ImageFactory.imageConfig(seed: 1))
//         registry.stop()                       // the reference GC wants a quiet store
//         let gc = try registry.garbageCollect(dryRun: true, deleteUntagged: false)
//         #expect(gc.eligibleBlobs.isEmpty)
//         try await registry.restart()
//         try await registry.pullAndCheck("a/b/c", reference: "v1", expected: image)
//     }
//
// Changes against the requested API (all additive or "tuple -> struct"):
// - `baseURL` is a computed `var` (restart may have to move to a new port), not a `let`.
// - Tuples became structs: index children are `FixtureDescriptor` (with `FixturePlatform`),
//   `pushMultiArch` takes `[ChildImage]` and returns `PushedMultiArch` (`.index`, `.children`),
//   `subject` parameters are `FixtureDescriptor?`.
// - `pullAndCheck` has three overloads: `expected: PushedImage`, `expected: PushedMultiArch`,
//   and none (walks whatever the reference names and checks every digest). All throw
//   `RegistryFixtureError.mismatch` / `.unexpectedStatus` with the exact request and difference.
// - `ImageFactory.artifactManifest` is a raw builder only: 2.8.2 answers
//   `400 MANIFEST_INVALID` to a push of `application/vnd.oci.artifact.manifest.v1+json`.
// - Extra helpers: `blobExists`, `deleteBlob`, `storageDirectory`, `logFile`, `port`,
//   `ImageFactory.imageConfig`, `ImageFactory.digest(of:)`, `Blob(bytes:)`, `FixtureMediaType`.
// - `start(s3:rootDirectory:)` runs the registry on the s3 driver over a `SeaweedServer`
//   bucket (`s3` describes it: endpoint, bucket, rootdirectory, credentials); `configPath`
//   and `garbageCollect` work the same. The driver needs AWS_CA_BUNDLE absent from its
//   environment (with it set, serve fails), so registry and GC run without it.
// - `ReferenceGCResult` carries more than asked: counts from the summary line, marked
//   manifests/blobs, the repositories the GC walked, stderr, and `repo@digest` references.
//
// Facts observed with /usr/bin/docker-registry 2.8.2+ds1 (see the GC sample further down):
// - Accepted pushes: Docker schema2, Docker manifest list, OCI image (with and without the
//   `mediaType` field; served back as `application/vnd.oci.image.manifest.v1+json`), OCI index
//   (also with `subject`), OCI image with `subject` + `artifactType` (unknown fields are kept,
//   not validated; the subject does not have to exist). Rejected: OCI artifact manifest (400
//   MANIFEST_INVALID); an index whose child is not in the repository (400 MANIFEST_BLOB_UNKNOWN).
// - GET of a schema2 manifest without an Accept header answers 400 (it tries to down-convert
//   to schema 1), so every manifest GET here sends `FixtureMediaType.allManifests`.
// - 2.8.2 enumerates repositories (catalog AND garbage-collect) by their `_layers` directory,
//   not `_manifests`: a repository with only `_manifests` is invisible to both (yet its
//   manifests are still served), and one with only `_layers` (e.g. after a lone blob push)
//   is listed.
// - A real GC run prints the same stdout as a dry run; `Deleting blob:` / `deleting manifest:`
//   go to stderr only at log level info (this config says warn, so they normally do not
//   appear). The order of `blob eligible` lines is random (Go map order).
// - `-m` reproduces the multi-arch data-loss bug: the children of a tagged index are
//   "eligible", and their config and layers are swept (the child manifest blob itself stays
//   marked through the index). A revision whose manifest blob is missing is skipped silently
//   (no line, exit 0).
// - `GET /v2/_catalog?n=10000` needs `catalog.maxentries` >= 10000 (default 1000 answers 400
//   PAGINATION_NUMBER_INVALID); the config sets it.
// - The config fixes `http.secret` (upload `_state` survives restarts, no warning), disables
//   the access log, and allows foreign-layer URLs (`validation.manifests.urls.allow`).
// - Process cleanup: stop/deinit SIGTERM the registry (it exits in ~5 ms); a `/bin/sh` watchdog
//   SIGTERMs it within 1 s if the test process dies without stopping it (crash, SIGKILL).
//   The temp directory of a crashed run stays behind (`regsweep-registry-<UUID>`).

/// Errors thrown by the registry fixture; `description` says exactly what went wrong.
enum RegistryFixtureError: Error, CustomStringConvertible, Sendable {
    /// No registry binary: install Debian's `docker-registry` or set REGSWEEP_REGISTRY_BIN.
    case binaryMissing
    /// The registry did not come up; the message holds the reason and the log tail.
    case startFailed(String)
    /// An HTTP request answered an unexpected status.
    case unexpectedStatus(request: String, expected: Int, got: Int, body: String)
    /// A response lacked a header the protocol requires.
    case missingHeader(request: String, header: String)
    /// Pulled content differs from what was expected.
    case mismatch(String)
    /// A file-system or process operation failed.
    case io(String)

    /// Human-readable explanation. Does not throw.
    var description: String {
        switch self {
        case .binaryMissing:
            return "docker-registry binary not found: install Debian's docker-registry "
                + "(apt-get install docker-registry) or set REGSWEEP_REGISTRY_BIN to an executable"
        case .startFailed(let message):
            return "registry failed to start: \(message)"
        case .unexpectedStatus(let request, let expected, let got, let body):
            return "\(request) answered \(got), expected \(expected): \(body)"
        case .missingHeader(let request, let header):
            return "\(request): response has no \(header) header"
        case .mismatch(let message):
            return "content mismatch: \(message)"
        case .io(let message):
            return message
        }
    }
}

/// What `docker-registry garbage-collect` printed, parsed.
///
/// Real output of 2.8.2 (stdout; stderr empty at log level warn), `--dry-run --delete-untagged`
/// on a store with repos `p/a` (tagged and untagged manifests) and `x/y/z` (one lone blob):
///
///     p/a
///     manifest eligible for deletion: sha256:348d6e87f48c026f1f566d3bab110d288d6124dc9b2ce55bb5f7ced4439761af
///     p/a: marking manifest sha256:83d86993c605c4505653ee25401ea9006c65f155bd1a929c9663c80fd982679a
///     p/a: marking blob sha256:f38aa365126a587b98960c2d6d1bd87c0dff1bea6d920bbf76a84c254bb0f234
///     p/a: marking manifest sha256:ddddd13216b9d4408d4b8ef146f6f072df9757657ed5ec8ad4e6e5a714871f13
///     p/a: marking blob sha256:d303655f1ebfc3cc6d2dbfb5b09985810be2a21111bf222db86f4bba01d54268
///     x/y/z
///
///     8 blobs marked, 4 blobs and 2 manifests eligible for deletion
///     blob eligible for deletion: sha256:348d6e87f48c026f1f566d3bab110d288d6124dc9b2ce55bb5f7ced4439761af
///     blob eligible for deletion: sha256:4ecac261fa0bac9617dfb526e6d8100edf24067c41636b1df93ffd021db50f38
///
/// - Each repository is announced by a bare line with its name; its lines follow.
/// - `marking manifest` lines end with one trailing space; `marking blob` lines do not.
///   A marked index prints `marking blob <child digest>` for its children (not their layers).
/// - Without `-m` there are no `manifest eligible` lines and K is 0. With `-m` the line holds a
///   bare digest (no repository): the repository is the preceding bare name line, so
///   `eligibleManifestReferences` stores `repo@sha256:…`, `eligibleManifests` bare digests.
///   K counts (repo, manifest) pairs.
/// - A real (non-dry) run prints exactly the same stdout. At log level info, stderr adds
///   logrus lines `msg="deleting manifest: /docker/registry/v2/repositories/<repo>/_manifests/revisions/sha256/<hex>"`
///   and `msg="Deleting blob: /docker/registry/v2/blobs/sha256/<xx>/<hex>"`; both are parsed.
/// - Exit status 0 on success; 1 with a message and usage on stderr on failure.
struct ReferenceGCResult: Sendable {
    /// N of "N blobs marked, M blobs and K manifests eligible for deletion".
    var markedBlobs: Int = 0
    /// M of the summary line.
    var eligibleBlobCount: Int = 0
    /// K of the summary line (one per repository and manifest).
    var eligibleManifestCount: Int = 0
    /// True when the summary line was printed (the GC got through the mark phase).
    var sawSummary = false
    /// Digests of "blob eligible for deletion:" lines plus logged "Deleting blob:" paths.
    var eligibleBlobs: Set<String> = []
    /// Bare digests of "manifest eligible for deletion:" lines (and logged manifest deletions).
    var eligibleManifests: Set<String> = []
    /// `repo@sha256:<hex>` for every manifest eligible for deletion.
    var eligibleManifestReferences: Set<String> = []
    /// `repo@sha256:<hex>` for every "marking manifest" line.
    var markedManifests: Set<String> = []
    /// Digests of every "marking blob" line (manifests of marked children included).
    var markedBlobDigests: Set<String> = []
    /// Repositories in the order the GC walked them.
    var repositories: [String] = []
    /// Blob digests of logged "Deleting blob:" lines (only at log level info).
    var deletedBlobs: Set<String> = []
    /// Full stdout.
    var output: String = ""
    /// Full stderr.
    var errorOutput: String = ""
    /// Exit status of the process.
    var exitStatus: Int32 = 0

    /// Parses the GC's stdout and stderr into a result. Does not throw; unknown lines are ignored.
    static func parse(stdout: String, stderr: String, exitStatus: Int32) -> ReferenceGCResult {
        var result = ReferenceGCResult(output: stdout, errorOutput: stderr, exitStatus: exitStatus)
        var currentRepository = ""
        for rawLine in stdout.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if let digest = line.suffix(afterPrefix: "blob eligible for deletion: ") {
                result.eligibleBlobs.insert(digest)
            } else if let digest = line.suffix(afterPrefix: "manifest eligible for deletion: ") {
                result.eligibleManifests.insert(digest)
                result.eligibleManifestReferences.insert("\(currentRepository)@\(digest)")
            } else if let range = line.range(of: ": marking manifest ") {
                let repository = String(line[..<range.lowerBound])
                result.markedManifests.insert("\(repository)@\(line[range.upperBound...])")
            } else if let range = line.range(of: ": marking blob ") {
                result.markedBlobDigests.insert(String(line[range.upperBound...]))
            } else if line.hasSuffix(" manifests eligible for deletion") {
                let numbers = line.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                if numbers.count == 3 {
                    result.markedBlobs = numbers[0]
                    result.eligibleBlobCount = numbers[1]
                    result.eligibleManifestCount = numbers[2]
                    result.sawSummary = true
                }
            } else if !line.contains(" ") {
                currentRepository = line
                result.repositories.append(line)
            }
        }
        for line in stderr.split(separator: "\n") {
            if let path = Self.loggedPath(in: line, after: "Deleting blob: "),
                let hex = path.split(separator: "/").last
            {
                result.deletedBlobs.insert("sha256:\(hex)")
                result.eligibleBlobs.insert("sha256:\(hex)")
            } else if let path = Self.loggedPath(in: line, after: "deleting manifest: "),
                let repoStart = path.range(of: "/repositories/"),
                let repoEnd = path.range(of: "/_manifests/revisions/sha256/")
            {
                let repository = path[repoStart.upperBound..<repoEnd.lowerBound]
                let digest = "sha256:\(path[repoEnd.upperBound...])"
                result.eligibleManifests.insert(digest)
                result.eligibleManifestReferences.insert("\(repository)@\(digest)")
            }
        }
        return result
    }

    /// The storage path logged after `marker` in a logrus line, up to the closing quote. Does not throw.
    private static func loggedPath(in line: Substring, after marker: String) -> String? {
        guard let range = line.range(of: marker) else { return nil }
        let rest = line[range.upperBound...]
        let end = rest.firstIndex(where: { $0 == "\"" || $0 == " " }) ?? rest.endIndex
        return String(rest[..<end])
    }
}

extension String {
    /// The rest of the string after `prefix`, or nil when it does not start with it. Does not throw.
    fileprivate func suffix(afterPrefix prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}

/// Where a registry on the s3 driver keeps its store (what its config.yml says).
struct RegistryS3Storage: Sendable {
    /// `http://127.0.0.1:<port>` (`regionendpoint`).
    var endpoint: String
    /// The bucket.
    var bucket: String
    /// `rootdirectory`: the key prefix, with a leading slash (`/registry`); object keys are
    /// `<rootdirectory without its leading slash>/docker/registry/v2/...`.
    var rootDirectory: String
    /// `region`.
    var region: String
    /// `accesskey`.
    var accessKey: String
    /// `secretkey`.
    var secretKey: String

    /// The key prefix of the store, `registry/docker/registry/v2/` for `/registry`. Does not throw.
    var storagePrefix: String {
        let root = rootDirectory.split(separator: "/").joined(separator: "/")
        return (root.isEmpty ? "" : root + "/") + "docker/registry/v2/"
    }
}

/// A real docker-registry process on 127.0.0.1 with a private storage root.
///
/// `@unchecked Sendable`: every mutable field lives in `state` and is only touched while
/// `lock` is held; all other stored properties are immutable `let`s of Sendable types.
final class RegistryServer: @unchecked Sendable {
    /// Path of the registry binary: `$REGSWEEP_REGISTRY_BIN` if set (nil when that is not
    /// executable), else `/usr/bin/docker-registry` if executable, else nil. Does not throw.
    static var binaryPath: String? {
        let fileManager = FileManager.default
        if let custom = ProcessInfo.processInfo.environment["REGSWEEP_REGISTRY_BIN"], !custom.isEmpty {
            return fileManager.isExecutableFile(atPath: custom) ? custom : nil
        }
        let standard = "/usr/bin/docker-registry"
        return fileManager.isExecutableFile(atPath: standard) ? standard : nil
    }

    /// True when the registry binary exists. Does not throw.
    static var isAvailable: Bool { binaryPath != nil }

    /// For `.enabled(if:)`: true when the binary exists or under CI (`CI=true`), where a
    /// missing binary must fail the test loudly instead of skipping it. Does not throw.
    static var shouldRun: Bool {
        isAvailable || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// The storage `rootdirectory` (it holds `docker/registry/v2`). Under the s3 driver
    /// (`start(s3:)`) an empty local directory that the registry never uses: see `s3`.
    let rootDirectory: URL
    /// The s3 storage this registry runs on; nil for the filesystem driver.
    let s3: RegistryS3Storage?
    /// The config.yml written for this registry.
    let configPath: URL
    /// Private temp directory holding config, log and (by default) the storage root.
    let workDirectory: URL
    /// The registry's stdout + stderr (appended across restarts).
    let logFile: URL
    /// Binary this server runs.
    let binary: String

    /// The mutable part, guarded by `lock`.
    private struct State {
        var port: Int
        var process: ChildProcess?
        var watchdog: ChildProcess?
    }

    private let lock = NSLock()
    private var state: State
    private let session: URLSession

    /// Fixed so that upload `_state` tokens stay valid across `restart()`.
    private static let httpSecret = "regsweep-test-fixture-secret"

    /// `http://127.0.0.1:<port>` of the running registry. Does not throw.
    var baseURL: URL {
        URL(string: "http://127.0.0.1:\(port)")!
    }

    /// TCP port the registry listens on. Does not throw.
    var port: Int { lock.withLock { state.port } }

    /// `<rootDirectory>/docker/registry/v2`. Does not throw.
    var storageDirectory: URL {
        rootDirectory.appendingPathComponent("docker/registry/v2", isDirectory: true)
    }

    /// True while the registry process runs. Does not throw.
    var isRunning: Bool { lock.withLock { state.process?.isRunning ?? false } }

    /// PID of the running registry process, nil when stopped. Does not throw.
    var processIdentifier: Int32? { lock.withLock { state.process?.pid } }

    /// Sets up files; does not launch. Does not throw.
    private init(binary: String, workDirectory: URL, rootDirectory: URL, port: Int, s3: RegistryS3Storage? = nil) {
        self.binary = binary
        self.s3 = s3
        self.workDirectory = workDirectory
        self.rootDirectory = rootDirectory
        self.configPath = workDirectory.appendingPathComponent("config.yml")
        self.logFile = workDirectory.appendingPathComponent("registry.log")
        self.state = State(port: port)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.timeoutIntervalForResource = 120
        configuration.urlCache = nil
        self.session = URLSession(configuration: configuration)
    }

    /// Stops the registry, invalidates the HTTP session and removes the temp directory (kept
    /// when REGSWEEP_KEEP_REGISTRY_DIRS is set; a caller-given root is never removed).
    deinit {
        stop()
        session.invalidateAndCancel()
        if ProcessInfo.processInfo.environment["REGSWEEP_KEEP_REGISTRY_DIRS"] == nil {
            try? FileManager.default.removeItem(at: workDirectory)
        }
    }

    /// Starts a registry on a free port with delete enabled, over a new temp root (or
    /// `rootDirectory`), and waits until `GET /v2/` answers 200.
    /// Throws `binaryMissing`, `io` (temp files), or `startFailed` (with the log tail) when it
    /// does not answer within 60 s or its port is taken three times in a row.
    static func start(rootDirectory: URL? = nil) async throws -> RegistryServer {
        try await start(rootDirectory: rootDirectory, s3: nil)
    }

    /// Starts a registry on the s3 driver over `s3`'s bucket, under `rootDirectory` (an object
    /// key prefix), with delete enabled, upload purging and redirects disabled, and waits until
    /// `GET /v2/` answers 200. `garbageCollect` runs on the same config. The registry and the
    /// GC run without `AWS_CA_BUNDLE` in their environment (the s3 driver fails with it set).
    ///
    /// - Parameters:
    ///   - s3: the server whose bucket and credentials the config names.
    ///   - rootDirectory: the driver's `rootdirectory` (key prefix, leading slash).
    ///   - endpoint: the `regionendpoint`, when not `s3.endpoint` itself (e.g. a fault or latency
    ///     proxy in front of it, scripts/s3-proxy.py).
    /// - Throws: like `start(rootDirectory:)`.
    static func start(
        s3: SeaweedServer, rootDirectory: String = "/registry", endpoint: String? = nil
    ) async throws -> RegistryServer {
        let storage = RegistryS3Storage(
            endpoint: endpoint ?? s3.endpoint, bucket: s3.bucket, rootDirectory: rootDirectory, region: s3.region,
            accessKey: s3.accessKey, secretKey: s3.secretKey)
        return try await start(rootDirectory: nil, s3: storage)
    }

    /// Both drivers: `s3` nil means the filesystem driver over `rootDirectory`.
    private static func start(rootDirectory: URL?, s3: RegistryS3Storage?) async throws -> RegistryServer {
        guard let binary = binaryPath else { throw RegistryFixtureError.binaryMissing }
        let fileManager = FileManager.default
        let work = fileManager.temporaryDirectory
            .appendingPathComponent("regsweep-registry-\(UUID().uuidString)", isDirectory: true)
        let root = rootDirectory ?? work.appendingPathComponent("root", isDirectory: true)
        do {
            try fileManager.createDirectory(at: work, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: root, withIntermediateDirectories: true)
            guard fileManager.createFile(atPath: work.appendingPathComponent("registry.log").path, contents: nil) else {
                throw RegistryFixtureError.io("cannot create \(work.path)/registry.log")
            }
        } catch let error as RegistryFixtureError {
            throw error
        } catch {
            throw RegistryFixtureError.io("cannot create registry temp dirs under \(work.path): \(error)")
        }
        let server = RegistryServer(
            binary: binary, workDirectory: work, rootDirectory: root, port: try freePort(), s3: s3)
        try await server.launch()
        return server
    }

    /// Stops the registry: SIGTERM, wait up to 5 s, then SIGKILL. Idempotent. Does not throw.
    func stop() {
        let (process, watchdog) = lock.withLock { () -> (ChildProcess?, ChildProcess?) in
            defer {
                state.process = nil
                state.watchdog = nil
            }
            return (state.process, state.watchdog)
        }
        watchdog?.stopWatchdog()
        process?.terminate(grace: 5)
    }

    /// Stops and starts again on the same root, config and port (a new port if the old one
    /// is taken). Throws like `start`.
    func restart() async throws {
        stop()
        try await launch()
    }

    // MARK: - Process management

    /// Writes the config, runs `serve`, waits for readiness; retries with a new port (up to 3
    /// attempts) when the port is taken. Throws `startFailed` or `io`.
    private func launch() async throws {
        var lastFailure = ""
        for attempt in 1...3 {
            var port = self.port
            if attempt > 1 || !Self.isPortFree(port) {
                port = try Self.freePort()
                lock.withLock { state.port = port }
            }
            try writeConfig(port: port)
            let logStart = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? Int) ?? 0
            let process = try spawnServe()
            let watchdog = ChildProcess.watchdog(for: process.pid, name: "regsweep-registry-watchdog")
            lock.withLock {
                state.process = process
                state.watchdog = watchdog
            }
            let outcome = await waitUntilReady(process)
            if outcome == nil { return }
            stop()
            let log = logTail(from: logStart)
            lastFailure = "\(outcome!) (attempt \(attempt), port \(port), config \(configPath.path))\nlog tail:\n\(log)"
            if !log.contains("address already in use") { break }
        }
        throw RegistryFixtureError.startFailed(lastFailure)
    }

    /// Writes config.yml for `port`. Throws `io` when the file cannot be written.
    private func writeConfig(port: Int) throws {
        let config = """
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
            \(storageSection())
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:\(port)
              secret: \(Self.httpSecret)
            catalog:
              maxentries: 10000
            validation:
              manifests:
                urls:
                  allow:
                    - ^https?://

            """
        do {
            try config.write(to: configPath, atomically: true, encoding: .utf8)
        } catch {
            throw RegistryFixtureError.io("cannot write \(configPath.path): \(error)")
        }
    }

    /// The driver part of config.yml's `storage:` section, every line indented as it stands in
    /// the file (the interpolation in `writeConfig` sits at column 0). Does not throw.
    private func storageSection() -> String {
        guard let s3 else {
            return "  filesystem:\n    rootdirectory: \(Self.yamlQuoted(rootDirectory.path))"
        }
        return """
              s3:
                accesskey: \(Self.yamlQuoted(s3.accessKey))
                secretkey: \(Self.yamlQuoted(s3.secretKey))
                region: \(Self.yamlQuoted(s3.region))
                regionendpoint: \(Self.yamlQuoted(s3.endpoint))
                bucket: \(Self.yamlQuoted(s3.bucket))
                rootdirectory: \(Self.yamlQuoted(s3.rootDirectory))
                secure: false
                v4auth: true
              redirect:
                disable: true
            """
    }

    /// Launches `<binary> serve <config>` with output appended to the log. Throws `io`.
    private func spawnServe() throws -> ChildProcess {
        do {
            return try ChildProcess.spawn(
                binary, ["serve", configPath.path], environment: cleanEnvironment(),
                output: .appended(to: logFile.path), error: .sameAsOutput)
        } catch {
            throw RegistryFixtureError.io("cannot launch \(binary) serve \(configPath.path): \(error)")
        }
    }

    /// Polls `GET /v2/` every 50 ms for up to 60 s (a registry answers in well under a second;
    /// the margin is for 2-core machines running many suites at once). Returns nil when it
    /// answered 200, else why not. Does not throw.
    private func waitUntilReady(_ process: ChildProcess) async -> String? {
        let deadline = Date().addingTimeInterval(60)
        guard let url = URL(string: "\(baseURL.absoluteString)/v2/") else { return "bad URL" }
        var lastError = "no answer"
        while Date() < deadline {
            if let termination = process.wait(seconds: 0) {
                return "registry exited (\(termination)) before answering"
            }
            var request = URLRequest(url: url)
            request.timeoutInterval = 1
            do {
                let (_, response) = try await session.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? -1
                if status == 200 { return nil }
                lastError = "GET /v2/ answered \(status)"
            } catch {
                lastError = "GET /v2/ failed: \(error.localizedDescription)"
            }
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return "no 200 from GET /v2/ within 60 s (last: \(lastError))"
    }

    /// The last ~40 lines of the log written since byte `offset`. Does not throw.
    private func logTail(from offset: Int) -> String {
        guard let data = FileManager.default.contents(atPath: logFile.path) else { return "(no log)" }
        let start = min(max(offset, 0), data.count)
        let text = String(decoding: data[data.startIndex.advanced(by: start)...], as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(40).joined(separator: "\n")
    }

    /// The environment without REGISTRY_* variables, which would override the config, and on
    /// the s3 driver without AWS_CA_BUNDLE, with which the driver does not start. Does not throw.
    private func cleanEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("REGISTRY_") && (s3 == nil || $0.key != "AWS_CA_BUNDLE")
        }
    }

    /// `text` as a double-quoted YAML scalar. Does not throw.
    private static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, close).
    /// Throws `io` when no socket can be bound.
    static func freePort() throws -> Int {
        let (fd, port) = try bindLoopback(port: 0)
        close(fd)
        return port
    }

    /// True when 127.0.0.1:`port` can be bound right now (with SO_REUSEADDR, like Go). Does not throw.
    static func isPortFree(_ port: Int) -> Bool {
        guard let (fd, _) = try? bindLoopback(port: port) else { return false }
        close(fd)
        return true
    }

    /// Binds a TCP socket to 127.0.0.1:`port`; returns the open fd and the bound port.
    /// Throws `io` with errno on failure.
    private static func bindLoopback(port: Int) throws -> (Int32, Int) {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RegistryFixtureError.io("socket() failed: errno \(errno)") }
        var yes: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw RegistryFixtureError.io("bind 127.0.0.1:\(port) failed: errno \(code)")
        }
        var actual = sockaddr_in()
        var actualLength = length
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        guard named == 0 else {
            let code = errno
            close(fd)
            throw RegistryFixtureError.io("getsockname failed: errno \(code)")
        }
        return (fd, Int(UInt16(bigEndian: actual.sin_port)))
    }

    // MARK: - Reference garbage collector

    /// Runs `docker-registry garbage-collect [--dry-run] [--delete-untagged] <config>` on this
    /// registry's config (the server may be running or stopped) and parses its output.
    /// Throws `io` only when the process cannot be launched; check `exitStatus` for GC failures.
    func garbageCollect(dryRun: Bool, deleteUntagged: Bool) throws -> ReferenceGCResult {
        var arguments = ["garbage-collect"]
        if dryRun { arguments.append("--dry-run") }
        if deleteUntagged { arguments.append("--delete-untagged") }
        arguments.append(configPath.path)
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(binary, arguments, environment: cleanEnvironment())
        } catch {
            throw RegistryFixtureError.io("cannot run \(binary) \(arguments.joined(separator: " ")): \(error)")
        }
        return ReferenceGCResult.parse(
            stdout: outcome.outputText, stderr: outcome.errorText, exitStatus: outcome.status)
    }

    // MARK: - HTTP API

    /// One HTTP exchange.
    struct Reply: Sendable {
        /// HTTP status code.
        var status: Int
        /// Headers with lower-cased names.
        var headers: [String: String]
        /// Response body.
        var body: [UInt8]

        /// Header value by case-insensitive name. Does not throw.
        func header(_ name: String) -> String? { headers[name.lowercased()] }

        /// The body as (lossy) UTF-8, cut to 500 characters, for error messages. Does not throw.
        var bodyText: String { String(String(decoding: body, as: UTF8.self).prefix(500)) }
    }

    /// Sends one request to `pathOrURL` (a path under baseURL, or an absolute URL).
    /// Throws `io` when the request fails at the transport level.
    func send(
        _ method: String, _ pathOrURL: String, body: [UInt8]? = nil, headers: [String: String] = [:]
    ) async throws -> Reply {
        let text = pathOrURL.hasPrefix("http://") ? pathOrURL : baseURL.absoluteString + pathOrURL
        guard let url = URL(string: text) else { throw RegistryFixtureError.io("bad URL \(text)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body)
            request.setValue(String(body.count), forHTTPHeaderField: "Content-Length")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw RegistryFixtureError.io("\(method) \(url.absoluteString) failed: \(error)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw RegistryFixtureError.io("\(method) \(url.absoluteString): not an HTTP response")
        }
        var lowered: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            lowered[String(describing: key).lowercased()] = String(describing: value)
        }
        return Reply(status: http.statusCode, headers: lowered, body: Array(data))
    }

    /// Sends a request and requires status `expected`. Throws `unexpectedStatus` or `io`.
    @discardableResult
    private func expect(
        _ expected: Int, _ method: String, _ pathOrURL: String, body: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws -> Reply {
        let reply = try await send(method, pathOrURL, body: body, headers: headers)
        guard reply.status == expected else {
            throw RegistryFixtureError.unexpectedStatus(
                request: "\(method) \(pathOrURL)", expected: expected, got: reply.status, body: reply.bodyText)
        }
        return reply
    }

    /// Absolute form of an upload `Location` header (which may be relative). Throws `io`.
    private func absolute(_ location: String) throws -> String {
        guard let url = URL(string: location, relativeTo: baseURL)?.absoluteURL else {
            throw RegistryFixtureError.io("bad Location header \(location)")
        }
        return url.absoluteString
    }

    /// Uploads `data` monolithically (POST, then PUT `<location>&digest=`); returns
    /// `"sha256:<hex>"`. Throws `unexpectedStatus` (not 202/201), `missingHeader`, `mismatch`, `io`.
    @discardableResult
    func pushBlob(_ repository: String, _ data: [UInt8]) async throws -> String {
        let digest = ImageFactory.digest(of: data)
        let started = try await expect(202, "POST", "/v2/\(repository)/blobs/uploads/")
        guard let location = started.header("Location") else {
            throw RegistryFixtureError.missingHeader(
                request: "POST /v2/\(repository)/blobs/uploads/", header: "Location")
        }
        let target = try absolute(location)
        let put = target + (target.contains("?") ? "&" : "?") + "digest=\(digest)"
        let done = try await expect(
            201, "PUT", put, body: data, headers: ["Content-Type": "application/octet-stream"])
        if let confirmed = done.header("Docker-Content-Digest"), confirmed != digest {
            throw RegistryFixtureError.mismatch("blob upload to \(repository) confirmed \(confirmed), sent \(digest)")
        }
        return digest
    }

    /// True when `HEAD /v2/<repo>/blobs/<digest>` answers 200 (false on 404).
    /// Throws `unexpectedStatus` on any other status, `io`.
    func blobExists(_ repository: String, digest: String) async throws -> Bool {
        let reply = try await send("HEAD", "/v2/\(repository)/blobs/\(digest)")
        switch reply.status {
        case 200: return true
        case 404: return false
        default:
            throw RegistryFixtureError.unexpectedStatus(
                request: "HEAD /v2/\(repository)/blobs/\(digest)", expected: 200, got: reply.status, body: "")
        }
    }

    /// Cross-repository mount of `digest` from `from` into `repository`; requires 201.
    /// Throws `unexpectedStatus` (202 means the registry refused to mount), `io`.
    func mountBlob(_ repository: String, digest: String, from: String) async throws {
        try await expect(201, "POST", "/v2/\(repository)/blobs/uploads/?mount=\(digest)&from=\(from)")
    }

    /// `DELETE /v2/<repo>/blobs/<digest>` (removes the repository's layer link); requires 202.
    /// Throws `unexpectedStatus`, `io`.
    func deleteBlob(_ repository: String, digest: String) async throws {
        try await expect(202, "DELETE", "/v2/\(repository)/blobs/\(digest)")
    }

    /// `PUT /v2/<repo>/manifests/<reference>` with `Content-Type: mediaType`; requires 201 and
    /// returns the `Docker-Content-Digest`, checked against sha256 of `body`.
    /// Throws `unexpectedStatus` (e.g. 400 MANIFEST_INVALID), `missingHeader`, `mismatch`, `io`.
    @discardableResult
    func pushManifest(
        _ repository: String, reference: String, mediaType: String, body: [UInt8]
    ) async throws -> String {
        let path = "/v2/\(repository)/manifests/\(reference)"
        let reply = try await expect(201, "PUT", path, body: body, headers: ["Content-Type": mediaType])
        guard let digest = reply.header("Docker-Content-Digest") else {
            throw RegistryFixtureError.missingHeader(request: "PUT \(path)", header: "Docker-Content-Digest")
        }
        let computed = ImageFactory.digest(of: body)
        guard digest == computed else {
            throw RegistryFixtureError.mismatch("PUT \(path): registry says \(digest), body hashes to \(computed)")
        }
        return digest
    }

    /// `DELETE /v2/<repo>/manifests/<digest>` (deletes the revision and every tag on it);
    /// requires 202. Throws `unexpectedStatus`, `io`.
    func deleteManifest(_ repository: String, digest: String) async throws {
        try await expect(202, "DELETE", "/v2/\(repository)/manifests/\(digest)")
    }

    /// Starts an upload, optionally PATCHes `chunk` into it, and leaves it unfinished; returns
    /// the `Docker-Upload-UUID` (the `_uploads/<uuid>` directory name).
    /// Throws `unexpectedStatus` (not 202), `missingHeader`, `io`.
    func startUpload(_ repository: String, chunk: [UInt8]? = nil) async throws -> String {
        let path = "/v2/\(repository)/blobs/uploads/"
        let started = try await expect(202, "POST", path)
        guard let uuid = started.header("Docker-Upload-UUID") else {
            throw RegistryFixtureError.missingHeader(request: "POST \(path)", header: "Docker-Upload-UUID")
        }
        guard let chunk else { return uuid }
        guard let location = started.header("Location") else {
            throw RegistryFixtureError.missingHeader(request: "POST \(path)", header: "Location")
        }
        try await expect(
            202, "PATCH", try absolute(location), body: chunk,
            headers: [
                "Content-Type": "application/octet-stream",
                "Content-Range": "0-\(max(chunk.count - 1, 0))",
            ])
        return uuid
    }

    /// `GET /v2/<repo>/manifests/<tag-or-digest>` accepting every manifest media type; any
    /// status is returned, `mediaType` is the Content-Type. Throws `io` on transport failure.
    func getManifest(
        _ repository: String, reference: String
    ) async throws -> (status: Int, body: [UInt8], mediaType: String?) {
        let reply = try await send(
            "GET", "/v2/\(repository)/manifests/\(reference)",
            headers: ["Accept": FixtureMediaType.allManifests.joined(separator: ", ")])
        return (reply.status, reply.body, reply.header("Content-Type"))
    }

    /// `GET /v2/<repo>/blobs/<digest>`; any status is returned. Throws `io` on transport failure.
    func getBlob(_ repository: String, digest: String) async throws -> (status: Int, body: [UInt8]) {
        let reply = try await send("GET", "/v2/\(repository)/blobs/\(digest)")
        return (reply.status, reply.body)
    }

    /// `GET /v2/_catalog?n=10000` (config sets `catalog.maxentries: 10000`; 2.8.2's default
    /// of 1000 answers 400 PAGINATION_NUMBER_INVALID to n=10000), following `Link: rel="next"`
    /// pages: every repository name, sorted. Throws `unexpectedStatus`, `mismatch` (bad JSON), `io`.
    func catalog() async throws -> [String] {
        var names: [String] = []
        var next: String? = "/v2/_catalog?n=10000"
        var pages = 0
        while let path = next, pages < 1000 {
            pages += 1
            let reply = try await expect(200, "GET", path)
            names += try Self.stringList(reply.body, key: "repositories", context: "GET \(path)")
            next = nil
            if let link = reply.header("Link"), link.contains("rel=\"next\""),
                let open = link.firstIndex(of: "<"), let close = link.firstIndex(of: ">"), open < close
            {
                next = try absolute(String(link[link.index(after: open)..<close]))
            }
        }
        return names
    }

    /// `GET /v2/<repo>/tags/list`: the tags, `[]` on 404 or a null list.
    /// Throws `unexpectedStatus` (other statuses), `mismatch` (bad JSON), `io`.
    func tags(_ repository: String) async throws -> [String] {
        let path = "/v2/\(repository)/tags/list"
        let reply = try await send("GET", path)
        if reply.status == 404 { return [] }
        guard reply.status == 200 else {
            throw RegistryFixtureError.unexpectedStatus(
                request: "GET \(path)", expected: 200, got: reply.status, body: reply.bodyText)
        }
        return try Self.stringList(reply.body, key: "tags", context: "GET \(path)")
    }

    /// The string array under `key` of a JSON object (`[]` for null/absent). Throws `mismatch`.
    private static func stringList(_ body: [UInt8], key: String, context: String) throws -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw RegistryFixtureError.mismatch("\(context): body is not a JSON object")
        }
        return object[key] as? [String] ?? []
    }
}
