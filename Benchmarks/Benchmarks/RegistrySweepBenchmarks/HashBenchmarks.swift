import Benchmark
import RegistryStoreGenerator
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
        Benchmark("SHA-256 16 MiB", configuration: .init(metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond]))
        {
            benchmark in
            let start = ContinuousClock.now
            data.withUnsafeBytes { blackHole(ContentHash.sha256($0)) }
            benchmark.measurement(megabytesPerSecond, rate(data.count, since: start))
        }
        Benchmark("XXH3-64 16 MiB", configuration: .init(metrics: [.wallClock, .mallocCountTotal, megabytesPerSecond]))
        {
            benchmark in
            let start = ContinuousClock.now
            data.withUnsafeBytes { blackHole(ContentHash.xxh3($0)) }
            benchmark.measurement(megabytesPerSecond, rate(data.count, since: start))
        }
    }

    /// MB/s for `bytes` processed since `start`.
    static func rate(_ bytes: Int, since start: ContinuousClock.Instant) -> Int {
        Int(Double(bytes) / 1e6 / ((ContinuousClock.now - start) / .seconds(1)))
    }
}
