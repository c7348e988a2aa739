import RegistrySweep

/// Removes dangling images through the Engine API (`DELETE /images/<id>`), never by editing the engine's files.
///
/// `plan()` asks the daemon for its dangling images (`GET /images/json?filters={"dangling":["true"]}`) and
/// predicts, with the engine's `rmi` rules, which untagged ancestors go with them and the bytes freed.
/// With an offline model of the same data root (`regsweep images DATA_ROOT --prune`) the two views are
/// cross-checked: only images both call dangling are candidates, and the bytes come from layerdb sizes.
/// Without one, the model is built from the API (`/images/json?all=1`, `/containers/json?all=1`) and an
/// image's own bytes are its size minus its parent's.
///
/// `prune(_:)` deletes the candidates one by one, without force. Just before each delete it asks the engine
/// for the image's tags and skips it if it was tagged since the plan (the engine would otherwise untag and
/// delete an image tagged in one repository). The engine itself refuses images that gained a child or a
/// container (409); those are reported, not forced.
public struct ImagePruner: Sendable {
    /// Where the byte counts come from.
    public enum BytesSource: String, Sendable, Hashable, Codable {
        /// Layer sizes from `layerdb/sha256/*/size`: exact.
        case layerdb
        /// Image sizes from the API, one layer per image (size minus the parent's): exact for built chains,
        /// an overestimate when unrelated images share a layer.
        case imageSizes
    }

    /// What a prune would do.
    public struct Plan: Sendable {
        /// The model predictions come from (offline, or built from the API).
        public var model: ImageStoreModel
        /// Where `bytesFreed` comes from.
        public var bytesSource: BytesSource
        /// The dangling images to delete, in delete order (sorted by ID).
        public var dangling: [Digest]
        /// Every image the deletes remove, in engine order: each dangling image, then its exclusive ancestors.
        public var removalOrder: [Digest]
        /// Bytes freed by removing `removalOrder`.
        public var bytesFreed: Int
        /// Cross-check: dangling for the engine but not in the offline model (left alone).
        public var onlyInEngine: [Digest]
        /// Cross-check: dangling in the offline model but not for the engine (left alone).
        public var onlyOnDisk: [Digest]

        /// True when the engine and the data root agree on the dangling images (always without a data root).
        public var isConsistent: Bool { onlyInEngine.isEmpty && onlyOnDisk.isEmpty }

        /// Each dangling image with the ancestors removed with it (in `removalOrder`) and the bytes that
        /// deleting it frees at its turn (the counts add up to `bytesFreed`).
        ///
        /// - Complexity: O(dangling × total layers).
        public var steps: [Step] {
            let roots = Set(dangling)
            var result: [Step] = []
            var removed: Set<Digest> = []
            var previousBytes = 0
            for id in removalOrder {
                removed.insert(id)
                if roots.contains(id) {
                    result.append(Step(image: id, ancestors: [], bytesFreed: 0))
                } else if !result.isEmpty {
                    result[result.count - 1].ancestors.append(id)
                }
                let bytes = model.bytesFreed(removing: removed)
                if !result.isEmpty { result[result.count - 1].bytesFreed += bytes - previousBytes }
                previousBytes = bytes
            }
            return result
        }
    }

    /// One dangling image of a plan, with what its delete removes and frees.
    public struct Step: Sendable, Hashable {
        /// The dangling image.
        public var image: Digest
        /// The untagged ancestors its delete removes, nearest first.
        public var ancestors: [Digest]
        /// The bytes its delete frees at its turn in the plan.
        public var bytesFreed: Int
    }

    /// An image the prune did not delete, and why.
    public struct Refusal: Sendable, Hashable {
        /// The dangling image.
        public var image: Digest
        /// The engine's conflict message, or why regsweep skipped it.
        public var reason: String
    }

    /// What a prune did.
    public struct Outcome: Sendable {
        /// Images deleted, in engine order.
        public var removedImages: [Digest] = []
        /// Layers deleted (chain IDs), in engine order.
        public var deletedLayers: [Digest] = []
        /// References removed with the images (digest references of dangling images).
        public var untagged: [String] = []
        /// Dangling images left in place.
        public var refused: [Refusal] = []
        /// Bytes freed (by the plan's `bytesSource`).
        public var bytesFreed = 0
    }

    /// The daemon to talk to.
    public let client: EngineClient
    /// The offline model of the daemon's data root, if one was read.
    public let offline: ImageStoreModel?

    /// Creates a pruner.
    ///
    /// - Parameters:
    ///   - client: the daemon's API client.
    ///   - offline: the model of the same data root, for the cross-check and exact byte counts.
    public init(client: EngineClient, offline: ImageStoreModel? = nil) {
        self.client = client
        self.offline = offline
    }

    /// Asks the daemon for its dangling images and predicts what deleting them removes.
    ///
    /// - Throws: `.engine` when the daemon is unreachable or answers unexpectedly.
    public func plan() throws(SweepError) -> Plan {
        let engineDangling = Set(try client.listImages(danglingOnly: true).map(\.id))
        let model: ImageStoreModel
        var onlyInEngine: [Digest] = []
        var onlyOnDisk: [Digest] = []
        var candidates = engineDangling
        if let offline {
            model = offline
            let diskDangling = offline.danglingIDs()
            onlyInEngine = engineDangling.subtracting(diskDangling).sorted()
            onlyOnDisk = diskDangling.subtracting(engineDangling).sorted()
            candidates = engineDangling.intersection(diskDangling)
        } else {
            model = Self.model(images: try client.listImages(all: true), containers: try client.containerImages())
        }
        let dangling = candidates.sorted()
        let removalOrder = model.removalOrder(deleting: dangling)
        return Plan(
            model: model, bytesSource: offline == nil ? .imageSizes : .layerdb, dangling: dangling,
            removalOrder: removalOrder, bytesFreed: model.bytesFreed(removing: Set(removalOrder)),
            onlyInEngine: onlyInEngine, onlyOnDisk: onlyOnDisk)
    }

    /// Deletes the plan's dangling images through the API, one at a time, without force.
    ///
    /// - Throws: `.engine` when the daemon becomes unreachable or answers unexpectedly; what was deleted
    ///   before stays deleted (each delete is the engine's own atomic operation).
    public func prune(_ plan: Plan) throws(SweepError) -> Outcome {
        var outcome = Outcome()
        for id in plan.dangling {
            guard let tags = try client.tags(of: id) else {
                outcome.refused.append(Refusal(image: id, reason: "no longer exists"))
                continue
            }
            guard tags.isEmpty else {
                outcome.refused.append(
                    Refusal(image: id, reason: "tagged since the plan (\(tags.joined(separator: ", "))); kept"))
                continue
            }
            switch try client.deleteImage(id) {
            case .deleted(let records):
                for record in records {
                    switch record {
                    case .untagged(let reference): outcome.untagged.append(reference)
                    case .deleted(let digest) where plan.model.images[digest] != nil:
                        outcome.removedImages.append(digest)
                    case .deleted(let digest): outcome.deletedLayers.append(digest)
                    }
                }
            case .conflict(let message):
                outcome.refused.append(Refusal(image: id, reason: message))
            case .notFound(let message):
                outcome.refused.append(Refusal(image: id, reason: message))
            }
        }
        switch plan.bytesSource {
        case .layerdb:
            outcome.bytesFreed = outcome.deletedLayers.reduce(0) { $0 + (plan.model.layerSizes[$1] ?? 0) }
        case .imageSizes:
            outcome.bytesFreed = plan.model.bytesFreed(removing: Set(outcome.removedImages))
        }
        return outcome
    }

    /// A model of the engine's store from its API: one layer per image (keyed by the image ID) holding the
    /// image's size minus its parent's, references from `RepoTags` and `RepoDigests`.
    ///
    /// - Parameters:
    ///   - images: `GET /images/json?all=1`.
    ///   - containers: the images containers use.
    /// - Complexity: O(images × depth).
    public static func model(images: [EngineImageSummary], containers: Set<Digest>) -> ImageStoreModel {
        var byID: [Digest: EngineImageSummary] = [:]
        for image in images { byID[image.id] = image }
        let parents = byID.mapValues(\.parent)
        var records: [EngineImage] = []
        var sizes: [Digest: Int] = [:]
        var references: [EngineImageReference] = []
        for image in byID.values {
            let parentSize = image.parent.flatMap { byID[$0]?.size } ?? 0
            sizes[image.id] = max(0, image.size - parentSize)
            records.append(
                EngineImage(
                    id: image.id, parent: image.parent,
                    layers: ImageStoreLoader.lineage(of: image.id, parents: parents),
                    created: Double(image.created)))
            for reference in image.repoTags + image.repoDigests {
                references.append(EngineImageReference(reference: reference, image: image.id))
            }
        }
        return ImageStoreModel(images: records, references: references, layerSizes: sizes, containerImages: containers)
    }
}
