import RegistrySweep

import struct Crypto.SHA256

/// Writes one generated repository: its pushes, tags, referrers, orphans and uploads.
///
/// Everything it writes is unique to the repository (seeded by the repository's number)
/// except the shared base layers and the empty config, which it only links; the
/// generator writes those blobs once, after all repositories, so that concurrent
/// writers never touch the same file.
///
/// Files are written through open directory descriptors (``RepositoryDirectories`` and the
/// blob shards), each directory created once, when it is known to be new.
struct RepositoryWriter {
    /// `blobs/sha256/00` … `ff`, by the digest's first byte.
    let blobShards: [GeneratorDirectory]
    let options: GeneratorOptions
    /// Digests of the shared base layer pool, by pool index.
    let sharedLayers: [ManifestDocument.Descriptor]
    /// The empty config descriptor referrers use.
    let emptyConfig: ManifestDocument.Descriptor
    var random: SeededRandom
    /// The repository's number: alternates which multi-arch format comes first.
    let index: Int
    var record: GeneratedStore.RepositoryRecord
    var counts = GeneratedStore.Counts()
    var contents: [Digest: [UInt8]] = [:]
    /// Pool indexes this repository used.
    var usedShared: Set<Int> = []
    private var linked: Set<Digest> = []
    /// The repository's open directories, from ``run(in:)`` on.
    private var directories: RepositoryDirectories?

    init(
        blobShards: [GeneratorDirectory], options: GeneratorOptions, index: Int, name: String,
        sharedLayers: [ManifestDocument.Descriptor], emptyConfig: ManifestDocument.Descriptor
    ) {
        self.blobShards = blobShards
        self.options = options
        self.sharedLayers = sharedLayers
        self.emptyConfig = emptyConfig
        random = SeededRandom(seed: options.seed, part: UInt64(index))
        self.index = index
        record = GeneratedStore.RepositoryRecord(name: name)
    }

    /// Writes the whole repository below `repositories` (the store's `repositories/`); once.
    ///
    /// - Throws: the first write that fails.
    mutating func run(in repositories: GeneratorDirectory) throws(SweepError) {
        directories = try RepositoryDirectories(record.name, in: repositories)
        defer {
            directories?.close()
            directories = nil
        }
        let tagCount = options.effectiveTags
        var multiArchPushes = 0
        var current: [String: Digest] = [:]
        for push in 0..<options.imagesPerRepository {
            try Task.checkCancellationTyped()
            let pushed: ManifestDocument.Descriptor
            if options.multiArchEvery > 0 && push % options.multiArchEvery == options.multiArchEvery - 1 {
                pushed = try pushMultiArch(format: (index + multiArchPushes) % 2 == 0 ? .oci : .docker)
                multiArchPushes += 1
            } else {
                pushed = try pushImage(format: random.next() & 1 == 0 ? .docker : .oci, architecture: "amd64")
            }
            var tags = ["v\(push % tagCount)"]
            if push == options.imagesPerRepository - 1 { tags.append("latest") }
            for tag in tags {
                try directories!.linkTagHistory(tag, pushed.digest)
                counts.files += 1
                record.tagHistory[tag, default: []].append(pushed.digest)
                current[tag] = pushed.digest
            }
            if options.referrersEvery > 0 && push % options.referrersEvery == options.referrersEvery - 1 {
                try pushReferrer(subject: pushed)
            }
        }
        for (tag, digest) in current.sorted(by: { $0.key < $1.key }) {
            try directories!.linkTagCurrent(tag, digest)
            counts.files += 1
        }
        record.tags = current
        counts.tags = current.count
        for _ in 0..<options.orphansPerRepository {
            let orphan = try writeBlob(randomBytes())
            try linkLayer(orphan)
            record.orphans.append(orphan)
            counts.orphans += 1
        }
        for _ in 0..<options.uploadsPerRepository { try writeUpload() }
        counts.repositories = 1
    }

    /// Pushes one single-platform image: layers, config, manifest, revision link.
    private mutating func pushImage(format: ManifestDocument.Format, architecture: String) throws(SweepError)
        -> ManifestDocument.Descriptor
    {
        let base = random.int(in: 0...(sharedLayers.count - 1))
        usedShared.insert(base)
        var baseLayer = sharedLayers[base]
        baseLayer.mediaType = format.layerType
        var layers = [baseLayer]
        try linkLayerOnce(baseLayer.digest)
        for _ in 1..<max(1, options.layersPerImage) {
            let bytes = randomBytes()
            let digest = try writeBlob(bytes)
            try linkLayer(digest)
            layers.append(.init(mediaType: format.layerType, size: bytes.count, digest: digest))
        }
        let configBytes = ManifestDocument.config(
            architecture: architecture, created: createdTime(), label: random.hex(random.int(in: 16...160)))
        let config = try writeBlob(configBytes)
        try linkLayer(config)
        let manifest = ManifestDocument.image(
            format, config: .init(mediaType: format.configType, size: configBytes.count, digest: config), layers: layers
        )
        return try pushManifest(manifest, kind: format.manifestKind)
    }

    /// Pushes a two-platform image: each platform by digest only, then the index or list.
    private mutating func pushMultiArch(format: ManifestDocument.Format) throws(SweepError)
        -> ManifestDocument.Descriptor
    {
        var children: [ManifestDocument.Descriptor] = []
        for architecture in ["amd64", "arm64"] {
            var child = try pushImage(format: format, architecture: architecture)
            child.architecture = architecture
            children.append(child)
        }
        return try pushManifest(ManifestDocument.index(format, children: children), kind: format.indexKind)
    }

    /// Pushes a signature referrer of `subject` by digest only.
    private mutating func pushReferrer(subject: ManifestDocument.Descriptor) throws(SweepError) {
        try linkLayerOnce(emptyConfig.digest)
        let bytes = randomBytes()
        let signature = try writeBlob(bytes)
        try linkLayer(signature)
        var subjectDescriptor = subject
        subjectDescriptor.architecture = nil
        let manifest = ManifestDocument.referrer(
            config: emptyConfig,
            signature: .init(mediaType: "application/vnd.example.signature.v1", size: bytes.count, digest: signature),
            subject: subjectDescriptor)
        let referrer = try pushManifest(manifest, kind: .ociImage)
        record.referrers.append((referrer.digest, subject.digest))
        counts.referrers += 1
    }

    /// Writes a manifest blob and its revision link.
    private mutating func pushManifest(_ bytes: [UInt8], kind: ManifestKind) throws(SweepError)
        -> ManifestDocument.Descriptor
    {
        let digest = try writeBlob(bytes)
        try directories!.revisions.writeLink(digest)
        counts.files += 1
        record.revisions.append(digest)
        counts.revisions += 1
        counts.manifests += 1
        counts.manifestsByKind[kind.description, default: 0] += 1
        return .init(mediaType: kind.mediaType, size: bytes.count, digest: digest)
    }

    /// Writes an abandoned upload: some data and an old `startedat`.
    private mutating func writeUpload() throws(SweepError) {
        let uuid = [8, 4, 4, 4, 12].map { random.hex($0) }.joined(separator: "-")
        let data = randomBytes()
        let started = "2024-0\(random.int(in: 1...9))-1\(random.int(in: 0...9))T0\(random.int(in: 0...9)):30:00Z"
        try directories!.writeUpload(uuid, data: data, startedAt: started)
        record.uploads.append(uuid)
        counts.uploads += 1
        counts.files += 2
    }

    /// 100 to 400 seeded bytes: a layer, signature or orphan.
    private mutating func randomBytes() -> [UInt8] {
        let count = random.int(in: 100...400)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        random.append(count, to: &bytes)
        return bytes
    }

    private mutating func createdTime() -> String {
        let day = random.int(in: 10...28)
        let hour = random.int(in: 10...23)
        return "2024-0\(random.int(in: 1...9))-\(day)T\(hour):00:00Z"
    }

    /// Writes a blob's `data` (its digest is its SHA-256) and counts it.
    private mutating func writeBlob(_ bytes: [UInt8]) throws(SweepError) -> Digest {
        let digest = Digest(bytes: SHA256.hash(data: bytes))
        try blobShards[Int(digest.w0 >> 56)].writeEntry(digest, file: .data, contents: bytes)
        counts.blobs += 1
        counts.bytes += bytes.count
        counts.files += 1
        if options.keepContents { contents[digest] = bytes }
        return digest
    }

    /// Links a blob in `_layers`.
    private mutating func linkLayer(_ digest: Digest) throws(SweepError) {
        linked.insert(digest)
        try directories!.layers.writeLink(digest)
        record.layers.append(digest)
        counts.layerLinks += 1
        counts.files += 1
    }

    /// Links a shared blob (base layer, empty config) in `_layers` unless this repository already did.
    private mutating func linkLayerOnce(_ digest: Digest) throws(SweepError) {
        guard !linked.contains(digest) else { return }
        try linkLayer(digest)
    }
}

extension Task where Success == Never, Failure == Never {
    /// Throws `.cancelled` if the current task was cancelled.
    static func checkCancellationTyped() throws(SweepError) {
        if Task.isCancelled { throw SweepError(.cancelled, "cancelled") }
    }
}
