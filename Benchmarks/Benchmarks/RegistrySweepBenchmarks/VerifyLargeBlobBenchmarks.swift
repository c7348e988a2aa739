import Benchmark
import RegistryStoreGenerator
import RegistrySweep

#if canImport(Glibc)
    import Glibc
#endif

/// Verify on layer-sized blobs (1 GiB: 256 x 1 MiB and 48 x 16 MiB), where hash bandwidth
/// and the cost of reading the page cache decide, not the per-blob cost: full SHA-256
/// against the `SHA-256 16 MiB` ceiling, and `--fast` (XXH3 against a baseline) against
/// full. The store is written once into `$REGSWEEP_BENCH_LARGE_STORE` (default
/// `/tmp/regsweep-bench-large`; ~10 s) and reused while its marker is present.
enum VerifyLargeBlobBenchmarks {
    static let root =
        getenv("REGSWEEP_BENCH_LARGE_STORE").map { String(cString: $0) } ?? "/tmp/regsweep-bench-large"
    static var baseline: String { root + ".verify-baseline" }

    static func register() {
        let megabytesPerSecond = BenchmarkMetric.custom(
            "hashed MB/s", polarity: .prefersLarger, useScalingFactor: false)
        for mode in [VerifyOptions.Mode.full, .fast] {
            Benchmark(
                "StoreVerifier \(mode.rawValue) 1 GiB large-blob store (\(mode == .full ? "SHA-256" : "XXH3"))",
                configuration: .init(
                    metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, megabytesPerSecond],
                    warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10),
                closure: { benchmark in
                    let options = VerifyOptions(mode: mode, baseline: mode == .fast ? baseline : nil)
                    let report = try await StoreVerifier(backend: FileSystemBackend(root: root), options: options)
                        .verify()
                    precondition(report.corrupt == 0 && report.verified == report.blobs)
                    benchmark.measurement(
                        megabytesPerSecond, Int(Double(report.bytesHashed) / 1e6 / max(report.hashSeconds, 1e-9)))
                },
                setup: {
                    try await prepareStore()
                    if mode == .fast {
                        let options = VerifyOptions(mode: .full, baseline: baseline)
                        _ = try await StoreVerifier(backend: FileSystemBackend(root: root), options: options).verify()
                    }
                })
        }
    }

    /// Writes the store (blobs only, real SHA-256 addresses) unless it is already complete.
    static func prepareStore() async throws {
        let marker = "regsweep-large-generated"
        if let backend = try? FileSystemBackend(root: root), (try? await backend.stat(marker)) != nil { return }
        mkdir(root, 0o755)
        let backend = try FileSystemBackend(root: root)
        try backend.makeDirectories("docker/registry/v2/repositories")
        var random = SeededRandom(seed: 29)
        for (count, size) in [(256, 1 << 20), (48, 16 << 20)] {
            for _ in 0..<count {
                var bytes = [UInt8](repeating: 0, count: size)
                bytes.withUnsafeMutableBytes { raw in
                    for offset in stride(from: 0, to: size, by: 8) {
                        raw.storeBytes(of: random.next(), toByteOffset: offset, as: UInt64.self)
                    }
                }
                let digest = bytes.withUnsafeBytes { ContentHash.sha256($0) }
                try bytes.withUnsafeBytes { try backend.writeAtomically(StorePath.blobData(digest), $0) }
            }
        }
        try backend.write(marker, Array("304 blobs\n".utf8))
    }
}
