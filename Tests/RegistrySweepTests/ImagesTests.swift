import DockerImageStore
import Foundation
import RegistrySweep
import Testing

/// `regsweep images` against a real private dockerd (vfs): the offline listing reproduces the engine's own
/// `docker images … -q --no-trunc` sets, and the prune removes through the API exactly the dangling images
/// and their exclusive ancestors, keeping every tagged image.
@Suite(.serialized, .enabled(if: DockerEngineFixture.shouldRun, "needs root, dockerd and a docker client"))
struct ImagesTests {
    /// Build the scenario, stop, compare each mode; restart, prune through the API, check with the engine.
    @Test(.timeLimit(.minutes(3)))
    func listingMatchesEngineAndPruneRemovesOnlyDangling() async throws {
        let fixture = try DockerEngineFixture()
        defer { fixture.shutdown() }
        let engine = try fixture.buildScenario()
        // The scenario: old svc:1 (with its own untagged build steps), old tmp:1, an untagged import.
        #expect(engine.dangling.count == 3)
        #expect(engine.all.count > engine.topLevel.count)
        let dataRoot = fixture.dataRoot.path

        // 1. Offline, on the stopped engine's files: each mode gives the engine's set (what -q prints).
        fixture.stop()
        func ids(all: Bool = false, dangling: Bool = false, intermediate: Bool = false) async throws -> Set<String> {
            let kinds = ImageListing.kinds(all: all, dangling: dangling, intermediate: intermediate)
            let listing = try await ImageListing.load(dataRoot: dataRoot, kinds: kinds)
            #expect(listing.problems.isEmpty)
            #expect(listing.ids == listing.ids.sorted() && Set(listing.ids).count == listing.ids.count)
            return Set(listing.ids)
        }
        #expect(try await ids() == engine.topLevel)
        #expect(try await ids(all: true) == engine.all)
        #expect(try await ids(dangling: true) == engine.dangling)
        #expect(try await ids(all: true, dangling: true) == engine.dangling)
        #expect(try await ids(intermediate: true) == engine.all.subtracting(engine.topLevel))
        let model = try await ImageStoreLoader().load(dataRoot: dataRoot)
        #expect(Set(model.taggedIDs().map(\.description)) == Set(engine.tags.values))
        let oldSvc = try #require(model.danglingIDs().first { !model.exclusiveAncestors(of: $0).isEmpty })
        #expect(model.exclusiveAncestors(of: oldSvc).count == 2, "COPY and LABEL steps of the old svc:1")

        // 2. The API agrees on sizes; deletes that must fail do (child: 409, unknown: 404).
        try fixture.start()
        let client = EngineClient(socketPath: fixture.socketPath)
        for image in try client.listImages(all: true) {
            #expect(model.size(of: image.id) == image.size, "size of \(image.id)")
        }
        let intermediate = try #require(model.intermediateIDs().min())
        guard case .conflict = try client.deleteImage(intermediate) else {
            Issue.record("deleting an intermediate with children must conflict")
            return
        }
        let unknown = Digest("sha256:" + String(repeating: "0", count: 64))!
        #expect(try client.deleteImage(unknown) == .notFound(message: "No such image: \(unknown)"))

        // 3. Plans: cross-checked with the data root (exact layer sizes), and from the API alone.
        let plan = try ImagePruner(client: client, offline: model).plan()
        #expect(plan.isConsistent)
        #expect(Set(plan.dangling.map(\.description)) == engine.dangling)
        #expect(plan.removalOrder == model.removalOrder(deleting: plan.dangling))
        #expect(plan.bytesFreed > 0)
        let apiPlan = try ImagePruner(client: client).plan()
        #expect(apiPlan.dangling == plan.dangling)
        #expect(apiPlan.removalOrder == plan.removalOrder)
        // Built chains share layers only with their parents here, so the API's sizes give the same bytes.
        #expect(apiPlan.bytesFreed == plan.bytesFreed)

        // 4. Something tagged after the plan is kept: tag the untagged import between plan and prune.
        let imported = try #require(plan.dangling.first { model.images[$0]?.parent == nil })
        try fixture.docker(["tag", imported.description, "keep:me"])
        let outcome = try ImagePruner(client: client, offline: model).prune(plan)
        #expect(outcome.refused.map(\.image) == [imported])
        #expect(outcome.refused.first?.reason.contains("tagged since the plan") == true)
        let expected = plan.removalOrder.filter { $0 != imported }
        #expect(outcome.removedImages == expected)
        #expect(Set(outcome.deletedLayers) == model.freedLayers(removing: Set(expected)))
        #expect(outcome.bytesFreed == model.bytesFreed(removing: Set(expected)))

        // 5. The engine: only those are gone, every tag is still there, nothing is dangling.
        let after = try fixture.imageSets()
        #expect(after.all == engine.all.subtracting(expected.map(\.description)))
        var tags = engine.tags
        tags["keep:me"] = imported.description
        #expect(after.tags == tags)
        #expect(after.dangling.isEmpty)
        #expect(try ImagePruner(client: client).plan().dangling.isEmpty)

        // 6. Stopped: the files agree, removed layers are gone, and the daemon is reported unreachable.
        fixture.stop()
        let reloaded = try await ImageStoreLoader().load(dataRoot: dataRoot)
        #expect(Set(reloaded.allIDs().map(\.description)) == after.all)
        let layerdb = fixture.dataRoot.appendingPathComponent("image/vfs/layerdb/sha256")
        for layer in outcome.deletedLayers {
            #expect(!FileManager.default.fileExists(atPath: layerdb.appendingPathComponent(layer.hex).path))
        }
        let unreachable = #expect(throws: SweepError.self) { try ImagePruner(client: client).plan() }
        #expect(unreachable?.code == .engine)
        #expect(unreachable?.path == fixture.socketPath)
    }
}
