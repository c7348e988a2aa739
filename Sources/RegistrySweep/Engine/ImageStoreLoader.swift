import Foundation

/// Errors from reading a Docker data root; each names the offending path.
public enum ImageStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither `image/<driver>/` nor legacy `graph/` exists under the data root.
    case noImageStore(path: String)
    /// Several `image/<driver>/` (or `repositories-<driver>`) exist and no driver was given.
    case ambiguousDriver(path: String, drivers: [String])
    /// `repositories.json` (or legacy `repositories-<driver>`) is not the expected JSON.
    case corruptRepositories(path: String, reason: String)
    /// An image config (or legacy `graph/<id>/json`) is unreadable, not JSON, or fails its digest.
    case corruptImageConfig(path: String, reason: String)
    /// A file or directory could not be read.
    case unreadable(path: String, reason: String)

    /// A one-line message naming the path.
    public var description: String {
        switch self {
        case .noImageStore(let path):
            return "no Docker image store under \(path) (expected image/<driver>/ or graph/)"
        case .ambiguousDriver(let path, let drivers):
            return "several storage drivers under \(path): \(drivers.joined(separator: ", ")); pass one"
        case .corruptRepositories(let path, let reason):
            return "corrupt repositories file \(path): \(reason)"
        case .corruptImageConfig(let path, let reason):
            return "corrupt image config \(path): \(reason)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        }
    }
}

/// Reads a Docker data root (current `image/<driver>/` layout or legacy `graph/`) into an `ImageStoreModel`.
///
/// Mirrors what dockerd 20.10 restores at start: an image whose config does not hash to its
/// file name, or whose top layer is missing from layerdb, is not restored (strict mode throws
/// for the former instead). References to unknown images are kept but ignored by the rules.
public struct ImageStoreLoader: Sendable {
    /// Which on-disk layout was read.
    public enum Layout: Sendable, Equatable {
        /// `image/<driver>/imagedb` + `layerdb` + `repositories.json` (Docker 1.10+).
        case current(driver: String)
        /// `graph/<id>/json` + `repositories-<driver>` (Docker 1.9 and older).
        case legacy(driver: String?)
    }

    /// An image (or container) the loader left out, as the engine would, and why.
    public struct SkippedEntry: Sendable, Equatable {
        /// The file or directory concerned.
        public var path: String
        /// Why it was left out.
        public var reason: String
    }

    /// The model plus what was read and what was left out.
    public struct LoadResult: Sendable {
        /// The store as the engine would see it.
        public var model: ImageStoreModel
        /// The layout that was read.
        public var layout: Layout
        /// Entries left out (non-strict corrupt configs, missing top layers, bad container configs).
        public var skipped: [SkippedEntry]
    }

    /// Throw on a corrupt image config (true) or skip it like the engine does (false).
    public var strict: Bool

    /// Creates a loader; `strict` makes corrupt image configs an error instead of a skip.
    public init(strict: Bool = true) {
        self.strict = strict
    }

    /// Loads the store under `dataRoot` into a model.
    ///
    /// - Throws: `ImageStoreError` naming the path of a missing store, corrupt repositories file or image config.
    public func load(dataRoot: URL, driver: String? = nil) throws -> ImageStoreModel {
        try loadDetailed(dataRoot: dataRoot, driver: driver).model
    }

    /// Loads the store under `dataRoot`, also reporting the layout and skipped entries.
    ///
    /// - Throws: `ImageStoreError` naming the path of a missing store, corrupt repositories file or image config.
    public func loadDetailed(dataRoot: URL, driver: String? = nil) throws -> LoadResult {
        let imageDir = dataRoot.appendingPathComponent("image")
        if isDirectory(imageDir) {
            let drivers = try subdirectories(of: imageDir)
            let chosen: String
            if let driver {
                chosen = driver
            } else if drivers.count == 1, let only = drivers.first {
                chosen = only
            } else if drivers.isEmpty {
                throw ImageStoreError.noImageStore(path: imageDir.path)
            } else {
                throw ImageStoreError.ambiguousDriver(path: imageDir.path, drivers: drivers)
            }
            return try loadCurrent(root: imageDir.appendingPathComponent(chosen), dataRoot: dataRoot, driver: chosen)
        }
        let graphDir = dataRoot.appendingPathComponent("graph")
        if isDirectory(graphDir) {
            return try loadLegacy(dataRoot: dataRoot, graphDir: graphDir, driver: driver)
        }
        throw ImageStoreError.noImageStore(path: dataRoot.path)
    }

    // MARK: - Current layout

    /// Reads `image/<driver>/` (imagedb, layerdb, repositories.json) and `containers/`.
    private func loadCurrent(root: URL, dataRoot: URL, driver: String) throws -> LoadResult {
        var skipped: [SkippedEntry] = []
        let layerDir = root.appendingPathComponent("layerdb/sha256")
        var layerSizes: [String: Int64] = [:]
        var presentLayers: Set<String> = []
        for hex in try entries(of: layerDir) where Self.isHexDigest(hex) {
            let chainID = "sha256:" + hex
            presentLayers.insert(chainID)
            let sizeFile = layerDir.appendingPathComponent(hex).appendingPathComponent("size")
            if let text = try? String(contentsOf: sizeFile, encoding: .utf8),
               let size = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                layerSizes[chainID] = size
            }
        }

        let contentDir = root.appendingPathComponent("imagedb/content/sha256")
        let metadataDir = root.appendingPathComponent("imagedb/metadata/sha256")
        var images: [EngineImage] = []
        for hex in try entries(of: contentDir) where Self.isHexDigest(hex) {
            let file = contentDir.appendingPathComponent(hex)
            let image: EngineImage
            do {
                image = try readConfig(file: file, hex: hex, metadataDir: metadataDir)
            } catch let error as ImageStoreError {
                if strict { throw error }
                skipped.append(SkippedEntry(path: file.path, reason: error.description))
                continue
            }
            if let top = image.chainIDs.last, !presentLayers.contains(top) {
                skipped.append(SkippedEntry(path: file.path, reason: "layer \(top) does not exist; not restored"))
                continue
            }
            images.append(image)
        }

        let references = try readReferences(file: root.appendingPathComponent("repositories.json"), legacy: false)
        let containers = readContainerImages(dataRoot: dataRoot, skipped: &skipped)
        let model = ImageStoreModel(
            images: images,
            references: references,
            layerSizes: layerSizes,
            containerImageIDs: containers
        )
        return LoadResult(model: model, layout: .current(driver: driver), skipped: skipped)
    }

    /// Reads and verifies one `imagedb/content/sha256/<hex>` config plus its `parent` metadata.
    private func readConfig(file: URL, hex: String, metadataDir: URL) throws -> EngineImage {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ImageStoreError.corruptImageConfig(path: file.path, reason: "unreadable: \(error.localizedDescription)")
        }
        let actual = EngineSHA256.hex(Array(data))
        guard actual == hex else {
            throw ImageStoreError.corruptImageConfig(path: file.path, reason: "content hashes to sha256:\(actual)")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw ImageStoreError.corruptImageConfig(path: file.path, reason: "not a JSON object")
        }
        var diffIDs: [String] = []
        if let rootfs = object["rootfs"] {
            guard let rootfsObject = rootfs as? [String: Any],
                  let ids = (rootfsObject["diff_ids"] ?? [String]()) as? [String] else {
                throw ImageStoreError.corruptImageConfig(path: file.path, reason: "rootfs.diff_ids is not a list of strings")
            }
            diffIDs = ids
        }
        let parentFile = metadataDir.appendingPathComponent(hex).appendingPathComponent("parent")
        var parent: String?
        if let text = try? String(contentsOf: parentFile, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            parent = trimmed.isEmpty ? nil : trimmed
        }
        return EngineImage(
            id: "sha256:" + hex,
            parentID: parent,
            diffIDs: diffIDs,
            created: Self.parseDate(object["created"] as? String)
        )
    }

    /// Image IDs named by `containers/<id>/config.v2.json` (`Image`); unreadable ones are skipped.
    private func readContainerImages(dataRoot: URL, skipped: inout [SkippedEntry]) -> Set<String> {
        let dir = dataRoot.appendingPathComponent("containers")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        var result: Set<String> = []
        for name in names {
            let file = dir.appendingPathComponent(name).appendingPathComponent("config.v2.json")
            guard let data = try? Data(contentsOf: file),
                  let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let image = object["Image"] as? String else {
                skipped.append(SkippedEntry(path: file.path, reason: "container config unreadable"))
                continue
            }
            result.insert(image)
        }
        return result
    }

    // MARK: - Legacy layout

    /// Reads `graph/<id>/json` (+ `layersize`) and `repositories-<driver>`.
    private func loadLegacy(dataRoot: URL, graphDir: URL, driver: String?) throws -> LoadResult {
        var skipped: [SkippedEntry] = []
        /// One parsed `graph/<id>/json`.
        struct Raw {
            /// The legacy image ID (64 hex, not a content digest).
            var id: String
            /// The parent image ID, if any.
            var parent: String?
            /// The `created` time, if parseable.
            var created: Date?
            /// The image's own layer size (`Size`, else the `layersize` file, else 0).
            var size: Int64
        }
        var raws: [String: Raw] = [:]
        for name in try entries(of: graphDir) where Self.isHex(name, length: 64) {
            let file = graphDir.appendingPathComponent(name).appendingPathComponent("json")
            do {
                guard let data = try? Data(contentsOf: file) else {
                    throw ImageStoreError.corruptImageConfig(path: file.path, reason: "unreadable")
                }
                guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                    throw ImageStoreError.corruptImageConfig(path: file.path, reason: "not a JSON object")
                }
                let id = (object["id"] as? String) ?? name
                guard id == name else {
                    throw ImageStoreError.corruptImageConfig(path: file.path, reason: "id \(id) does not match directory")
                }
                var size = (object["Size"] as? NSNumber)?.int64Value
                if size == nil {
                    let sizeFile = graphDir.appendingPathComponent(name).appendingPathComponent("layersize")
                    size = (try? String(contentsOf: sizeFile, encoding: .utf8))
                        .flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                }
                let parent = (object["parent"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                raws[id] = Raw(id: id, parent: parent, created: Self.parseDate(object["created"] as? String), size: size ?? 0)
            } catch let error as ImageStoreError {
                if strict { throw error }
                skipped.append(SkippedEntry(path: file.path, reason: error.description))
            }
        }

        // Each legacy image is one layer; its chain is its ancestors' layers plus its own,
        // keyed by a synthetic diff ID "legacy:<image id>".
        var images: [EngineImage] = []
        var layerSizes: [String: Int64] = [:]
        for raw in raws.values {
            var lineage: [String] = [raw.id]
            var seen: Set<String> = [raw.id]
            var cursor = raw.parent
            while let parentID = cursor, let parent = raws[parentID], !seen.contains(parentID) {
                lineage.append(parentID)
                seen.insert(parentID)
                cursor = parent.parent
            }
            let diffIDs = lineage.reversed().map { "legacy:" + $0 }
            let image = EngineImage(id: raw.id, parentID: raw.parent, diffIDs: diffIDs, created: raw.created)
            if let own = image.chainIDs.last { layerSizes[own] = raw.size }
            images.append(image)
        }

        let (tagFile, chosenDriver) = try legacyRepositoriesFile(dataRoot: dataRoot, driver: driver)
        let references = try tagFile.map { try readReferences(file: $0, legacy: true) } ?? []
        let model = ImageStoreModel(images: images, references: references, layerSizes: layerSizes)
        return LoadResult(model: model, layout: .legacy(driver: chosenDriver), skipped: skipped)
    }

    /// Finds `repositories-<driver>` in the data root (none is allowed: no tags).
    private func legacyRepositoriesFile(dataRoot: URL, driver: String?) throws -> (URL?, String?) {
        if let driver {
            let file = dataRoot.appendingPathComponent("repositories-" + driver)
            return (FileManager.default.fileExists(atPath: file.path) ? file : nil, driver)
        }
        let names = try entries(of: dataRoot).filter { $0.hasPrefix("repositories-") }.sorted()
        if names.count > 1 {
            throw ImageStoreError.ambiguousDriver(path: dataRoot.path, drivers: names.map { String($0.dropFirst(13)) })
        }
        guard let name = names.first else { return (nil, nil) }
        return (dataRoot.appendingPathComponent(name), String(name.dropFirst(13)))
    }

    // MARK: - Shared readers

    /// Parses `{"Repositories":{"name":{"ref":"id"}}}`; legacy keys are bare tags or digests.
    ///
    /// A missing file means no references. - Throws: `ImageStoreError.corruptRepositories` naming the file.
    private func readReferences(file: URL, legacy: Bool) throws -> [EngineImageReference] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw ImageStoreError.corruptRepositories(path: file.path, reason: "unreadable: \(error.localizedDescription)")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ImageStoreError.corruptRepositories(path: file.path, reason: "invalid JSON")
        }
        guard let top = parsed as? [String: Any] else {
            throw ImageStoreError.corruptRepositories(path: file.path, reason: "top level is not an object")
        }
        guard let repositories = (top["Repositories"] ?? [String: Any]()) as? [String: Any] else {
            throw ImageStoreError.corruptRepositories(path: file.path, reason: "\"Repositories\" is not an object")
        }
        var result: [EngineImageReference] = []
        for (name, value) in repositories.sorted(by: { $0.key < $1.key }) {
            guard let refs = value as? [String: Any] else {
                throw ImageStoreError.corruptRepositories(path: file.path, reason: "repository \"\(name)\" is not an object")
            }
            for (key, target) in refs.sorted(by: { $0.key < $1.key }) {
                guard let imageID = target as? String else {
                    throw ImageStoreError.corruptRepositories(path: file.path, reason: "reference \"\(key)\" does not map to a string")
                }
                let reference: String
                if legacy {
                    reference = key.contains(":") ? name + "@" + key : name + ":" + key
                } else {
                    reference = key
                }
                result.append(EngineImageReference(reference: reference, imageID: imageID))
            }
        }
        return result
    }

    /// Names in a directory; a missing directory is empty. - Throws: `ImageStoreError.unreadable`.
    private func entries(of dir: URL) throws -> [String] {
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: dir.path)
        } catch {
            throw ImageStoreError.unreadable(path: dir.path, reason: error.localizedDescription)
        }
    }

    /// Sorted names of the subdirectories of `dir`. - Throws: `ImageStoreError.unreadable`.
    private func subdirectories(of dir: URL) throws -> [String] {
        try entries(of: dir).filter { isDirectory(dir.appendingPathComponent($0)) }.sorted()
    }

    /// Whether `url` is an existing directory.
    private func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Whether `name` is 64 lowercase hex digits.
    static func isHexDigest(_ name: String) -> Bool {
        isHex(name, length: 64)
    }

    /// Whether `name` is `length` lowercase hex digits.
    static func isHex(_ name: String, length: Int) -> Bool {
        name.utf8.count == length && name.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// Parses an RFC 3339 time with 0–9 fractional digits (Go's format); nil if absent or invalid.
    static func parseDate(_ text: String?) -> Date? {
        guard var text else { return nil }
        var fraction: Double = 0
        if let dot = text.firstIndex(of: ".") {
            let digitsEnd = text[dot...].dropFirst().firstIndex { !$0.isNumber } ?? text.endIndex
            fraction = Double("0" + text[dot..<digitsEnd]) ?? 0
            text.removeSubrange(dot..<digitsEnd)
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map { $0.addingTimeInterval(fraction) }
    }
}
