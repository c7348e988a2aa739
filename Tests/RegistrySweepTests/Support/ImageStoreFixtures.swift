import DockerImageStore
import Foundation
import RegistrySweep

import struct Crypto.SHA256

/// Writes small Docker data roots by hand, in the current and the legacy layout, for tests without a daemon.
///
/// The current layout is written as dockerd 20.10 writes it (config named by its SHA-256, `parent` metadata,
/// layerdb `diff`/`size`/`cache-id`, `repositories.json`), so the loader's rules apply unchanged; the engine
/// tests in `ImagesTests` check the same rules against a real daemon.
enum ImageStoreFixtures {
    /// One image to write: a name for the test, its parent's name, and the sizes of the layers it adds.
    struct ImageSpec: Sendable {
        /// Name the test uses to find the ID again.
        var name: String
        /// The parent's `name`, if any; the image inherits the parent's layers.
        var parent: String?
        /// Sizes of the layers this image adds (empty: a LABEL/ENV-only step sharing its parent's layers).
        var newLayers: [Int]
        /// Tags (`name:tag`) and digest references (`name@sha256:…`) for repositories.json.
        var references: [String] = []
    }

    /// Makes an empty temp directory; the caller removes it.
    static func makeTempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("rsw-images-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The SHA-256 digest of `text`.
    static func digest(_ text: String) -> Digest {
        Digest(bytes: SHA256.hash(data: Array(text.utf8)))
    }

    /// Writes `image/vfs/{imagedb,layerdb,repositories.json}` under `dataRoot`; returns name → image ID.
    ///
    /// Images must come parents first.
    @discardableResult
    static func writeCurrent(at dataRoot: URL, images: [ImageSpec]) throws -> [String: Digest] {
        let root = dataRoot.appendingPathComponent("image/vfs")
        var ids: [String: Digest] = [:]
        var diffs: [String: [Digest]] = [:]
        var repositories: [String: [String: String]] = [:]
        for (index, spec) in images.enumerated() {
            var diffIDs = spec.parent.flatMap { diffs[$0] } ?? []
            let firstNew = diffIDs.count
            for layerIndex in spec.newLayers.indices { diffIDs.append(digest("\(spec.name)-\(layerIndex)")) }
            diffs[spec.name] = diffIDs
            let chains = EngineImage.chainIDs(diffIDs: diffIDs)
            for (offset, size) in spec.newLayers.enumerated() {
                let position = firstNew + offset
                try writeLayer(
                    root, chain: chains[position], diff: diffIDs[position],
                    parent: position > 0 ? chains[position - 1] : nil, size: size)
            }
            let quoted = diffIDs.map { "\"\($0)\"" }.joined(separator: ",")
            let config =
                "{\"created\":\"2024-01-0\(index % 9 + 1)T10:00:00.123456789Z\","
                + "\"config\":{\"Labels\":{\"n\":\"\(spec.name)\"}},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\(quoted)]}}"
            let id = digest(config)
            try write(config, to: root.appendingPathComponent("imagedb/content/sha256/\(id.hex)"))
            ids[spec.name] = id
            if let parent = spec.parent, let parentID = ids[parent] {
                try write(
                    parentID.description, to: root.appendingPathComponent("imagedb/metadata/sha256/\(id.hex)/parent"))
            }
            for text in spec.references {
                let reference = EngineImageReference(reference: text, image: id)
                repositories[reference.repository, default: [:]][text] = id.description
            }
        }
        let json = try JSONSerialization.data(withJSONObject: ["Repositories": repositories], options: [.sortedKeys])
        try json.write(to: root.appendingPathComponent("repositories.json"))
        return ids
    }

    /// Writes one layerdb entry the way the engine does.
    static func writeLayer(_ root: URL, chain: Digest, diff: Digest, parent: Digest?, size: Int) throws {
        let directory = root.appendingPathComponent("layerdb/sha256/\(chain.hex)")
        try write("\(size)", to: directory.appendingPathComponent("size"))
        try write(diff.description, to: directory.appendingPathComponent("diff"))
        try write("cache-\(chain.hex.prefix(12))", to: directory.appendingPathComponent("cache-id"))
        if let parent { try write(parent.description, to: directory.appendingPathComponent("parent")) }
    }

    /// Writes `text` to `url`, creating parent directories.
    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// The legacy (Docker ≤ 1.9) store written by `writeLegacy`: IDs by role.
    struct LegacyStore: Sendable {
        /// Tagged root image (`old:base`), Size 100.
        var base: Digest
        /// Untagged child of `base` with two children: intermediate, Size 10.
        var middle: Digest
        /// Tagged child of `middle` (`old:app`), Size 20.
        var app: Digest
        /// Untagged childless child of `middle`: dangling, Size 30.
        var orphan: Digest
        /// Untagged root without children: dangling, `layersize` file 40.
        var loose: Digest
    }

    /// Writes `graph/<id>/json` and `repositories-vfs` as Docker 1.9 did (today's engine cannot make one).
    @discardableResult
    static func writeLegacy(at dataRoot: URL) throws -> LegacyStore {
        let store = LegacyStore(
            base: digest("base"), middle: digest("middle"), app: digest("app"), orphan: digest("orphan"),
            loose: digest("loose"))
        let rows: [(Digest, Digest?, Int)] = [
            (store.base, nil, 100), (store.middle, store.base, 10), (store.app, store.middle, 20),
            (store.orphan, store.middle, 30), (store.loose, nil, 40),
        ]
        for (id, parent, size) in rows {
            let directory = dataRoot.appendingPathComponent("graph/\(id.hex)")
            var object: [String: Any] = ["id": id.hex, "created": "2015-06-01T12:00:00.000000001Z"]
            if let parent { object["parent"] = parent.hex }
            if id == store.loose {
                try write("\(size)", to: directory.appendingPathComponent("layersize"))
            } else {
                object["Size"] = size
            }
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: object).write(to: directory.appendingPathComponent("json"))
        }
        let tags: [String: Any] = ["Repositories": ["old": ["base": store.base.hex, "app": store.app.hex]]]
        try JSONSerialization.data(withJSONObject: tags).write(to: dataRoot.appendingPathComponent("repositories-vfs"))
        return store
    }
}
