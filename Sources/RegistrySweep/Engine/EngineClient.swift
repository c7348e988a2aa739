import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Errors talking to the Docker engine over its unix socket.
public enum EngineClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No socket file at the path (daemon not running, or wrong `-H`).
    case socketMissing(path: String)
    /// The path does not fit in `sockaddr_un.sun_path` (108 bytes on Linux).
    case socketPathTooLong(path: String)
    /// `connect(2)` failed (e.g. ECONNREFUSED: a stale socket file with no daemon).
    case connectFailed(path: String, errno: Int32, message: String)
    /// The daemon did not answer within the timeout.
    case timeout(path: String, seconds: Double)
    /// A socket read or write failed.
    case ioFailed(path: String, message: String)
    /// The bytes received are not a valid HTTP/1.1 response.
    case malformedResponse(String)
    /// The daemon answered with a status this call does not expect.
    case unexpectedStatus(code: Int, message: String)
    /// The body is not the JSON the API documents.
    case decoding(String)

    /// A one-line message.
    public var description: String {
        switch self {
        case .socketMissing(let path):
            return "Docker socket \(path) does not exist (is dockerd running?)"
        case .socketPathTooLong(let path):
            return "socket path too long for a unix socket (max 107 bytes): \(path)"
        case .connectFailed(let path, let code, let message):
            return "cannot connect to \(path): \(message) (errno \(code))"
        case .timeout(let path, let seconds):
            return "Docker daemon at \(path) did not answer within \(seconds)s"
        case .ioFailed(let path, let message):
            return "I/O error on \(path): \(message)"
        case .malformedResponse(let message):
            return "malformed HTTP response from the Docker daemon: \(message)"
        case .unexpectedStatus(let code, let message):
            return "Docker daemon answered \(code): \(message)"
        case .decoding(let message):
            return "unexpected JSON from the Docker daemon: \(message)"
        }
    }
}

/// One entry of `GET /images/json`, with the `<none>` placeholders removed.
public struct EngineImageSummary: Sendable, Equatable {
    /// Image ID, `"sha256:<hex>"`.
    public var id: String
    /// Parent image ID, nil when empty.
    public var parentID: String?
    /// Tags (`name:tag`); empty when untagged (the API's `"<none>:<none>"` is dropped).
    public var repoTags: [String]
    /// Digest references (`name@sha256:…`); `"<none>@<none>"` is dropped.
    public var repoDigests: [String]
    /// Creation time, Unix seconds.
    public var created: Int64
    /// Size in bytes (sum of the image's layers).
    public var size: Int64
}

/// One line of a `DELETE /images/<id>` answer.
public enum ImageDeleteRecord: Sendable, Equatable {
    /// A reference was removed (`{"Untagged": "app:1"}`).
    case untagged(String)
    /// An image ID or a layer chain ID was removed (`{"Deleted": "sha256:…"}`).
    case deleted(String)
}

/// The outcome of `DELETE /images/<id>`.
public enum ImageDeleteResult: Sendable, Equatable {
    /// 200: what was untagged and deleted (images and their freed layers), in engine order.
    case deleted([ImageDeleteRecord])
    /// 409: children, containers, or references in several repositories block it.
    case conflict(message: String)
    /// 404: no such image.
    case notFound(message: String)
}

/// A parsed HTTP/1.1 response (status, lowercased headers, de-chunked body).
public struct EngineHTTPResponse: Sendable, Equatable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields with lowercased names (last one wins).
    public var headers: [String: String]
    /// The body, de-chunked when `Transfer-Encoding: chunked`.
    public var body: Data

    /// Creates a response value.
    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Parses `bytes`; nil when more bytes are needed (`atEOF` false).
    ///
    /// Handles `Content-Length`, `Transfer-Encoding: chunked` and close-delimited bodies.
    /// - Throws: `EngineClientError.malformedResponse` when the bytes cannot be a response
    ///   (or are incomplete at EOF).
    public static func parse(_ bytes: [UInt8], atEOF: Bool) throws -> EngineHTTPResponse? {
        guard let headerEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            if atEOF { throw EngineClientError.malformedResponse("connection closed before the headers ended") }
            return nil
        }
        let head = String(decoding: bytes[0..<headerEnd], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw EngineClientError.malformedResponse("bad status line \"\(statusLine)\"")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw EngineClientError.malformedResponse("bad header line \"\(line)\"")
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let bodyStart = headerEnd + 4
        let body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let decoded = try decodeChunked(bytes, from: bodyStart) else {
                if atEOF { throw EngineClientError.malformedResponse("connection closed inside a chunked body") }
                return nil
            }
            body = decoded
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else {
                throw EngineClientError.malformedResponse("bad Content-Length \"\(lengthText)\"")
            }
            guard bytes.count - bodyStart >= length else {
                if atEOF { throw EngineClientError.malformedResponse("connection closed after \(bytes.count - bodyStart) of \(length) body bytes") }
                return nil
            }
            body = Array(bytes[bodyStart..<(bodyStart + length)])
        } else if status == 204 || status == 304 || (100..<200).contains(status) {
            body = []
        } else {
            guard atEOF else { return nil }
            body = Array(bytes[bodyStart...])
        }
        return EngineHTTPResponse(status: status, headers: headers, body: Data(body))
    }

    /// Decodes a chunked body starting at `start`; nil when incomplete.
    private static func decodeChunked(_ bytes: [UInt8], from start: Int) throws -> [UInt8]? {
        var out: [UInt8] = []
        var index = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else { return nil }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
                .split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw EngineClientError.malformedResponse("bad chunk size \"\(sizeText)\"")
            }
            index = lineEnd + 2
            if size == 0 {
                // Trailers (usually none) end with an empty line.
                while true {
                    guard let end = find([13, 10], in: bytes, from: index) else { return nil }
                    if end == index { return out }
                    index = end + 2
                }
            }
            guard bytes.count >= index + size + 2 else { return nil }
            out.append(contentsOf: bytes[index..<(index + size)])
            guard bytes[index + size] == 13, bytes[index + size + 1] == 10 else {
                throw EngineClientError.malformedResponse("chunk not followed by CRLF")
            }
            index += size + 2
        }
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// A minimal Docker Engine API client: HTTP/1.1 over the daemon's unix socket, no dependencies.
public struct EngineClient: Sendable {
    /// Path of the daemon's unix socket, e.g. `/var/run/docker.sock`.
    public var socketPath: String
    /// API version prefix; 1.41 is what dockerd 20.10 speaks.
    public var apiVersion: String
    /// Seconds allowed for the whole request (connect, send, receive).
    public var timeout: Double

    /// Creates a client for the socket at `socketPath`.
    public init(socketPath: String, apiVersion: String = "1.41", timeout: Double = 30) {
        self.socketPath = socketPath
        self.apiVersion = apiVersion
        self.timeout = timeout
    }

    /// `GET /images/json`: `all` adds intermediates (`-a`); `danglingOnly` adds `filters={"dangling":["true"]}`.
    ///
    /// - Throws: `EngineClientError` for socket, timeout, status or JSON problems.
    public func listImages(all: Bool = false, danglingOnly: Bool = false) throws -> [EngineImageSummary] {
        var query: [String] = []
        if all { query.append("all=1") }
        if danglingOnly { query.append("filters=%7B%22dangling%22%3A%5B%22true%22%5D%7D") }
        let path = "/v\(apiVersion)/images/json" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let response = try send(method: "GET", path: path)
        guard response.status == 200 else {
            throw EngineClientError.unexpectedStatus(code: response.status, message: Self.message(in: response.body))
        }
        guard let items = (try? JSONSerialization.jsonObject(with: response.body)) as? [[String: Any]] else {
            throw EngineClientError.decoding("images/json is not a list of objects")
        }
        return try items.map { item in
            guard let id = item["Id"] as? String else { throw EngineClientError.decoding("image without Id") }
            let tags = (item["RepoTags"] as? [String] ?? []).filter { $0 != "<none>:<none>" }
            let digests = (item["RepoDigests"] as? [String] ?? []).filter { $0 != "<none>@<none>" }
            let parent = (item["ParentId"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            return EngineImageSummary(
                id: id,
                parentID: parent,
                repoTags: tags,
                repoDigests: digests,
                created: (item["Created"] as? NSNumber)?.int64Value ?? 0,
                size: (item["Size"] as? NSNumber)?.int64Value ?? 0
            )
        }
    }

    /// `DELETE /images/<id>`: deletes an image (and prunes its untagged parents unless `noPrune`).
    ///
    /// - Throws: `EngineClientError` for socket, timeout, unexpected status or JSON problems;
    ///   404 and 409 are returned as `.notFound` / `.conflict`, not thrown.
    public func deleteImage(id: String, force: Bool = false, noPrune: Bool = false) throws -> ImageDeleteResult {
        let encoded = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? id
        var path = "/v\(apiVersion)/images/\(encoded)"
        var query: [String] = []
        if force { query.append("force=1") }
        if noPrune { query.append("noprune=1") }
        if !query.isEmpty { path += "?" + query.joined(separator: "&") }
        let response = try send(method: "DELETE", path: path)
        switch response.status {
        case 200:
            guard let items = (try? JSONSerialization.jsonObject(with: response.body)) as? [[String: Any]] else {
                throw EngineClientError.decoding("DELETE /images answer is not a list of objects")
            }
            var records: [ImageDeleteRecord] = []
            for item in items {
                if let ref = item["Untagged"] as? String { records.append(.untagged(ref)) }
                if let deleted = item["Deleted"] as? String { records.append(.deleted(deleted)) }
            }
            return .deleted(records)
        case 404:
            return .notFound(message: Self.message(in: response.body))
        case 409:
            return .conflict(message: Self.message(in: response.body))
        default:
            throw EngineClientError.unexpectedStatus(code: response.status, message: Self.message(in: response.body))
        }
    }

    /// Sends one request (`Connection: close`) and returns the parsed response.
    ///
    /// - Throws: `EngineClientError` for a missing socket, connect/I-O failure, timeout or a malformed answer.
    public func send(method: String, path: String) throws -> EngineHTTPResponse {
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw EngineClientError.socketMissing(path: socketPath)
        }
        let deadline = Date().addingTimeInterval(timeout)
        let socket = try UnixSocket(path: socketPath, timeout: timeout)
        defer { socket.close() }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nUser-Agent: regsweep\r\nConnection: close\r\n\r\n"
        try socket.writeAll(Array(request.utf8))
        var received: [UInt8] = []
        while true {
            guard Date() < deadline else { throw EngineClientError.timeout(path: socketPath, seconds: timeout) }
            let chunk = try socket.readSome()
            if chunk.isEmpty {
                guard let response = try EngineHTTPResponse.parse(received, atEOF: true) else {
                    throw EngineClientError.malformedResponse("empty response")
                }
                return response
            }
            received.append(contentsOf: chunk)
            if let response = try EngineHTTPResponse.parse(received, atEOF: false) { return response }
        }
    }

    /// The `message` field of an engine error body, or the body as text.
    private static func message(in body: Data) -> String {
        if let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
           let message = object["message"] as? String {
            return message
        }
        return String(decoding: body, as: UTF8.self)
    }
}

/// A connected `AF_UNIX` stream socket with send/receive timeouts. All the unsafe code lives here.
private struct UnixSocket {
    /// The file descriptor.
    let fd: Int32
    /// The socket path, for error messages.
    let path: String
    /// The per-call timeout in seconds, for error messages.
    let timeout: Double

    /// Connects to `path`; `SO_SNDTIMEO` also bounds a blocking `connect` on Linux.
    ///
    /// - Throws: `EngineClientError` for a too-long path, socket/connect failure or timeout.
    init(path: String, timeout: Double) throws {
        self.path = path
        self.timeout = timeout
        #if os(Linux)
        let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        let fd = socket(AF_UNIX, streamType, 0)
        guard fd >= 0 else {
            throw EngineClientError.connectFailed(path: path, errno: errno, message: String(cString: strerror(errno)))
        }
        self.fd = fd

        // Timeouts: whole seconds + microseconds in a timeval.
        var tv = timeval()
        tv.tv_sec = .init(Int(timeout))
        tv.tv_usec = .init(((timeout - Double(Int(timeout))) * 1_000_000).rounded())
        let tvSize = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, tvSize)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, tvSize)
        #if canImport(Darwin)
        // No MSG_NOSIGNAL on Darwin: ask for EPIPE instead of SIGPIPE on the socket itself.
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif

        // Fill sockaddr_un.sun_path (a fixed C char array) with the NUL-terminated path.
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            closeDescriptor(fd)
            throw EngineClientError.socketPathTooLong(path: path)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        // connect(2) takes the address as a generic sockaddr pointer.
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if result != 0 {
            let code = errno
            closeDescriptor(fd)
            if code == EAGAIN || code == EINPROGRESS {
                throw EngineClientError.timeout(path: path, seconds: timeout)
            }
            throw EngineClientError.connectFailed(path: path, errno: code, message: String(cString: strerror(code)))
        }
    }

    /// Writes all of `bytes` (MSG_NOSIGNAL: a closed peer gives EPIPE, not SIGPIPE).
    ///
    /// - Throws: `EngineClientError.timeout` or `.ioFailed`.
    func writeAll(_ bytes: [UInt8]) throws {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                send(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset, flags)
            }
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { throw EngineClientError.timeout(path: path, seconds: timeout) }
                throw EngineClientError.ioFailed(path: path, message: String(cString: strerror(code)))
            }
            offset += written
        }
    }

    /// Reads what is available (up to 64 KiB); empty at EOF.
    ///
    /// - Throws: `EngineClientError.timeout` when nothing arrives within the timeout, or `.ioFailed`.
    func readSome() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count >= 0 { return Array(buffer[0..<count]) }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { throw EngineClientError.timeout(path: path, seconds: timeout) }
            throw EngineClientError.ioFailed(path: path, message: String(cString: strerror(code)))
        }
    }

    /// Closes the descriptor.
    func close() {
        closeDescriptor(fd)
    }
}

/// `close(2)`, named so it does not clash with `UnixSocket.close()`.
private func closeDescriptor(_ fd: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(fd)
    #elseif canImport(Musl)
    _ = Musl.close(fd)
    #elseif canImport(Darwin)
    _ = Darwin.close(fd)
    #endif
}
