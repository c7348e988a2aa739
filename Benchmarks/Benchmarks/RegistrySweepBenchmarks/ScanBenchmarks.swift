import Benchmark
import RegistryStoreGenerator
import RegistrySweep

#if canImport(Glibc)
    import Glibc
#endif

/// The full scan (list, parse, intern) of a generated ~100k-blob store: what `gc` reads.
///
/// The store is generated once into `$REGSWEEP_BENCH_STORE` (default
/// `/tmp/regsweep-bench-100k`) and reused while its completion marker is present; delete
/// the directory to regenerate. Runs on a warm page cache after the warm-up iteration.
enum ScanBenchmarks {
    static let root = getenv("REGSWEEP_BENCH_STORE").map { String(cString: $0) } ?? "/tmp/regsweep-bench-100k"
    static let marker = "regsweep-generated"

    static func register() {
        Benchmark(
            "StoreScanner.scan 100k-blob store",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(20), maxIterations: 10),
            closure: { benchmark in
                let backend = try FileSystemBackend(root: root)
                let snapshot = try await StoreScanner(backend: backend).scan()
                precondition(snapshot.problems.isEmpty, "the generated store scans clean")
                blackHole(snapshot.blobCount)
            },
            setup: { try await prepareStore() })
    }

    /// Generates the store unless a complete one is already there.
    static func prepareStore() async throws {
        if let backend = try? FileSystemBackend(root: root), (try? await backend.stat(marker)) != nil { return }
        var options = GeneratorOptions()
        options.sizedForBlobs(100_000, repositories: 400)
        let store = try await StoreGenerator(root: root, options: options).generate()
        try FileSystemBackend(root: root).write(marker, Array("\(store.counts.blobs) blobs\n".utf8))
    }
}
