import RegistrySweep

/// The shape of a generated store (see ``StoreGenerator``).
///
/// Counts are **per repository** unless named otherwise, so a store grows linearly with
/// ``repositories``; ``sizedForBlobs(_:repositories:)`` picks ``imagesPerRepository``
/// for a target blob count.
///
/// Blobs per repository, about: `images × (layers + 1)` for single-platform images
/// (manifest, config, `layers − 1` own layers; the first layer comes from the shared
/// pool), `+ layers + 2` more per multi-arch image (an index and two platform images
/// instead of one), `+ 2` per referrer (manifest, signature), `+ orphans`.
public struct GeneratorOptions: Sendable, Equatable {
    /// Repositories; pairs nest (`team-3/app-17` and `team-3/app-17/sub`).
    public var repositories = 10
    /// Image pushes per repository, in order; later pushes overwrite earlier tags.
    public var imagesPerRepository = 10
    /// Distinct tag names per repository (`v0`…); push `i` is tagged `v(i mod tags)`,
    /// and the last push is also `latest`. `nil`: half the images, rounded up.
    public var tagsPerRepository: Int?
    /// Layers per image, including one base layer from the shared pool (at least 1).
    public var layersPerImage = 5
    /// Base layers shared across all repositories (each linked in every `_layers` that uses it).
    public var sharedLayers = 100
    /// Every this many pushes is a multi-arch image (OCI index or Docker list, alternating)
    /// whose two platform manifests are pushed by digest only; 0 for none.
    public var multiArchEvery = 10
    /// Every this many pushes gets a referrer (an untagged OCI manifest whose `subject` is
    /// the pushed manifest); 0 for none.
    public var referrersEvery = 10
    /// Orphan blobs per repository: written and linked in `_layers`, never referenced.
    public var orphansPerRepository = 2
    /// Abandoned uploads per repository (`_uploads/<uuid>/{data,startedat}`).
    public var uploadsPerRepository = 1
    /// The seed: the same options and seed give the same store, byte for byte.
    public var seed: UInt64 = 1
    /// Repositories written at once.
    public var concurrency = max(2, SystemCalls.onlineProcessorCount)
    /// Keep every blob's bytes in the returned record (for tests on small stores only).
    public var keepContents = false

    /// Options with the defaults above.
    public init() {}

    /// The tag names in use per repository.
    public var effectiveTags: Int {
        max(1, min(tagsPerRepository ?? (imagesPerRepository + 1) / 2, imagesPerRepository))
    }

    /// Expected blobs written per repository (excluding the shared pool), from the shape alone.
    public var expectedBlobsPerRepository: Double {
        let image = Double(max(1, layersPerImage) + 1)
        let images = Double(imagesPerRepository)
        let multi = multiArchEvery > 0 ? Double(imagesPerRepository / multiArchEvery) : 0
        let referrers = referrersEvery > 0 ? Double(imagesPerRepository / referrersEvery) : 0
        return images * image + multi * (image + 1) + referrers * 2 + Double(orphansPerRepository)
    }

    /// Sets ``imagesPerRepository`` so that the store holds about `target` blobs.
    ///
    /// - Parameters:
    ///   - target: the blob count wanted (the shared pool included).
    ///   - repositories: the repository count to spread them over.
    public mutating func sizedForBlobs(_ target: Int, repositories: Int) {
        self.repositories = max(1, repositories)
        let perRepository = Double(max(0, target - sharedLayers)) / Double(self.repositories)
        var probe = self
        probe.imagesPerRepository = 1000
        let perImage = (probe.expectedBlobsPerRepository - Double(orphansPerRepository)) / 1000
        imagesPerRepository = max(1, Int(((perRepository - Double(orphansPerRepository)) / perImage).rounded()))
    }

    /// Checks the options make sense.
    ///
    /// - Throws: `.invalidArgument` naming the first bad value.
    public func validate() throws(SweepError) {
        func check(_ ok: Bool, _ message: String) throws(SweepError) {
            if !ok { throw SweepError(.invalidArgument, message) }
        }
        try check(repositories >= 1, "repositories must be at least 1")
        try check(imagesPerRepository >= 1, "imagesPerRepository must be at least 1")
        try check(layersPerImage >= 1 && layersPerImage <= 1000, "layersPerImage must be between 1 and 1000")
        try check(sharedLayers >= 1, "sharedLayers must be at least 1")
        try check((tagsPerRepository ?? 1) >= 1, "tagsPerRepository must be at least 1")
        try check(multiArchEvery >= 0 && referrersEvery >= 0, "multiArchEvery and referrersEvery must be 0 or more")
        try check(
            orphansPerRepository >= 0 && uploadsPerRepository >= 0,
            "orphansPerRepository and uploadsPerRepository must be 0 or more")
        try check(concurrency >= 1, "concurrency must be at least 1")
    }
}
