import Benchmark
import RegistrySweep

/// Blob verification over the generated ~100k-blob store: SHA-256 of every blob (full)
/// and XXH3 against a baseline (fast). Blobs are 100–400 bytes, so this measures the
/// per-blob cost (open, read, hash, close) more than raw hash bandwidth.
enum VerifyBenchmarks {
    static var baseline: String { ScanBenchmarks.root + ".verify-baseline" }

    static func register() {
        let megabytesPerSecond = BenchmarkMetric.custom(
            "hashed MB/s", polarity: .prefersLarger, useScalingFactor: false)
        let blobsPerSecond = BenchmarkMetric.custom("blobs/s", polarity: .prefersLarger, useScalingFactor: false)
        for mode in [VerifyOptions.Mode.full, .fast] {
            Benchmark(
                "StoreVerifier \(mode.rawValue) 100k-blob store (\(mode == .full ? "SHA-256" : "XXH3"))",
                configuration: .init(
                    metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, megabytesPerSecond, blobsPerSecond],
                    warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10),
                closure: { benchmark in
                    // A fast run rewrites the baseline only when something changed: nothing does here.
                    let options = VerifyOptions(mode: mode, baseline: mode == .fast ? baseline : nil)
                    let report = try await StoreVerifier(
                        backend: FileSystemBackend(root: ScanBenchmarks.root), options: options
                    ).verify()
                    precondition(report.corrupt == 0 && report.verified == report.blobs)
                    benchmark.measurement(
                        megabytesPerSecond, Int(Double(report.bytesHashed) / 1e6 / max(report.hashSeconds, 1e-9)))
                    benchmark.measurement(blobsPerSecond, Int(Double(report.blobs) / max(report.hashSeconds, 1e-9)))
                },
                setup: {
                    try await ScanBenchmarks.prepareStore()
                    if mode == .fast {
                        let options = VerifyOptions(mode: .full, baseline: baseline)
                        _ = try await StoreVerifier(
                            backend: FileSystemBackend(root: ScanBenchmarks.root), options: options
                        ).verify()
                    }
                })
        }
        VerifyLargeBlobBenchmarks.register()
    }
}
