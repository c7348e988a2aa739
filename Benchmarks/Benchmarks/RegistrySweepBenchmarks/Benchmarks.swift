import Benchmark
import RegistrySweep

/// Every benchmark of the suite; run with `cd Benchmarks && swift package benchmark`.
///
/// Each one tracks wall clock, allocations (`mallocCountTotal`) and peak resident memory.
/// The scan benchmark generates a ~100k-blob store once (see ``ScanBenchmarks``).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident, .throughput],
        maxDuration: .seconds(3),
        maxIterations: 1000)
    DigestBenchmarks.register()
    ManifestBenchmarks.register()
    ScanBenchmarks.register()
    CollectBenchmarks.register()
    HashBenchmarks.register()
    VerifyBenchmarks.register()
}
