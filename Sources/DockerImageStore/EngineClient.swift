import RegistrySweep

/// A small Docker Engine API client: HTTP/1.1 over the daemon's unix socket, one request per connection.
///
/// It speaks API version 1.41 (dockerd 20.10; later daemons accept it too) and only what `regsweep images`
/// needs: ping, list images, list containers, inspect an image's tags, delete an image. It never touches the
/// engine's files. Every failure is a `SweepError` with code `.engine` naming the socket: an unreachable
/// daemon (no socket file, nobody listening, permission denied, no answer in time) says so and what to do.
public struct EngineClient: Sendable {
    /// The default host, as the `docker` client uses.
    public static let defaultHost = "unix:///var/run/docker.sock"
    /// The API version prefix used in request paths.
    public static let apiVersion = "1.41"

    /// Path of the daemon's unix socket.
    public var socketPath: String
    /// Seconds each socket operation (connect, send, receive) may block.
    public var timeout: Double

    /// Creates a client for the socket at `socketPath`.
    ///
    /// - Parameters:
    ///   - socketPath: the socket file, e.g. `/var/run/docker.sock`.
    ///   - timeout: seconds a connect, send or receive may block (deleting a big image can take a while).
    public init(socketPath: String, timeout: Double = 120) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Creates a client from a `--host` value; only `unix://` is accepted.
    ///
    /// - Parameters:
    ///   - host: `unix:///path/to/docker.sock`.
    ///   - timeout: as ``init(socketPath:timeout:)``.
    /// - Throws: `.invalidArgument` for another scheme (`tcp://`, `ssh://`, `npipe://`) or an empty path.
    public init(host: String, timeout: Double = 120) throws(SweepError) {
        let scheme = "unix://"
        guard host.hasPrefix(scheme) else {
            throw SweepError(
                .invalidArgument,
                "only unix:// hosts are supported (the Engine API is reached through its unix socket), "
                    + "not \(JSONCursor.preview(host))")
        }
        let path = String(host.dropFirst(scheme.count))
        guard path.hasPrefix("/") else {
            throw SweepError(.invalidArgument, "a unix:// host needs an absolute socket path, e.g. \(Self.defaultHost)")
        }
        self.init(socketPath: path, timeout: timeout)
    }

    /// `GET /_ping`: checks that the daemon answers.
    ///
    /// - Throws: `.engine` when it is unreachable or answers something other than 200.
    public func ping() throws(SweepError) {
        let response = try send("GET", "/_ping")
        guard response.status == 200 else { throw unexpected(response, "GET /_ping") }
    }

    /// `GET /images/json`: the engine's image list.
    ///
    /// - Parameters:
    ///   - all: include intermediate images (`docker images -a`).
    ///   - danglingOnly: only dangling images (`filters={"dangling":["true"]}`).
    /// - Throws: `.engine` when unreachable, on an unexpected status, or when the answer is not an image list.
    public func listImages(all: Bool = false, danglingOnly: Bool = false) throws(SweepError) -> [EngineImageSummary] {
        var query: [String] = []
        if all { query.append("all=1") }
        // filters={"dangling":["true"]}, percent-encoded.
        if danglingOnly { query.append("filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D") }
        let target = "/images/json" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let response = try send("GET", target)
        guard response.status == 200 else { throw unexpected(response, "GET \(target)") }
        return try decoded("GET \(target)") { () throws(SweepError) in try EngineImageSummary.decodeList(response.body)
        }
    }

    /// `GET /containers/json?all=1`: the images that containers (running or stopped) use.
    ///
    /// - Throws: `.engine` as ``listImages(all:danglingOnly:)``.
    public func containerImages() throws(SweepError) -> Set<Digest> {
        let target = "/containers/json?all=1"
        let response = try send("GET", target)
        guard response.status == 200 else { throw unexpected(response, "GET \(target)") }
        return try decoded("GET \(target)") { () throws(SweepError) in
            try EngineImageSummary.decodeContainerImages(response.body)
        }
    }

    /// `GET /images/<id>/json`: the image's tags now, or `nil` if it no longer exists.
    ///
    /// - Throws: `.engine` as ``listImages(all:danglingOnly:)``.
    public func tags(of id: Digest) throws(SweepError) -> [String]? {
        let target = "/images/\(id)/json"
        let response = try send("GET", target)
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw unexpected(response, "GET \(target)") }
        return try decoded("GET \(target)") { () throws(SweepError) in
            try EngineImageSummary.decodeInspectTags(response.body)
        }
    }

    /// `DELETE /images/<id>` without force: deletes the image and the untagged parents only it used.
    ///
    /// The engine refuses (409) an image with children, one a container uses, or one referenced in several
    /// repositories; an image referenced in one repository only is untagged and deleted, so callers that
    /// must keep tagged images check the tags first (see `ImagePruner`).
    /// - Throws: `.engine` when unreachable or on a status other than 200, 404 and 409.
    public func deleteImage(_ id: Digest) throws(SweepError) -> ImageDeleteResult {
        let target = "/images/\(id)"
        let response = try send("DELETE", target)
        switch response.status {
        case 200:
            return .deleted(
                try decoded("DELETE \(target)") { () throws(SweepError) in
                    try ImageDeleteRecord.decodeList(response.body)
                })
        case 404: return .notFound(message: response.errorMessage)
        case 409: return .conflict(message: response.errorMessage)
        default: throw unexpected(response, "DELETE \(target)")
        }
    }

    /// Sends one request (`Connection: close`) to `/v1.41<target>` and reads the whole response.
    ///
    /// - Parameters:
    ///   - method: `GET` or `DELETE`.
    ///   - target: the path and query after the version prefix, e.g. `/images/json?all=1`.
    /// - Throws: `.engine` naming the socket when it cannot connect, send or receive, or the answer is not HTTP.
    public func send(_ method: String, _ target: String) throws(SweepError) -> EngineHTTPResponse {
        let socket: UnixSocket
        do {
            socket = try UnixSocket(connectingTo: socketPath, timeout: timeout)
        } catch {
            throw unreachable(error)
        }
        defer { socket.close() }
        let request =
            "\(method) /v\(Self.apiVersion)\(target) HTTP/1.1\r\nHost: docker\r\n"
            + "User-Agent: regsweep\r\nConnection: close\r\n\r\n"
        var received: [UInt8] = []
        do {
            try socket.sendAll(Array(request.utf8))
            while true {
                let chunk = try socket.receive()
                if chunk.isEmpty { break }
                received.append(contentsOf: chunk)
                if let response = try EngineHTTPResponse.parse(received, atEOF: false) { return response }
            }
        } catch  where error.code != .engine {
            throw unreachable(error)
        }
        guard let response = try EngineHTTPResponse.parse(received, atEOF: true) else {
            throw SweepError(.engine, "the Docker daemon closed the connection without an answer", path: socketPath)
        }
        return response
    }

    // MARK: Errors

    /// An operator-facing `.engine` error for a failed connect, send or receive.
    private func unreachable(_ error: SweepError) -> SweepError {
        let call = error.syscall ?? "connect"
        let advice: String
        switch (call, error.systemFailure) {
        case ("connect", .noSuchFile):
            advice = "no socket file: is dockerd running, and is the client's host the right socket?"
        case ("connect", .connectionRefused): advice = "nothing listens on the socket: dockerd is not running"
        case (_, .permissionDenied): advice = "permission denied: run as root or as a member of the docker group"
        case (_, .timedOut): advice = "the daemon did not answer within \(Int(timeout)) s"
        default: advice = error.message
        }
        if error.code == .invalidArgument {
            return SweepError(.engine, "cannot reach the Docker daemon: \(error.message)", path: socketPath)
        }
        return SweepError(
            .engine, "cannot reach the Docker daemon at unix://\(socketPath): \(advice)", path: socketPath,
            syscall: error.syscall, errno: error.errno)
    }

    /// An `.engine` error for an answer with an unexpected status.
    private func unexpected(_ response: EngineHTTPResponse, _ request: String) -> SweepError {
        SweepError(.engine, "\(request) answered \(response.status): \(response.errorMessage)", path: socketPath)
    }

    /// Runs a decoder, turning its path-less parse error into an `.engine` error naming the request.
    private func decoded<T>(_ request: String, _ decode: () throws(SweepError) -> T) throws(SweepError) -> T {
        do {
            return try decode()
        } catch {
            throw SweepError(.engine, "unexpected answer to \(request): \(error.message)", path: socketPath)
        }
    }
}
