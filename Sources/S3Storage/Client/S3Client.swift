import AsyncHTTPClient
import Crypto
import NIOCore
import NIOHTTP1
import RegistrySweep
import Synchronization

/// Signed S3 requests over a keep-alive connection pool: at most
/// ``S3Configuration/concurrency`` in flight, each retried on 500/503/SlowDown, timeouts and
/// broken connections with capped exponential backoff and full jitter.
///
/// Every error names the operation and the key, never a credential.
final class S3Client: Sendable {
    let configuration: S3Configuration
    let signer: SigV4Signer
    let http: HTTPClient
    let limiter: RequestLimiter
    /// Requests sent (attempts, retries included), for reports and benchmarks.
    let requestCount = Atomic<Int>(0)
    /// Attempts that were retried.
    let retryCount = Atomic<Int>(0)
    /// Link reads the backend answered from a listing instead (no request).
    let provenLinkCount = Atomic<Int>(0)

    init(_ configuration: S3Configuration) {
        self.configuration = configuration
        signer = SigV4Signer(credentials: configuration.credentials, region: configuration.location.region)
        http = Self.pool(size: configuration.concurrency)
        limiter = RequestLimiter(width: configuration.concurrency)
    }

    /// One HTTP client per pool size for the life of the process: clients are never shut down,
    /// so a backend can be dropped anywhere (a client must be shut down before it is released).
    private static let pools = Mutex<[Int: HTTPClient]>([:])

    private static func pool(size: Int) -> HTTPClient {
        pools.withLock { pools in
            if let client = pools[size] { return client }
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, size))
            configuration.redirectConfiguration = .disallow
            configuration.decompression = .disabled
            configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
            configuration.http1_1ConnectionDebugInitializer = { channel in
                channel.setOption(ChannelOptions.maxMessagesPerRead, value: 1).flatMap {
                    channel.setOption(
                        ChannelOptions.recvAllocator,
                        value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 4096, maximum: 16384))
                }
            }
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            pools[size] = client
            return client
        }
    }

    /// Sends one request, retrying what S3 says may be retried, and returns the final answer
    /// (whatever its status: callers map statuses to errors).
    ///
    /// - Parameters:
    ///   - method: the HTTP method.
    ///   - key: the object key (`""` for the bucket).
    ///   - query: query parameters, raw.
    ///   - headers: extra headers, signed.
    ///   - body: the request body.
    ///   - maxBody: the largest response body accepted; a larger one is an `.invalidArgument` error.
    ///   - operation: the S3 operation's name, for errors.
    ///   - path: the store path, for errors.
    /// - Throws: `.io` when every attempt failed (the last failure said), `.cancelled` when the
    ///   task is cancelled, `.invalidArgument` for a body over `maxBody`.
    func send(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], maxBody: Int = 16 << 20,
        operation: String, path: String?
    ) async throws(SweepError) -> S3Response {
        var lastFailure = ""
        for attempt in 1...max(1, configuration.maxAttempts) {
            if attempt > 1 {
                retryCount.add(1, ordering: .relaxed)
                try await backoff(attempt: attempt, operation: operation)
            }
            do {
                let response = try await attemptOnce(
                    method, key: key, query: query, headers: headers, body: body, maxBody: maxBody)
                if response.isRetryable && attempt < configuration.maxAttempts {
                    lastFailure = "HTTP \(response.status)\(response.errorCode.map { " \($0)" } ?? "")"
                    continue
                }
                return response
            } catch let failure as AttemptFailure {
                switch failure {
                case .tooLarge(let size):
                    throw SweepError(
                        .invalidArgument,
                        "S3 \(operation): the object is \(size) bytes, more than the \(maxBody) accepted",
                        path: path)
                case .signing(let error):
                    throw error
                }
            } catch {
                if Task.isCancelled { throw SweepError(.cancelled, "S3 \(operation) cancelled", path: path) }
                lastFailure = "\(error)"
            }
        }
        throw SweepError(
            .io, "S3 \(operation) failed after \(configuration.maxAttempts) attempts (last: \(lastFailure))", path: path
        )
    }

    /// The longest error answer read (an S3 error document is well under 1 KiB).
    static let errorBodyLimit = 64 << 10

    /// Failures that are not retried.
    enum AttemptFailure: Error {
        case tooLarge(Int)
        case signing(SweepError)
    }

    /// One attempt, holding a slot of the limiter; the request is signed once the slot is held
    /// (a request waiting for a slot holds no signed copy, and its signature is fresh when sent).
    private func attemptOnce(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8], maxBody: Int
    ) async throws -> S3Response {
        await limiter.acquire()
        defer { limiter.release() }
        let request = try makeRequest(method, key: key, query: query, headers: headers, body: body)
        requestCount.add(1, ordering: .relaxed)
        let response = try await http.execute(
            request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
        // `maxBody` bounds an object, not an error answer: a 404 or 503 whose XML (or a proxy's
        // page) is longer than a small object's limit is still that status.
        let success = (200..<300).contains(response.status.code)
        let cap = success ? maxBody : max(maxBody, Self.errorBodyLimit)
        // A HEAD answer's Content-Length is the object's, not a body's.
        let length = method == .HEAD ? nil : response.headers.first(name: "content-length").flatMap(Int.init)
        func tooLong(_ size: Int) -> any Error {
            success
                ? AttemptFailure.tooLarge(size)
                : SweepError(.io, "S3 answered HTTP \(response.status.code) with a \(size)-byte body")
        }
        if let length, length > cap { throw tooLong(length) }
        // Appended chunk by chunk into one array of the announced size (collecting into a buffer
        // first held a second, up to twice as large, copy of every listing page being read).
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length ?? 0)
        for try await chunk in response.body {
            guard bytes.count + chunk.readableBytes <= cap else { throw tooLong(bytes.count + chunk.readableBytes) }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        if let length, length != bytes.count {
            throw SweepError(.io, "S3 response body is \(bytes.count) bytes, its Content-Length says \(length)")
        }
        return S3Response(status: Int(response.status.code), headers: response.headers, body: bytes)
    }

    /// A signed request for `key`.
    func makeRequest(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8]
    ) throws -> HTTPClientRequest {
        let (url, allHeaders) = try signedParts(method, key: key, query: query, headers: headers, body: body)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers = allHeaders
        if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
        return request
    }

    /// The URL and the headers (signature included) of a request.
    func signedParts(
        _ method: HTTPMethod, key: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8]
    ) throws -> (url: String, headers: HTTPHeaders) {
        let location = configuration.location
        let payloadHash = body.isEmpty ? SigV4Signer.emptyPayloadHash : SigV4Signer.hex(SHA256.hash(data: body))
        let signed: SignedRequest
        do {
            signed = try signer.sign(
                method: method.rawValue, host: location.hostHeader, path: location.requestPath(key: key), query: query,
                headers: headers, payloadHash: payloadHash, time: Int64(Timestamp.now()))
        } catch {
            throw AttemptFailure.signing(error)
        }
        let authority = location.pathStyle ? location.host : "\(location.bucket).\(location.host)"
        var all = HTTPHeaders()
        all.add(name: "Host", value: location.hostHeader)
        for header in headers { all.add(name: header.name, value: header.value) }
        for header in signed.headers { all.add(name: header.name, value: header.value) }
        if !body.isEmpty { all.add(name: "Content-Length", value: String(body.count)) }
        return ("\(location.scheme)://\(authority):\(location.port)\(signed.pathAndQuery)", all)
    }

    /// Deletes one object, blocking the calling thread until the store answers (at most 10 s):
    /// for releasing a lock from a synchronous context. The request runs on the HTTP client's
    /// own threads, never on the task pool.
    ///
    /// - Returns: true if the store answered with success.
    func deleteObjectBlocking(_ key: String) -> Bool {
        guard let (url, headers) = try? signedParts(.DELETE, key: key, query: [], headers: [], body: []),
            let request = try? HTTPClient.Request(url: url, method: .DELETE, headers: headers)
        else { return false }
        requestCount.add(1, ordering: .relaxed)
        let response = try? http.execute(request: request, deadline: .now() + .seconds(10)).wait()
        return response.map { (200..<300).contains(Int($0.status.code)) } ?? false
    }

    /// Sleeps before attempt `attempt` (2, 3, …): a random time up to
    /// `retryDelay * 2^(attempt-2)`, capped at `maxRetryDelay`.
    func backoff(attempt: Int, operation: String) async throws(SweepError) {
        let ceiling = min(configuration.maxRetryDelay, configuration.retryDelay * Double(1 << min(attempt - 2, 20)))
        let delay = Double.random(in: 0...max(ceiling, 0.001))
        do {
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        } catch {
            throw SweepError(.cancelled, "S3 \(operation) cancelled")
        }
    }
}

extension S3Client {
    /// Streams an object to `body` in chunks of at most `chunkSize` bytes.
    ///
    /// A failure before the first byte is retried like any request; one after it is an `.io`
    /// error (the bytes already given cannot be taken back).
    ///
    /// - Returns: the bytes streamed.
    func streamObject(
        _ key: String, chunkSize: Int, path: String?, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> Int {
        var lastFailure = ""
        for attempt in 1...max(1, configuration.maxAttempts) {
            if attempt > 1 {
                retryCount.add(1, ordering: .relaxed)
                try await backoff(attempt: attempt, operation: "GetObject")
            }
            var delivered = 0
            do {
                let request = try makeRequest(.GET, key: key, query: [], headers: [], body: [])
                await limiter.acquire()
                defer { limiter.release() }
                requestCount.add(1, ordering: .relaxed)
                let response = try await http.execute(
                    request, timeout: .milliseconds(Int64(configuration.requestTimeout * 1000)))
                let status = Int(response.status.code)
                guard (200..<300).contains(status) else {
                    var buffer = try await response.body.collect(upTo: 1 << 20)
                    let answer = S3Response(
                        status: status, headers: response.headers,
                        body: buffer.readBytes(length: buffer.readableBytes) ?? [])
                    if answer.isRetryable && attempt < configuration.maxAttempts {
                        lastFailure = "HTTP \(status)"
                        continue
                    }
                    throw StreamFailure.final(answer.error("GetObject", path: path))
                }
                let expected = response.headers.first(name: "content-length").flatMap(Int.init)
                for try await buffer in response.body {
                    var failure: SweepError?
                    buffer.withUnsafeReadableBytes { raw in
                        var offset = 0
                        while offset < raw.count && failure == nil {
                            let piece = UnsafeRawBufferPointer(
                                rebasing: raw[offset..<min(offset + max(1, chunkSize), raw.count)])
                            do throws(SweepError) { try body(piece) } catch { failure = error }
                            offset += piece.count
                        }
                    }
                    if let failure { throw StreamFailure.final(failure) }
                    delivered += buffer.readableBytes
                }
                if let expected, expected != delivered {
                    throw StreamFailure.final(
                        SweepError(.io, "S3 GetObject ended after \(delivered) of \(expected) bytes", path: path))
                }
                return delivered
            } catch StreamFailure.final(let error) {
                throw error
            } catch {
                if Task.isCancelled { throw SweepError(.cancelled, "S3 GetObject cancelled", path: path) }
                if delivered > 0 {
                    throw SweepError(.io, "S3 GetObject broke off after \(delivered) bytes: \(error)", path: path)
                }
                lastFailure = "\(error)"
            }
        }
        throw SweepError(
            .io, "S3 GetObject failed after \(configuration.maxAttempts) attempts (last: \(lastFailure))", path: path)
    }

    private enum StreamFailure: Error {
        case final(SweepError)
    }
}
