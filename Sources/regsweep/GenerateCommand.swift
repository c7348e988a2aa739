import ArgumentParser
import Foundation
import RegistryStoreGenerator
import RegistrySweep

/// `regsweep generate`: write a deterministic synthetic registry store for tests and benchmarks.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a deterministic synthetic registry store (for tests and benchmarks).",
        discussion: """
            Writes DIR/docker/registry/v2 in the registry's on-disk layout, with real SHA-256 content addresses, so the real registry serves it and its garbage collector runs on it. Counts are PER REPOSITORY: --images pushes per repository (or --blobs for a total blob target), --orphans orphan blobs and --uploads abandoned uploads per repository. Each repository sees --images pushes whose tags (v0..v<tags-1>, plus latest) are overwritten over time; every --multi-arch-every-th push is a two-platform OCI index or Docker list whose platform manifests are pushed by digest only; every --referrers-every-th push gets an untagged referrer. The first layer of every image comes from a pool of --shared-layers base layers shared by all repositories. Same options and seed: same files, same bytes. Exit codes: 0 written, 64 usage error, 3 the directory could not be written.
            """
    )

    @Argument(help: "The store root to create (must not already hold docker/registry/v2).")
    var directory: String

    @Option(name: .customLong("repos"), help: "Repositories.")
    var repositories = 10

    @Option(name: .long, help: "Image pushes per repository.")
    var images: Int?

    @Option(name: .long, help: "Target total blob count: sets --images per repository (instead of --images).")
    var blobs: Int?

    @Option(name: .long, help: "Layers per image, including one shared base layer.")
    var layers = 5

    @Option(name: .long, help: "Distinct tags per repository (default: half the images).")
    var tags: Int?

    @Option(name: .long, help: "Base layers shared across all repositories.")
    var sharedLayers = 100

    @Option(name: .long, help: "Seed; the same seed gives the same store.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Every Nth push is multi-arch (0: none).")
    var multiArchEvery = 10

    @Option(name: .long, help: "Every Nth push gets an untagged referrer (0: none).")
    var referrersEvery = 10

    @Option(name: .long, help: "Orphan blobs (linked, never referenced) per repository.")
    var orphans = 2

    @Option(name: .long, help: "Abandoned uploads per repository.")
    var uploads = 1

    @Option(name: .long, help: "Repositories written at once (default: the number of cores).")
    var concurrency: Int?

    @Flag(name: .long, help: "Print the counts as JSON.")
    var json = false

    /// The flags of the generator's options, for errors that name the options.
    static let flagNames = """
        options are flags: repositories --repos, imagesPerRepository --images, layersPerImage --layers, \
        sharedLayers --shared-layers, tagsPerRepository --tags, multiArchEvery --multi-arch-every, \
        referrersEvery --referrers-every, orphansPerRepository --orphans, uploadsPerRepository --uploads
        """

    func validate() throws {
        if images != nil && blobs != nil { throw ValidationError("give --images or --blobs, not both") }
    }

    func run() async throws {
        var options = GeneratorOptions()
        options.repositories = repositories
        options.imagesPerRepository = images ?? options.imagesPerRepository
        options.layersPerImage = layers
        options.tagsPerRepository = tags
        options.sharedLayers = sharedLayers
        options.seed = seed
        options.multiArchEvery = multiArchEvery
        options.referrersEvery = referrersEvery
        options.orphansPerRepository = orphans
        options.uploadsPerRepository = uploads
        if let concurrency { options.concurrency = concurrency }
        if let blobs { options.sizedForBlobs(blobs, repositories: repositories) }
        let store: GeneratedStore
        do throws(SweepError) {
            store = try await StoreGenerator(root: directory, options: options).generate()
        } catch {
            throw ExitStatus.fail(error, hints: [.invalidArgument: Self.flagNames])
        }
        let counts = store.counts
        if json {
            try printJSON(counts)
            return
        }
        let kinds = counts.manifestsByKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        print(
            """
            wrote \(directory) in \(String(format: "%.1f", store.seconds)) s (images per repository: \(options.imagesPerRepository))
            blobs:        \(counts.blobs) (\(ByteCount.format(counts.bytes)); \(counts.orphans) orphans)
            manifests:    \(counts.manifests) (\(kinds.joined(separator: ", ")); \(counts.referrers) referrers)
            repositories: \(counts.repositories)
            tags:         \(counts.tags)
            revisions:    \(counts.revisions)
            layer links:  \(counts.layerLinks)
            uploads:      \(counts.uploads)
            files:        \(counts.files)
            """)
    }
}
