import DockerImageStore
import Foundation
import RegistrySweep
import Testing

import struct Crypto.SHA256

/// The loader and the store rules on hand-written data roots (no daemon; `ImagesTests` checks a real one).
@Suite struct ImageStoreLoaderTests {
    /// Chain IDs follow chainID(n) = sha256(chainID(n-1) + " " + diffID(n)), through swift-crypto.
    @Test func chainIDs() {
        let a = Digest("sha256:" + String(repeating: "a", count: 64))!
        let b = Digest("sha256:" + String(repeating: "b", count: 64))!
        let expected = Digest(bytes: SHA256.hash(data: Array("\(a) \(b)".utf8)))
        #expect(EngineImage.chainIDs(diffIDs: [a, b]) == [a, expected])
        #expect(expected.description.hasPrefix("sha256:") && expected != a && expected != b)
        #expect(EngineImage.chainIDs(diffIDs: []).isEmpty)
    }

    /// Digest-only references keep an image top-level; a childless one is still dangling (as dockerd 20.10).
    @Test func digestOnlyReferences() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pin = "sha256:" + String(repeating: "c", count: 64)
        let ids = try ImageStoreFixtures.writeCurrent(
            at: dir,
            images: [
                .init(name: "base", parent: nil, newLayers: [5], references: ["base:1"]),
                .init(name: "mid", parent: "base", newLayers: [7], references: ["mid@" + pin]),
                .init(name: "leaf", parent: "mid", newLayers: [], references: ["leaf:1"]),
                .init(name: "pinned", parent: nil, newLayers: [3], references: ["pin@" + pin]),
            ])
        let model = try await ImageStoreLoader().load(dataRoot: dir.path)
        let id = { (name: String) in ids[name]! }
        #expect(model.topLevelIDs() == [id("base"), id("mid"), id("leaf"), id("pinned")])
        #expect(model.danglingIDs() == [id("pinned")])
        #expect(model.intermediateIDs().isEmpty)
        #expect(model.kind(of: id("mid")) == .referenced)
        #expect(model.kind(of: id("base")) == .tagged)
    }

    /// rmi walks up untagged, childless, unused parents; bytes freed count only layers nothing else uses.
    @Test func exclusiveAncestorsAndBytesFreed() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = try ImageStoreFixtures.writeCurrent(
            at: dir,
            images: [
                .init(name: "base", parent: nil, newLayers: [1000]),
                .init(name: "shared", parent: "base", newLayers: [200]),
                .init(name: "keep", parent: "shared", newLayers: [], references: ["keep:1"]),
                .init(name: "old1", parent: "shared", newLayers: [30]),
                .init(name: "old2", parent: "old1", newLayers: []),
                .init(name: "old3", parent: "old2", newLayers: [4]),
            ])
        let model = try await ImageStoreLoader().load(dataRoot: dir.path)
        let id = { (name: String) in ids[name]! }
        #expect(model.danglingIDs() == [id("old3")])
        #expect(model.intermediateIDs() == [id("base"), id("shared"), id("old1"), id("old2")])
        #expect(model.exclusiveAncestors(of: id("old3")) == [id("old2"), id("old1")])
        let removed = Set(model.removalOrder(deleting: [id("old3")]))
        #expect(model.bytesFreed(removing: removed) == 34)
        #expect(model.size(of: id("old3")) == 1234)
        #expect(model.deleteConflict(for: id("shared")) == "image has dependent child images")
        #expect(model.deleteConflict(for: id("old3")) == nil)

        let after = model.removing(removed)
        #expect(after.allIDs() == [id("base"), id("shared"), id("keep")])
        #expect(after.danglingIDs().isEmpty)

        let used = ImageStoreModel(
            images: Array(model.images.values), references: model.references, layerSizes: model.layerSizes,
            containerImages: [id("old1")])
        #expect(used.exclusiveAncestors(of: id("old3")) == [id("old2")])
        #expect(used.deleteConflict(for: id("old1")) == "image has dependent child images")

        let listing = ImageListing(try await ImageStoreLoader().loadDetailed(dataRoot: dir.path), kinds: [.dangling])
        #expect(listing.ids == [id("old3").description])
        #expect(listing.images.first?.exclusiveAncestors == [id("old2").description, id("old1").description])
        #expect(listing.images.first?.bytesFreed == 34)
        #expect(listing.dangling.images == 1 && listing.dangling.ancestors == 2 && listing.dangling.bytesFreed == 34)
    }

    /// An image whose top layer does not load is left out (as the engine does); its parent loses the child.
    @Test func missingTopLayerIsSkipped() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = try ImageStoreFixtures.writeCurrent(
            at: dir,
            images: [
                .init(name: "base", parent: nil, newLayers: [1], references: ["b:1"]),
                .init(name: "mid", parent: "base", newLayers: []),
                .init(name: "top", parent: "mid", newLayers: [2], references: ["t:1"]),
            ])
        let before = try await ImageStoreLoader().load(dataRoot: dir.path)
        let topLayer = try #require(before.images[ids["top"]!]?.layers.last)
        let layerDir = dir.appendingPathComponent("image/vfs/layerdb/sha256/\(topLayer.hex)")
        try FileManager.default.removeItem(at: layerDir.appendingPathComponent("cache-id"))
        let result = try await ImageStoreLoader().loadDetailed(dataRoot: dir.path)
        #expect(result.model.allIDs() == [ids["base"]!, ids["mid"]!])
        #expect(result.model.danglingIDs() == [ids["mid"]!])
        #expect(result.problems.count == 2)
        #expect(result.problems.contains { $0.path == layerDir.path && $0.code == .invalidImageStore })
    }

    /// A corrupt repositories.json is an error naming the file; the engine refuses to start with one.
    @Test func corruptRepositoriesJSON() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ImageStoreFixtures.writeCurrent(
            at: dir, images: [.init(name: "a", parent: nil, newLayers: [1], references: ["a:1"])])
        let file = dir.appendingPathComponent("image/vfs/repositories.json")
        for text in [
            "{\"Repositories\":{\"a\":", "{\"Repositories\":{\"a\":[1]}}",
            "{\"Repositories\":{\"a\":{\"a:1\":\"sha256:zz\"}}}", "",
        ] {
            try Data(text.utf8).write(to: file)
            let error = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
            #expect(error?.code == .invalidImageStore, "\(text)")
            #expect(error?.path == file.path, "\(text)")
            #expect(error?.description.contains("repositories") == true)
        }
    }

    /// A config that does not hash to its name, or lacks rootfs: strict names it; lenient skips it like dockerd.
    @Test func corruptImageConfig() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = try ImageStoreFixtures.writeCurrent(
            at: dir,
            images: [
                .init(name: "a", parent: nil, newLayers: [1], references: ["a:1"]),
                .init(name: "b", parent: nil, newLayers: [1]),
            ])
        let file = dir.appendingPathComponent("image/vfs/imagedb/content/sha256/\(ids["b"]!.hex)")
        try Data("not json".utf8).write(to: file)
        let error = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
        #expect(error?.code == .invalidImageStore)
        #expect(error?.path == file.path)
        #expect(error?.digest == ids["b"])
        #expect(error?.message.contains(ImageStoreFixtures.digest("not json").description) == true)
        let lenient = try await ImageStoreLoader(strict: false).loadDetailed(dataRoot: dir.path)
        #expect(lenient.model.allIDs() == [ids["a"]!])
        #expect(lenient.problems.map(\.path) == [file.path])

        // Hashes right but has no rootfs: the engine's NewFromJSON rejects it.
        let text = "{\"created\":\"2024-01-01T00:00:00Z\"}"
        let named = dir.appendingPathComponent(
            "image/vfs/imagedb/content/sha256/\(ImageStoreFixtures.digest(text).hex)")
        try Data(text.utf8).write(to: named)
        try FileManager.default.removeItem(at: file)
        let noRootFS = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
        #expect(noRootFS?.path == named.path)
        #expect(noRootFS?.message.contains("rootfs") == true)
    }

    /// Garbage in a `parent` metadata file: the image still loads (as in the engine), parentless, with a problem.
    @Test func corruptParentMetadata() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = try ImageStoreFixtures.writeCurrent(
            at: dir,
            images: [
                .init(name: "base", parent: nil, newLayers: [1]),
                .init(name: "child", parent: "base", newLayers: [2], references: ["c:1"]),
            ])
        let before = try await ImageStoreLoader().load(dataRoot: dir.path)
        #expect(before.intermediateIDs() == [ids["base"]!])
        let file = dir.appendingPathComponent("image/vfs/imagedb/metadata/sha256/\(ids["child"]!.hex)/parent")
        try Data("sha256:nothex".utf8).write(to: file)
        let result = try await ImageStoreLoader().loadDetailed(dataRoot: dir.path)
        #expect(result.model.images[ids["child"]!]?.parent == nil)
        #expect(result.model.danglingIDs() == [ids["base"]!])
        #expect(result.problems.map(\.path) == [file.path])
    }

    /// The legacy graph/ layout loads with the same rules (64-hex IDs, one layer per image).
    @Test func legacyLayout() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try ImageStoreFixtures.writeLegacy(at: dir)
        let result = try await ImageStoreLoader().loadDetailed(dataRoot: dir.path)
        let model = result.model
        #expect(result.layout == .legacy(driver: "vfs"))
        #expect(model.allIDs() == [store.base, store.middle, store.app, store.orphan, store.loose])
        #expect(model.topLevelIDs() == [store.base, store.app, store.orphan, store.loose])
        #expect(model.danglingIDs() == [store.orphan, store.loose])
        #expect(model.intermediateIDs() == [store.middle])
        #expect(model.taggedIDs() == [store.base, store.app])
        #expect(model.exclusiveAncestors(of: store.orphan).isEmpty)
        #expect(model.bytesFreed(removing: [store.orphan, store.loose]) == 70)
        #expect(model.size(of: store.app) == 130)
        #expect(model.images[store.app]?.created == Timestamp.parseRFC3339("2015-06-01T12:00:00.000000001Z"))
        #expect(model.references(of: store.app).map(\.reference) == ["old:app"])

        let listing = ImageListing(result, kinds: ImageListing.kinds(all: false, dangling: false, intermediate: false))
        #expect(listing.ids == [store.base, store.app, store.orphan, store.loose].map(\.description).sorted())
        #expect(listing.layout == "graph (repositories-vfs)")

        let json = dir.appendingPathComponent("graph/\(store.app.hex)/json")
        try Data("{\"id\":\"\(store.base.hex)\"}".utf8).write(to: json)
        let mismatch = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
        #expect(mismatch?.path == json.path)
    }

    /// No store, or several drivers without a choice, are errors naming the directory.
    @Test func missingOrAmbiguousStore() async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let none = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
        #expect(none?.code == .invalidImageStore)
        #expect(none?.path == dir.path)
        let absent = await #expect(throws: SweepError.self) {
            try await ImageStoreLoader().load(dataRoot: dir.path + "/nope")
        }
        #expect(absent?.code == .notFound)

        let ids = try ImageStoreFixtures.writeCurrent(at: dir, images: [.init(name: "a", parent: nil, newLayers: [1])])
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("image/overlay2"), withIntermediateDirectories: true)
        let several = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
        #expect(several?.path == dir.appendingPathComponent("image").path)
        #expect(several?.message.contains("overlay2, vfs") == true)
        #expect(try await ImageStoreLoader(driver: "vfs").load(dataRoot: dir.path).allIDs() == [ids["a"]!])
    }
}
