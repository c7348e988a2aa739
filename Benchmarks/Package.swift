// swift-tools-version: 6.1
import PackageDescription

// Benchmarks live beside the package, not inside it: `cd Benchmarks && swift package benchmark`.
// Not part of CI's test command (a full run takes minutes and generates a 100k-blob store in /tmp).
// Linux only, like the package it measures.
let package = Package(
    name: "RegistrySweepBenchmarks",
    dependencies: [
        .package(name: "regsweep", path: "../"),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "RegistrySweepBenchmarks",
            dependencies: [
                .product(name: "RegistrySweep", package: "regsweep"),
                .product(name: "RegistryStoreGenerator", package: "regsweep"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/RegistrySweepBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "package-benchmark")
            ]
        ),
        // The work of `regsweep gc --dry-run --grace 0` with a synchronous main, for valgrind.
        .executableTarget(
            name: "gc-profile",
            dependencies: [.product(name: "RegistrySweep", package: "regsweep")],
            path: "Sources/GCProfile"
        ),
    ],
    swiftLanguageModes: [.v6]
)
