// swift-tools-version: 6.2
import PackageDescription

// Platform: Linux only (built and tested on Debian with glibc). The system-call layer uses
// Glibc, `getdents64`, `st_mtim` and Linux `madvise`/`SIGBUS` behaviour; no other platform is
// built or tested, so none is declared.
let package = Package(
    name: "regsweep",
    products: [
        // The registry model: storage, scan, mark/sweep, delete, verify.
        .library(name: "RegistrySweep", targets: ["RegistrySweep"]),
        // Docker data roots read offline, and dangling images pruned through the Engine API.
        .library(name: "DockerImageStore", targets: ["DockerImageStore"]),
        // Deterministic synthetic registry stores (tests, benchmarks, demos).
        .library(name: "RegistryStoreGenerator", targets: ["RegistryStoreGenerator"]),
        // Registries in S3 and S3-compatible object stores, behind RegistrySweep's storage seam.
        .library(name: "S3Storage", targets: ["S3Storage"]),
        .executable(name: "regsweep", targets: ["regsweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // HTTP/1.1 with a keep-alive connection pool for the S3 backend.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Documentation only (`swift package generate-documentation`): the DocC catalog in
        // Sources/RegistrySweep/RegistrySweep.docc; the test command builds it with warnings as errors.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C shim: libxxhash from Debian's libxxhash-dev (XXH3 for fast re-checks).
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"])]
        ),
        // C shim: the raw getdents64 system call (directory listing without opendir's extra calls).
        .target(name: "CSyscalls"),
        // The core product: storage model (every system call under Storage/), scanner,
        // mark/sweep, delete, verify.
        .target(
            name: "RegistrySweep",
            dependencies: [
                "CXXHash",
                "CSyscalls",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Docker engine image stores: offline loader of a data root, Engine API client, pruner.
        // Uses RegistrySweep's digests, errors and system-call wrappers (package access).
        .target(
            name: "DockerImageStore",
            dependencies: [
                "RegistrySweep",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Writes deterministic registry stores in the reference layout with real SHA-256 content.
        .target(
            name: "RegistryStoreGenerator",
            dependencies: [
                "RegistrySweep",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The S3 backend: SigV4 signing, ListObjectsV2/DeleteObjects XML, bounded concurrent
        // requests with retries; a `StorageBackend` so scan, gc, delete and verify run unchanged.
        .target(
            name: "S3Storage",
            dependencies: [
                "RegistrySweep",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Thin CLI: parses arguments, calls the libraries, prints.
        .executableTarget(
            name: "regsweep",
            dependencies: [
                "RegistrySweep",
                "S3Storage",
                "DockerImageStore",
                "RegistryStoreGenerator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: [
                // The Swift toolchain links executables with --export-dynamic: every symbol of the
                // package and its dependencies (34,000) goes into the dynamic symbol table, and
                // the loader reads those pages at start (1.6 MB of resident memory in a release
                // build at 1M blobs, Benchmarks/README.md). Nothing looks this program's own
                // symbols up at run time (the runtime and Foundation are hidden from the table
                // anyway, --exclude-libs ALL).
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        .testTarget(
            name: "RegistrySweepTests",
            dependencies: [
                "RegistrySweep",
                "S3Storage",
                "DockerImageStore",
                "RegistryStoreGenerator",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Warnings are errors in every Swift target of this package (not in its dependencies), so a
// warning cannot land.
for target in package.targets where target.type != .system && target.name != "CSyscalls" {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
