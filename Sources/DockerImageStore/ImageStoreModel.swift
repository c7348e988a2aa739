import RegistrySweep

/// The Docker engine's local image store as data, with the engine's own rules for listing
/// (`docker images [-a] [-f dangling=true]`) and for `docker rmi <id>`.
///
/// Rules (checked against dockerd 20.10.24 on real stores):
/// - all (`-a`): every restored image (config digest verifies, top layer present in layerdb);
/// - children: restored images whose parent is a restored image;
/// - top-level (`docker images`): has any reference (tag or digest) or has no children;
/// - dangling (`dangling=true`): no children and no tag (digest-only references still count as dangling);
/// - intermediate: all minus top-level (children and no reference at all);
/// - `rmi <id>` removes the image, then walks up: each parent that has no reference, no container and
///   no remaining child is removed too; the walk stops at the first parent that has one;
/// - layers are counted by chain ID: a layer is freed when no remaining image uses it.
///
/// The model is immutable; `removing(_:)` gives the store after a deletion.
///
/// ## Performance
/// Built in O(images + references + layers); children, references and tags are indexed once, so
/// `kind(of:)` is O(1) and a removal walk is O(length of the walk). Per image: one `EngineImage`
/// (about 80 bytes plus 32 per layer) and a few dictionary slots.
public struct ImageStoreModel: Sendable {
    /// Restored images by ID.
    public let images: [Digest: EngineImage]
    /// Every reference read, including those naming images that are not restored (the rules ignore those).
    public let references: [EngineImageReference]
    /// Each layer's own size in bytes (layerdb `size`) by chain ID.
    public let layerSizes: [Digest: Int]
    /// Images used by containers (`containers/*/config.v2.json` `Image`): `rmi` stops at these.
    public let containerImages: Set<Digest>

    /// Children of each restored image (restored images only).
    private let children: [Digest: Set<Digest>]
    /// References of each restored image, in file order.
    private let referencesByImage: [Digest: [EngineImageReference]]

    /// Creates a model and indexes children and references.
    ///
    /// - Parameters:
    ///   - images: the restored images (a later duplicate ID replaces an earlier one).
    ///   - references: tags and digest references.
    ///   - layerSizes: layer sizes by chain ID.
    ///   - containerImages: images that containers use.
    /// - Complexity: O(images + references).
    public init(
        images: [EngineImage], references: [EngineImageReference] = [], layerSizes: [Digest: Int] = [:],
        containerImages: Set<Digest> = []
    ) {
        var byID: [Digest: EngineImage] = [:]
        byID.reserveCapacity(images.count)
        for image in images { byID[image.id] = image }
        var children: [Digest: Set<Digest>] = [:]
        for image in byID.values {
            if let parent = image.parent, byID[parent] != nil { children[parent, default: []].insert(image.id) }
        }
        var referencesByImage: [Digest: [EngineImageReference]] = [:]
        for reference in references where byID[reference.image] != nil {
            referencesByImage[reference.image, default: []].append(reference)
        }
        self.images = byID
        self.references = references
        self.layerSizes = layerSizes
        self.containerImages = containerImages
        self.children = children
        self.referencesByImage = referencesByImage
    }

    // MARK: Listing rules

    /// The kind of a restored image, or `nil` if `id` is not restored.
    ///
    /// - Complexity: O(references of the image).
    public func kind(of id: Digest) -> ImageKind? {
        guard images[id] != nil else { return nil }
        let references = referencesByImage[id] ?? []
        if references.contains(where: { !$0.isDigest }) { return .tagged }
        if children[id]?.isEmpty ?? true { return .dangling }
        return references.isEmpty ? .intermediate : .referenced
    }

    /// The restored images whose kind is in `kinds`.
    ///
    /// - Complexity: O(images).
    public func ids(of kinds: Set<ImageKind>) -> Set<Digest> {
        Set(images.keys.filter { id in kind(of: id).map(kinds.contains) ?? false })
    }

    /// Every image `docker images -a` lists.
    public func allIDs() -> Set<Digest> { Set(images.keys) }

    /// The images plain `docker images` lists: referenced (tag or digest) or childless.
    public func topLevelIDs() -> Set<Digest> { ids(of: ImageKind.topLevel) }

    /// The images `docker images -f dangling=true` lists: childless and untagged.
    public func danglingIDs() -> Set<Digest> { ids(of: [.dangling]) }

    /// The images only `docker images -a` lists: children and no reference.
    public func intermediateIDs() -> Set<Digest> { ids(of: [.intermediate]) }

    /// The images that carry at least one tag.
    public func taggedIDs() -> Set<Digest> { ids(of: [.tagged]) }

    /// The references of a restored image (tags and digests), in file order.
    public func references(of id: Digest) -> [EngineImageReference] { referencesByImage[id] ?? [] }

    /// The restored images whose parent is `id`.
    public func children(of id: Digest) -> Set<Digest> { children[id] ?? [] }

    // MARK: rmi rules

    /// The ancestors `docker rmi <id>` removes together with `id`, nearest first.
    ///
    /// Assumes the delete of `id` itself succeeds (see ``deleteConflict(for:)``).
    /// - Complexity: O(length of the walk).
    public func exclusiveAncestors(of id: Digest) -> [Digest] {
        Array(removalOrder(deleting: [id]).dropFirst())
    }

    /// Every image removed by deleting `ids` one after the other (as `docker rmi a b …`), in engine order.
    ///
    /// Unknown IDs and IDs the engine would refuse at their turn are skipped, as the engine refuses them.
    /// - Complexity: O(ids + total length of the walks).
    public func removalOrder(deleting ids: [Digest]) -> [Digest] {
        var kids = children
        var removed: [Digest] = []
        var gone: Set<Digest> = []
        for id in ids where images[id] != nil && !gone.contains(id) {
            guard conflict(for: id, children: kids) == nil else { continue }
            var current = id
            while true {
                removed.append(current)
                gone.insert(current)
                guard let parent = images[current]?.parent, images[parent] != nil else { break }
                kids[parent]?.remove(current)
                let blocked =
                    !(kids[parent]?.isEmpty ?? true) || referencesByImage[parent] != nil
                    || containerImages.contains(parent)
                if blocked { break }
                current = parent
            }
        }
        return removed
    }

    /// Why the engine refuses `DELETE /images/<id>` (by ID, without force), or `nil` if it deletes it.
    public func deleteConflict(for id: Digest) -> String? {
        conflict(for: id, children: children)
    }

    /// The delete conflict for `id` given the current children.
    private func conflict(for id: Digest, children: [Digest: Set<Digest>]) -> String? {
        guard images[id] != nil else { return "No such image" }
        if !(children[id]?.isEmpty ?? true) { return "image has dependent child images" }
        if containerImages.contains(id) { return "image is being used by a container" }
        let repositories = Set(references(of: id).map(\.repository))
        if repositories.count > 1 { return "image is referenced in multiple repositories" }
        return nil
    }

    /// The store after `removed` images are gone (their references and unused layers with them).
    ///
    /// - Complexity: O(images + references + layers).
    public func removing(_ removed: Set<Digest>) -> ImageStoreModel {
        let kept = images.values.filter { !removed.contains($0.id) }
        let freed = freedLayers(removing: removed)
        return ImageStoreModel(
            images: kept,
            references: references.filter { !removed.contains($0.image) },
            layerSizes: layerSizes.filter { !freed.contains($0.key) },
            containerImages: containerImages
        )
    }

    // MARK: Sizes

    /// Bytes freed on disk once `removing` images are gone: the sizes of layers no remaining image uses.
    ///
    /// - Complexity: O(total layers of all images).
    public func bytesFreed(removing: Set<Digest>) -> Int {
        freedLayers(removing: removing).reduce(0) { $0 + (layerSizes[$1] ?? 0) }
    }

    /// Chain IDs of the layers deleted with `removing` (the engine's `Deleted: <chain ID>` answers).
    ///
    /// - Complexity: O(total layers of all images).
    public func freedLayers(removing: Set<Digest>) -> Set<Digest> {
        var kept: Set<Digest> = []
        var candidates: Set<Digest> = []
        for image in images.values {
            if removing.contains(image.id) {
                candidates.formUnion(image.layers)
            } else {
                kept.formUnion(image.layers)
            }
        }
        return candidates.subtracting(kept)
    }

    /// The image's size as `docker images` shows it: the sum of its layers' sizes; `nil` if not restored.
    public func size(of id: Digest) -> Int? {
        guard let image = images[id] else { return nil }
        return image.layers.reduce(0) { $0 + (layerSizes[$1] ?? 0) }
    }
}
