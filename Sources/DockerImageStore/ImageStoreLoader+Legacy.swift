import RegistrySweep

/// The legacy layout of Docker 1.9 and older: `graph/<id>/json` per image, tags in `repositories-<driver>`.
///
/// Each legacy image is exactly one layer, so an image's `layers` are the IDs of its lineage (root first)
/// and each layer's size is its image's `Size` (or the `layersize` file). The listing and removal rules
/// are then the same as for the current layout.
extension ImageStoreLoader {
    /// Reads `graph/` and the references file under the data root.
    ///
    /// - Throws: `.invalidImageStore` naming the path for a corrupt description (strict) or references file,
    ///   or several `repositories-<driver>` files when no driver was given.
    func loadLegacy(_ backend: FileSystemBackend) throws(SweepError) -> LoadResult {
        var problems: [SweepError] = []
        var configs: [Digest: LegacyImageConfig] = [:]
        var sizes: [Digest: Int] = [:]
        for entry in try entries(backend, "graph") {
            guard let id = Digest.parseHex(entry.name), entry.kind == .directory else { continue }
            let path = "graph/\(entry.name)/json"
            do {
                let config = try readLegacyConfig(backend, path: path, id: id)
                configs[id] = config
                if let size = config.size {
                    sizes[id] = size
                } else {
                    sizes[id] = try readText(backend, "graph/\(entry.name)/layersize").flatMap { Int($0) } ?? 0
                }
            } catch {
                if strict { throw error }
                problems.append(error)
            }
        }

        var images: [EngineImage] = []
        images.reserveCapacity(configs.count)
        let parents = configs.mapValues(\.parent)
        for (id, config) in configs {
            images.append(
                EngineImage(
                    id: id, parent: config.parent, layers: Self.lineage(of: id, parents: parents),
                    created: config.created))
        }

        let (file, driver) = try legacyRepositoriesFile(backend)
        let references =
            try file.map { (path) throws(SweepError) in try readReferences(backend, path: path, legacy: true) } ?? []
        let model = ImageStoreModel(images: images, references: references, layerSizes: sizes)
        return LoadResult(model: model, layout: .legacy(driver: driver), dataRoot: backend.root, problems: problems)
    }

    /// The IDs from the root of `id`'s lineage down to `id` (known images only; a cycle stops the walk).
    ///
    /// - Complexity: O(depth).
    static func lineage(of id: Digest, parents: [Digest: Digest?]) -> [Digest] {
        var chain: [Digest] = [id]
        var seen: Set<Digest> = [id]
        var cursor = parents[id] ?? nil
        while let parent = cursor, parents[parent] != nil, seen.insert(parent).inserted {
            chain.append(parent)
            cursor = parents[parent] ?? nil
        }
        return chain.reversed()
    }

    /// Parses one `graph/<id>/json` and checks its `id` member matches the directory.
    private func readLegacyConfig(_ backend: FileSystemBackend, path: String, id: Digest) throws(SweepError)
        -> LegacyImageConfig
    {
        let display = backend.absolute(path)
        let config: LegacyImageConfig
        do {
            config = try backend.blockingContents(of: path, limit: Self.configLimit) {
                (bytes) throws(SweepError) -> LegacyImageConfig in try LegacyImageConfig.parse(bytes)
            }
        } catch  where error.code == .invalidManifest {
            throw error.rewrapped(.invalidImageStore, "corrupt legacy image description", path: display)
        }
        if let named = config.id, named != id {
            throw SweepError(
                .invalidImageStore, "corrupt legacy image description: id \(named.hex) does not match its directory",
                path: display, digest: id)
        }
        return config
    }

    /// The `repositories-<driver>` file to read (none means no tags) and its driver name.
    private func legacyRepositoriesFile(_ backend: FileSystemBackend) throws(SweepError) -> (String?, String?) {
        let prefix = "repositories-"
        if let driver {
            return ("\(prefix)\(driver)", driver)
        }
        let names = try backend.blockingList("").filter { $0.kind == .file && $0.name.hasPrefix(prefix) }.map(\.name)
            .sorted()
        guard names.count <= 1 else {
            throw SweepError(
                .invalidImageStore,
                "several references files (\(names.joined(separator: ", "))); choose one by its driver name (the loader's driver)",
                path: backend.root)
        }
        guard let name = names.first else { return (nil, nil) }
        return (name, String(name.dropFirst(prefix.count)))
    }
}
