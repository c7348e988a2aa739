import Foundation
import Testing

/// The S3 test infrastructure itself: SeaweedFS as the S3 endpoint, the reference registry on
/// its s3 driver, and scripts/s3-proxy.py (latency and faults) in between. Later S3-backend
/// tests and benchmarks build on exactly these pieces, so each is checked against the real
/// programs here.
@Suite(.serialized, .enabled(if: SeaweedServer.shouldRun && RegistryServer.shouldRun))
struct S3InfraTests {
    /// Push, byte-exact pull, the store's objects in the bucket, the reference GC on the same
    /// config, and request counts from SeaweedFS's metrics.
    @Test func registryOnSeaweedRoundTripsAndTheReferenceGCReadsIt() async throws {
        let s3 = try await SeaweedServer.start()
        defer { s3.stop() }
        let initial = try await s3.requestCountsByStatus(allBuckets: true)
        #expect(try await s3.requestCounts().isEmpty, "\(initial)")  // readiness polls /healthz, not counted
        let registry = try await RegistryServer.start(s3: s3)
        defer { registry.stop() }
        let storage = try #require(registry.s3)
        #expect(storage.endpoint == s3.endpoint && storage.bucket == s3.bucket)

        let layers = [ImageFactory.randomBlob(size: 300_000, seed: 11), ImageFactory.randomBlob(size: 4096, seed: 12)]
        let image = try await registry.pushImage(
            "s3/infra", tag: "v1", layers: layers, config: ImageFactory.imageConfig(seed: 13))
        try await registry.pullAndCheck("s3/infra", reference: "v1", expected: image)

        // The blobs are objects in the bucket under the reference layout, with their sizes.
        let blobs = storage.storagePrefix + "blobs/"
        let keys = try await s3.listAllKeys(prefix: blobs)
        func dataKey(_ digest: String) -> String {
            let hex = digest.dropFirst("sha256:".count)
            return "\(blobs)sha256/\(hex.prefix(2))/\(hex)/data"
        }
        for blob in image.layers + [image.config] {
            #expect(keys[dataKey(blob.digest)] == blob.size, "\(blob.digest)")
        }
        #expect(keys[dataKey(image.manifestDigest)] == image.manifest.count)
        let everything = try await s3.listAllKeys()
        #expect(everything.keys.allSatisfy { $0.hasPrefix(storage.storagePrefix) })
        #expect(everything.count > keys.count)  // repositories/ too

        registry.stop()
        let gc = try registry.garbageCollect(dryRun: true, deleteUntagged: false)
        #expect(gc.exitStatus == 0, "\(gc.errorOutput)")
        #expect(gc.sawSummary)
        #expect(gc.repositories == ["s3/infra"])
        #expect(gc.markedManifests == ["s3/infra@\(image.manifestDigest)"])
        #expect(gc.markedBlobDigests.isSuperset(of: (image.layers + [image.config]).map(\.digest)))
        #expect(gc.markedBlobs == 4)  // manifest, config, two layers
        #expect(gc.eligibleBlobs.isEmpty && gc.eligibleBlobCount == 0)

        let counts = try await s3.requestCounts()
        #expect(counts["LIST", default: 0] > 0, "\(counts)")
        #expect(counts["GET", default: 0] > 0, "\(counts)")
        #expect(counts["PUT", default: 0] > 0, "\(counts)")
        let byStatus = try await s3.requestCountsByStatus()
        #expect(byStatus.values.reduce(0, +) == counts.values.reduce(0, +))
    }

    /// With 20 ms added per request, a pull through the proxy still checks out byte-exact and
    /// takes at least 20 ms for every S3 request it caused (the registry makes them one after
    /// another); every request SeaweedFS saw came through the proxy.
    @Test func aLatencyProxyDelaysEveryRequestAndForwardsThemAll() async throws {
        let s3 = try await SeaweedServer.start()
        defer { s3.stop() }
        let proxy = try await S3Proxy.start(upstreamPort: s3.port, options: ["--latency-ms", "20"])
        defer { proxy.stop() }
        let registry = try await RegistryServer.start(s3: s3, endpoint: proxy.endpoint)
        defer { registry.stop() }
        let image = try await registry.pushImage(
            "lat/ency", tag: "v1", layers: [ImageFactory.randomBlob(size: 100_000, seed: 21)],
            config: ImageFactory.imageConfig(seed: 22))

        let before = try await s3.requestCounts().values.reduce(0, +)
        let elapsed = try await ContinuousClock().measure {
            try await registry.pullAndCheck("lat/ency", reference: "v1", expected: image)
        }
        let during = try await s3.requestCounts().values.reduce(0, +) - before
        #expect(during >= 3)  // at least one per manifest, config and layer
        #expect(elapsed >= .milliseconds(20 * during), "\(during) S3 requests in \(elapsed)")

        registry.stop()
        // Every request on the bucket came through the proxy; the proxy forwarded nothing beyond
        // what SeaweedFS counted (the all-bucket count adds weed's own startup ListBuckets, and
        // now and then one registry request that SeaweedFS labels with no bucket).
        let onBucket = try await s3.requestCounts().values.reduce(0, +)
        let all = try await s3.requestCountsByStatus(allBuckets: true)
        let stats = try proxy.stopAndReadStats()
        #expect(stats.forwarded >= onBucket && stats.forwarded <= all.values.reduce(0, +), "\(stats) \(all)")
        #expect(stats.faulted == 0)
        #expect(stats.byMethod["GET", default: 0] > 0 && stats.byMethod["PUT", default: 0] > 0)
    }

    /// Each fault kind, seen on the wire: 503 and SlowDown answers with S3 error XML, a body cut
    /// short of its Content-Length, a reset, a request held then closed unanswered, and `--only`
    /// sparing other methods.
    @Test func theProxyInjectsEachFault() async throws {
        let s3 = try await SeaweedServer.start()
        defer { s3.stop() }
        // An unsigned GET of an object: SeaweedFS answers 403 with an XML body of known length.
        let request = "GET /\(s3.bucket)/some/key HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

        for (kind, code) in [("503", "ServiceUnavailable"), ("slowdown", "SlowDown")] {
            let proxy = try await S3Proxy.start(
                upstreamPort: s3.port, options: ["--fault-rate", "1", "--faults", kind])
            let reply = String(
                decoding: try S3Proxy.rawExchange(port: proxy.port, request: request).bytes, as: UTF8.self)
            #expect(reply.hasPrefix("HTTP/1.1 503 "), "\(kind): \(reply)")
            #expect(reply.contains("<Code>\(code)</Code>"), "\(kind): \(reply)")
            let stats = try proxy.stopAndReadStats()
            #expect(stats.faulted == 1 && stats.forwarded == 0)
        }

        let truncating = try await S3Proxy.start(
            upstreamPort: s3.port, options: ["--fault-rate", "1", "--faults", "truncate"])
        let cut = try S3Proxy.rawExchange(port: truncating.port, request: request).bytes
        let (status, contentLength, body) = Self.parse(cut)
        #expect(status == 403)
        let length = try #require(contentLength, "no Content-Length in \(String(decoding: cut, as: UTF8.self))")
        #expect(length > 0 && body.count < length, "\(body.count) of \(length) bytes")
        truncating.stop()

        let resetting = try await S3Proxy.start(
            upstreamPort: s3.port, options: ["--fault-rate", "1", "--faults", "reset"])
        let reset = try S3Proxy.rawExchange(port: resetting.port, request: request)
        #expect(reset.bytes.isEmpty)
        #expect(reset.reset)
        resetting.stop()

        let holding = try await S3Proxy.start(
            upstreamPort: s3.port, options: ["--fault-rate", "1", "--faults", "timeout", "--timeout-s", "1"])
        var held: (bytes: [UInt8], reset: Bool) = ([], true)
        let holdTime = try ContinuousClock().measure {
            held = try S3Proxy.rawExchange(port: holding.port, request: request)
        }
        #expect(held.bytes.isEmpty && !held.reset)
        #expect(holdTime >= .seconds(1))
        holding.stop()

        let onlyPuts = try await S3Proxy.start(
            upstreamPort: s3.port, options: ["--fault-rate", "1", "--faults", "503", "--only", "PUT"])
        let spared = Self.parse(try S3Proxy.rawExchange(port: onlyPuts.port, request: request).bytes)
        #expect(spared.status == 403)
        let onlyStats = try onlyPuts.stopAndReadStats()
        #expect(onlyStats.faulted == 0 && onlyStats.forwarded == 1)
    }

    /// Status, Content-Length and body of a raw HTTP/1.1 response (`status` -1 when unparsable).
    private static func parse(_ bytes: [UInt8]) -> (status: Int, contentLength: Int?, body: ArraySlice<UInt8>) {
        let separator = Array("\r\n\r\n".utf8)
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            return (-1, nil, [])
        }
        let head = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? -1
        let length = head.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
        return (status, length, bytes[(end + separator.count)...])
    }
}
