import Benchmark
import RegistrySweep

/// Mark and plan (no I/O but the stat of eligible blobs) over the graph of the generated
/// ~100k-blob store, scanned once in setup: the in-memory part of `gc --dry-run`.
enum CollectBenchmarks {
    /// The scanned graph, written once by the setup hook before any iteration reads it.
    /// Safe: the benchmark runner runs setup to completion before the measured closure.
    nonisolated(unsafe) static var snapshot: StoreSnapshot?

    static func register() {
        for deleteUntagged in [false, true] {
            Benchmark(
                "Collector mark+plan 100k graph" + (deleteUntagged ? " --delete-untagged" : ""),
                configuration: .init(warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 50),
                closure: { benchmark in
                    guard let snapshot else { fatalError("setup did not scan the store") }
                    var options = CollectOptions()
                    options.dryRun = true
                    options.grace = 0
                    options.deleteUntagged = deleteUntagged
                    let backend = try FileSystemBackend(root: ScanBenchmarks.root)
                    let report = try await Collector(backend: backend, options: options).run(snapshot: snapshot)
                    precondition(report.markedBlobs > 0)
                    blackHole(report.eligibleBlobs.count)
                },
                setup: {
                    try await ScanBenchmarks.prepareStore()
                    snapshot = try await StoreScanner(backend: FileSystemBackend(root: ScanBenchmarks.root)).scan()
                },
                teardown: { snapshot = nil })
        }
    }
}
