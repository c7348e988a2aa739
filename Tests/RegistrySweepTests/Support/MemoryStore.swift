import RegistrySweep

/// A small but complete registry store, written through any sink: an ``InMemoryBackend`` (no
/// disk) or a ``FixtureStore`` directory (to compare the two backends on the same store).
///
/// Contents (paths spelled by ``FixtureStore``'s hand-written layout, not `StorePath`):
/// - `app`: `v1` (schema 2, 2 layers; tag history also names `old`), `old` untagged (schema 2,
///   its own layers: garbage only with delete-untagged), a referrer (OCI image with `subject`
///   = `v1`, untagged), and a layer link to each blob it holds;
/// - `team/multi`: `latest`, an OCI index of two OCI image children (untagged), layer links;
/// - an orphan blob no manifest references: the one blob every `gc` deletes.
struct MemoryStore {
    /// Writes a file relative to the store root, creating parents.
    typealias Sink = (String, [UInt8]) throws -> Void

    let app: FixtureStore.Image
    let old: FixtureStore.Image
    let referrer: Digest
    let referrerConfig: Digest
    let index: Digest
    let children: [FixtureStore.Image]
    let orphan: Digest

    /// Every blob a manifest reachable from a tag (children and referrers included) needs.
    var live: [Digest] {
        app.all + [referrer, referrerConfig, index] + children.flatMap(\.all)
    }

    /// Builds the store through `sink`.
    init(_ sink: Sink) throws {
        func blob(_ text: String) throws -> Digest {
            let bytes = Array(text.utf8)
            let digest = FixtureStore.digest(of: bytes)
            try sink(FixtureStore.blobData(digest), bytes)
            return digest
        }
        func link(_ path: String, _ digest: Digest) throws { try sink(path, Array("sha256:\(digest.hex)".utf8)) }
        func image(_ repository: String, seed: String, oci: Bool = false, subject: Digest? = nil) throws
            -> FixtureStore.Image
        {
            let config = try blob("{\"architecture\":\"amd64\",\"os\":\"linux\",\"seed\":\"\(seed)\"}")
            let layers = [try blob("layer 0 of \(seed)"), try blob("layer 1 of \(seed)")]
            let text =
                oci
                ? FixtureStore.ociImage(config: config, layers: layers, subject: subject)
                : FixtureStore.schema2(config: config, layers: layers)
            let manifest = try blob(text)
            for digest in [config] + layers { try link(FixtureStore.layerLink(repository, digest), digest) }
            try link(FixtureStore.revisionLink(repository, manifest), manifest)
            return FixtureStore.Image(
                manifest: manifest, config: config, layers: layers, manifestBytes: Array(text.utf8))
        }
        func tag(_ repository: String, _ name: String, _ digest: Digest) throws {
            try link(FixtureStore.tagCurrent(repository, name), digest)
            try link(FixtureStore.tagIndex(repository, name, digest), digest)
        }

        old = try image("app", seed: "app old")
        app = try image("app", seed: "app v1")
        try tag("app", "v1", app.manifest)
        // `v1` pointed at `old` before: its history still names it.
        try link(FixtureStore.tagIndex("app", "v1", old.manifest), old.manifest)

        referrerConfig = try blob("{\"artifactType\":\"application/vnd.example.sbom\"}")
        let referrerText = FixtureStore.ociImage(config: referrerConfig, layers: [], subject: app.manifest)
        referrer = try blob(referrerText)
        try link(FixtureStore.layerLink("app", referrerConfig), referrerConfig)
        try link(FixtureStore.revisionLink("app", referrer), referrer)

        children = [
            try image("team/multi", seed: "multi amd64", oci: true),
            try image("team/multi", seed: "multi arm64", oci: true),
        ]
        index = try blob(FixtureStore.ociIndex(children.map(\.manifest)))
        try link(FixtureStore.revisionLink("team/multi", index), index)
        try tag("team/multi", "latest", index)

        orphan = try blob("an orphan nobody references")
    }

    /// Builds the store in a new in-memory backend, every node stamped two days ago (older than
    /// any grace period), with the backend's clock back on real time afterwards.
    static func inMemory(name: String = "memory") throws -> (InMemoryBackend, MemoryStore) {
        let backend = InMemoryBackend(name: name)
        backend.setClock(Timestamp.now() - 2 * 86_400)
        defer { backend.setClock(nil) }
        try backend.makeDirectories(FixtureStore.v2 + "/blobs/sha256")
        try backend.makeDirectories(FixtureStore.v2 + "/repositories")
        let store = try MemoryStore { path, bytes in try backend.write(path, bytes) }
        return (backend, store)
    }
}
