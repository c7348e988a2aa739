import Benchmark
import RegistrySweep

/// SHA-256 and XXH3 throughput on in-memory data: the ceiling for `verify` and `verify --fast`.
enum HashBenchmarks {
    /// 16 MiB of seeded pseudo-random bytes.
    static let data: [UInt8] = {
        var random = SeededRandom(seed: 11)
        return (0..<(16 << 20) / 8).flatMap { _ in withUnsafeBytes(of: random.next()) { Array($0) } }
    }()

    static func register() {
        let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
        for (name, hash) in [
            ("SHA-256 16 MiB", { (bytes: UnsafeRawBufferPointer) in blackHole(ContentHash.sha256(bytes)) }),
            ("XXH3-64 16 MiB", { (bytes: UnsafeRawBufferPointer) in blackHole(ContentHash.xxh3(bytes)) }),
        ] as [(String, @Sendable (UnsafeRawBufferPointer) -> Void)] {
            Benchmark(name, configuration: .init(metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond])) {
                benchmark in
                let start = ContinuousClock.now
                data.withUnsafeBytes { hash($0) }
                let seconds = (ContinuousClock.now - start) / .seconds(1)
                benchmark.measurement(megabytesPerSecond, Int(Double(data.count) / 1e6 / seconds))
            }
        }
    }
}
