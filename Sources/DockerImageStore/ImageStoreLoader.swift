import RegistrySweep

import struct Crypto.SHA256

/// Reads a Docker data root (the engine's `--data-root`, e.g. `/var/lib/docker`) into an `ImageStoreModel`,
/// offline and read-only, through `FileSystemBackend` (no symlink is followed, nothing is written).
///
/// It restores what dockerd 20.10 restores at start:
/// - a layer (`layerdb/sha256/<chain id>`) loads when its `diff`, `size` and `cache-id` are valid and its
///   `parent` layer loads;
/// - an image (`imagedb/content/sha256/<id>`) loads when its content hashes to `<id>`, is a config with a
///   `rootfs`, and its top layer loaded; its parent comes from `imagedb/metadata/sha256/<id>/parent`;
/// - references come from `repositories.json`, container images from `containers/*/config.v2.json`.
///
/// Where the engine silently skips an entry, the loader skips it too and records a problem; in `strict`
/// mode (the default) a corrupt image config is an error instead; so is one that is missing (its metadata
/// is there), a directory, or not a regular file, all with the same code (`.invalidImageStore`). A corrupt `repositories.json` is always
/// an error, as the engine refuses to start on one. The legacy `graph/` layout is read by
/// `loadLegacy` (see `ImageStoreLoader+Legacy.swift`).
///
/// ## Performance
/// One directory listing per store directory and one small read per file: O(images + layers) reads,
/// each file opened once with `openat` relative to the data root's descriptor.
public struct ImageStoreLoader: Sendable {
    /// Which on-disk layout was read.
    public enum Layout: Sendable, Hashable, CustomStringConvertible {
        /// `image/<driver>/{imagedb,layerdb,repositories.json}` (Docker 1.10 and later).
        case current(driver: String)
        /// `graph/<id>/json` and `repositories-<driver>` (Docker 1.9 and older).
        case legacy(driver: String?)

        /// `image/<driver>` or `graph (repositories-<driver>)`.
        public var description: String {
            switch self {
            case .current(let driver): return "image/\(driver)"
            case .legacy(let driver): return "graph" + (driver.map { " (repositories-\($0))" } ?? "")
            }
        }
    }

    /// The model plus what was read and what was left out.
    public struct LoadResult: Sendable {
        /// The store as the engine sees it.
        public var model: ImageStoreModel
        /// The layout that was read.
        public var layout: Layout
        /// The data root as given.
        public var dataRoot: String
        /// Entries the engine would not load (and so were left out), each naming its path.
        public var problems: [SweepError]
    }

    /// Largest image config or container config accepted (configs with long histories are well below).
    public static let configLimit = 16 << 20
    /// Largest `repositories.json` accepted.
    public static let repositoriesLimit = 256 << 20

    /// Throw on a corrupt image config (true) or skip it like the engine does (false).
    public var strict: Bool
    /// The storage driver directory to read under `image/`; `nil` picks the only one present.
    public var driver: String?

    /// Creates a loader.
    ///
    /// - Parameters:
    ///   - strict: make a corrupt image config an error instead of a skipped entry.
    ///   - driver: the storage driver (`overlay2`, `vfs`, …) when `image/` holds several.
    public init(strict: Bool = true, driver: String? = nil) {
        self.strict = strict
        self.driver = driver
    }

    /// Loads the store under `dataRoot`.
    ///
    /// - Throws: `SweepError` naming the path: `.notFound`/`.permissionDenied` for an unreadable data root,
    ///   `.invalidImageStore` for a data root without an image store, several drivers, a corrupt
    ///   references file or (strict) a corrupt image config.
    public func load(dataRoot: String) async throws(SweepError) -> ImageStoreModel {
        try await loadDetailed(dataRoot: dataRoot).model
    }

    /// Loads the store under `dataRoot`, also reporting the layout and the entries left out.
    ///
    /// The whole load is one job on the backend's ``IOExecutor`` (it reads many small files).
    ///
    /// - Throws: as ``load(dataRoot:)``.
    public func loadDetailed(dataRoot: String) async throws(SweepError) -> LoadResult {
        let backend = try FileSystemBackend(root: dataRoot)
        return try await backend.executor.run { () throws(SweepError) in try load(backend) }
    }

    /// ``loadDetailed(dataRoot:)`` on one of the backend's executor threads.
    private func load(_ backend: FileSystemBackend) throws(SweepError) -> LoadResult {
        let top = try backend.blockingList("")
        if top.contains(where: { $0.name == "image" && $0.kind == .directory }) {
            let drivers = try backend.blockingList("image").filter { $0.kind == .directory }.map(\.name).sorted()
            let chosen: String
            if let driver {
                guard drivers.contains(driver) else {
                    throw SweepError(
                        .invalidImageStore,
                        "no image store for driver \(driver) (found: \(drivers.joined(separator: ", ")))",
                        path: backend.absolute("image"))
                }
                chosen = driver
            } else if drivers.count == 1 {
                chosen = drivers[0]
            } else {
                let found = drivers.isEmpty ? "none" : drivers.joined(separator: ", ")
                throw SweepError(
                    .invalidImageStore,
                    "expected one storage driver directory, found \(found); choose one by name (the loader's driver)",
                    path: backend.absolute("image"))
            }
            return try loadCurrent(backend, driver: chosen)
        }
        if top.contains(where: { $0.name == "graph" && $0.kind == .directory }) {
            return try loadLegacy(backend)
        }
        throw SweepError(
            .invalidImageStore,
            "not a Docker data root: no image/<driver>/ or graph/ directory "
                + "(give the engine's --data-root, e.g. /var/lib/docker)",
            path: backend.root)
    }

    // MARK: Current layout

    /// Reads `image/<driver>/` and `containers/`.
    private func loadCurrent(_ backend: FileSystemBackend, driver: String) throws(SweepError) -> LoadResult {
        let root = "image/\(driver)"
        var problems: [SweepError] = []
        let layerSizes = try loadLayers(backend, root: "\(root)/layerdb/sha256", problems: &problems)

        let content = "\(root)/imagedb/content/sha256"
        let metadata = "\(root)/imagedb/metadata/sha256"
        var images: [EngineImage] = []
        let contentEntries = try entries(backend, content)
        // An image whose metadata is there but whose config is not: the engine deletes both
        // together (metadata first), so this is a damaged store, reported like a corrupt config.
        let contentNames = Set(contentEntries.map(\.name))
        for entry in try entries(backend, metadata) where entry.kind == .directory || entry.kind == .unknown {
            guard let id = Digest.parseHex(entry.name), !contentNames.contains(entry.name) else { continue }
            let error = Self.missingConfig(
                "corrupt image config: missing (imagedb/metadata has the image, imagedb/content does not)",
                path: backend.absolute("\(content)/\(entry.name)"), id: id)
            if strict { throw error }
            problems.append(error)
        }
        for entry in contentEntries {
            guard let id = Digest.parseHex(entry.name) else { continue }
            let path = "\(content)/\(entry.name)"
            let image: EngineImage
            do throws(SweepError) {
                if entry.kind == .directory {
                    throw Self.missingConfig(
                        "corrupt image config: a directory, not a file", path: backend.absolute(path), id: id)
                }
                image = try readImage(backend, path: path, id: id, metadata: metadata, problems: &problems)
            } catch {
                if strict { throw error }
                problems.append(error)
                continue
            }
            if let top = image.layers.last, layerSizes[top] == nil {
                problems.append(
                    SweepError(
                        .invalidImageStore, "top layer \(top) is not in layerdb; the engine does not load this image",
                        path: backend.absolute(path), digest: id))
                continue
            }
            images.append(image)
        }

        let references = try readReferences(backend, path: "\(root)/repositories.json", legacy: false)
        let containers = readContainerImages(backend, problems: &problems)
        let model = ImageStoreModel(
            images: images, references: references, layerSizes: layerSizes, containerImages: containers)
        return LoadResult(model: model, layout: .current(driver: driver), dataRoot: backend.root, problems: problems)
    }

    /// The layers the engine loads, with their sizes: valid `diff`, `size`, `cache-id`, and a loaded parent.
    private func loadLayers(_ backend: FileSystemBackend, root: String, problems: inout [SweepError])
        throws(SweepError) -> [Digest: Int]
    {
        var sizes: [Digest: Int] = [:]
        var parents: [Digest: Digest] = [:]
        for entry in try entries(backend, root) {
            guard let chainID = Digest.parseHex(entry.name), entry.kind == .directory else { continue }
            let directory = "\(root)/\(entry.name)"
            do throws(SweepError) {
                guard try readText(backend, "\(directory)/diff").flatMap(Digest.init) != nil else {
                    throw SweepError(
                        .invalidImageStore, "layer has no valid diff file", path: backend.absolute(directory))
                }
                guard let size = try readText(backend, "\(directory)/size").flatMap({ Int($0) }), size >= 0 else {
                    throw SweepError(
                        .invalidImageStore, "layer has no valid size file", path: backend.absolute(directory))
                }
                guard try readText(backend, "\(directory)/cache-id").map({ !$0.isEmpty }) == true else {
                    throw SweepError(
                        .invalidImageStore, "layer has no cache-id file", path: backend.absolute(directory))
                }
                if let text = try readText(backend, "\(directory)/parent") {
                    guard let parent = Digest(text) else {
                        throw SweepError(
                            .invalidImageStore, "layer parent is not a digest", path: backend.absolute(directory))
                    }
                    parents[chainID] = parent
                }
                sizes[chainID] = size
            } catch {
                problems.append(error)
            }
        }
        // A layer whose parent chain does not load does not load either (the engine loads parents first).
        var loaded: [Digest: Int] = [:]
        for (chainID, size) in sizes {
            var cursor = chainID
            var depth = 0
            while let parent = parents[cursor], sizes[parent] != nil, depth < 1_000 {
                cursor = parent
                depth += 1
            }
            if parents[cursor] == nil {
                loaded[chainID] = size
            } else {
                problems.append(
                    SweepError(
                        .invalidImageStore, "a parent layer does not load, so this layer does not either",
                        path: backend.absolute("\(root)/\(chainID.hex)")))
            }
        }
        return loaded
    }

    /// Reads and verifies one image config and its `parent` metadata.
    private func readImage(
        _ backend: FileSystemBackend, path: String, id: Digest, metadata: String, problems: inout [SweepError]
    ) throws(SweepError) -> EngineImage {
        let display = backend.absolute(path)
        let config: ImageConfig
        do throws(SweepError) {
            config = try readConfig(backend, path: path, id: id, display: display)
        } catch  where error.code == .notFound || error.systemFailure == .wrongFileType {
            // Gone since the listing, a dangling or any symlink (never followed), a directory:
            // all a config that does not load, whichever code the errno maps to.
            throw Self.missingConfig(
                "corrupt image config: missing or not a regular file (\(error.message))", path: display, id: id)
        }
        let parentPath = "\(metadata)/\(id.hex)/parent"
        var parent: Digest?
        if let text = try readText(backend, parentPath), !text.isEmpty {
            // The engine keeps such an image and just finds no parent for it; so do we, and say so.
            parent = Digest(text)
            if parent == nil {
                problems.append(
                    SweepError(
                        .invalidImageStore,
                        "parent metadata is not an image ID, so the image has no parent: \(JSONCursor.preview(text))",
                        path: backend.absolute(parentPath), digest: id))
            }
        }
        let layers = EngineImage.chainIDs(diffIDs: config.diffIDs)
        return EngineImage(id: id, parent: parent, layers: layers, created: config.created)
    }

    /// Reads one image config, checking it hashes to its name and parses.
    ///
    /// - Throws: `.invalidImageStore` for a corrupt config; the read's own error otherwise.
    private func readConfig(_ backend: FileSystemBackend, path: String, id: Digest, display: String)
        throws(SweepError) -> ImageConfig
    {
        try backend.blockingContents(of: path, limit: Self.configLimit) { (bytes) throws(SweepError) -> ImageConfig in
            let actual = Digest(bytes: SHA256.hash(data: bytes))
            guard actual == id else {
                throw SweepError(
                    .invalidImageStore, "corrupt image config: content hashes to \(actual), not to its file name",
                    path: display, digest: id)
            }
            do throws(SweepError) {
                return try ImageConfig.parse(bytes)
            } catch {
                throw SweepError(
                    .invalidImageStore, "corrupt image config: \(error.message)", path: display, digest: id)
            }
        }
    }

    /// The error for an image config that does not load because it is not a readable file: the
    /// same code as a corrupt one (`.invalidImageStore`), naming the path.
    private static func missingConfig(_ message: String, path: String, id: Digest) -> SweepError {
        SweepError(.invalidImageStore, message, path: path, digest: id)
    }

    /// Image IDs used by containers; unreadable container configs are recorded and skipped.
    private func readContainerImages(_ backend: FileSystemBackend, problems: inout [SweepError]) -> Set<Digest> {
        var result: Set<Digest> = []
        let containers: [DirectoryEntry]
        do {
            containers = try entries(backend, "containers")
        } catch {
            problems.append(error)
            return result
        }
        for container in containers where container.kind == .directory {
            let path = "containers/\(container.name)/config.v2.json"
            do {
                let image = try backend.blockingContents(of: path, limit: Self.configLimit) {
                    (bytes) throws(SweepError) -> Digest? in
                    var image: Digest?
                    try JSONCursor.forEachMember(of: bytes, what: "a container config") {
                        cursor, key throws(SweepError) in
                        guard cursor.equals(key, "Image") else { return try cursor.skipValue() }
                        image = try cursor.readImageID(field: "Image")
                    }
                    return image
                }
                if let image { result.insert(image) }
            } catch {
                problems.append(
                    error.rewrapped(.invalidImageStore, "container config unreadable", path: backend.absolute(path)))
            }
        }
        return result
    }

    // MARK: Shared readers

    /// Reads a references file; a missing file means no references.
    ///
    /// - Throws: `.invalidImageStore` naming the file when it is unreadable or not the expected JSON.
    func readReferences(_ backend: FileSystemBackend, path: String, legacy: Bool) throws(SweepError)
        -> [EngineImageReference]
    {
        do {
            return try backend.blockingContents(of: path, limit: Self.repositoriesLimit) {
                (bytes) throws(SweepError) -> [EngineImageReference] in
                try RepositoriesFile.parse(bytes, legacy: legacy)
            }
        } catch  where error.code == .notFound && error.syscall != nil {
            return []
        } catch  where error.code == .invalidManifest {
            throw error.rewrapped(
                .invalidImageStore, "corrupt repositories file (the engine will not start with it)",
                path: backend.absolute(path))
        }
    }

    /// A small file's text without surrounding whitespace, or `nil` if it does not exist.
    func readText(_ backend: FileSystemBackend, _ path: String) throws(SweepError) -> String? {
        do {
            return try backend.blockingContents(of: path, limit: 4096) { (bytes) throws(SweepError) -> String in
                var text = Substring(String(decoding: bytes, as: UTF8.self))
                while text.first?.isWhitespace == true { text.removeFirst() }
                while text.last?.isWhitespace == true { text.removeLast() }
                return String(text)
            }
        } catch  where error.code == .notFound {
            return nil
        }
    }

    /// The entries of a directory; a missing directory is empty.
    func entries(_ backend: FileSystemBackend, _ path: String) throws(SweepError) -> [DirectoryEntry] {
        do {
            return try backend.blockingList(path)
        } catch  where error.code == .notFound {
            return []
        }
    }
}
