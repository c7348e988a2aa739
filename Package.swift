// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "regsweep",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "RegistrySweep", targets: ["RegistrySweep"]),
        .executable(name: "regsweep", targets: ["regsweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
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
        // The product other tools embed: storage model, scanner, mark/sweep, verify, engine store.
        .target(
            name: "RegistrySweep",
            dependencies: [
                "CXXHash",
                "CSyscalls",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Thin CLI: parses arguments, calls the library, prints.
        .executableTarget(
            name: "regsweep",
            dependencies: [
                "RegistrySweep",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "RegistrySweepTests",
            dependencies: [
                "RegistrySweep",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
