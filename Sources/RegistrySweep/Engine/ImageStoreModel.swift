import Foundation

/// One image as the Docker engine (20.10) restores it from its image store.
///
/// IDs are `"sha256:<hex>"` for the current layout; legacy (`graph/`) images keep
/// their bare 64-hex ID, as Docker 1.9 printed them.
public struct EngineImage: Sendable, Hashable {
    /// The image ID (`"sha256:<hex>"`, the digest of its config file).
    public var id: String
    /// The parent image ID from `imagedb/metadata/sha256/<id>/parent`, if any.
    public var parentID: String?
    /// The config's `rootfs.diff_ids`, bottom layer first.
    public var diffIDs: [String]
    /// The config's `created` time, if present and parseable.
    public var created: Date?

    /// Creates an image record.
    public init(id: String, parentID: String? = nil, diffIDs: [String], created: Date? = nil) {
        self.id = id
        self.parentID = parentID
        self.diffIDs = diffIDs
        self.created = created
    }

    /// The OCI chain IDs of this image's layers, bottom first (one per diff ID).
    public var chainIDs: [String] {
        ImageStoreModel.chainIDs(forDiffIDs: diffIDs)
    }
}

/// One entry of `repositories.json`: a tag (`name:tag`) or a digest (`name@sha256:…`) reference.
public struct EngineImageReference: Sendable, Hashable {
    /// The reference as written in `repositories.json`, e.g. `"app:1"` or `"app@sha256:…"`.
    public var reference: String
    /// The image ID it points to.
    public var imageID: String

    /// Creates a reference.
    public init(reference: String, imageID: String) {
        self.reference = reference
        self.imageID = imageID
    }

    /// Whether this is a digest reference (`name@sha256:…`) rather than a tag.
    public var isDigest: Bool { reference.contains("@") }
}

/// The engine's local image store as pure data, with the engine's own rules for
/// listing (`docker images [-a] [-f dangling=true]`) and for `docker rmi`.
///
/// Rules (checked against dockerd 20.10.24):
/// - all: every restored image (config digest verifies, top layer present in layerdb).
/// - children: images whose parent is another restored image.
/// - top-level (`docker images`): has any reference (tag or digest) OR has no children.
/// - dangling (`dangling=true`): no children AND no tag (digest-only references still count as dangling).
/// - intermediate: all minus top-level (has children and no reference at all).
/// - `rmi <id>` removes the image, then walks up the parents and removes each parent
///   that has no reference, no container and no remaining child; it stops at the first that does.
/// - layers are reference counted by chain ID: a layer is freed when no remaining image uses it.
public struct ImageStoreModel: Sendable {
    /// Restored images by ID.
    public var images: [String: EngineImage]
    /// All references from `repositories.json` (those naming unknown images are ignored by the rules).
    public var references: [EngineImageReference]
    /// Layer sizes in bytes by chain ID (layerdb `size`: the layer's own bytes).
    public var layerSizes: [String: Int64]
    /// Image IDs used by containers (`containers/*/config.v2.json` `Image`); rmi stops at these.
    public var containerImageIDs: Set<String>

    /// Creates a model from already-restored images, references, layer sizes and container images.
    public init(
        images: [EngineImage],
        references: [EngineImageReference] = [],
        layerSizes: [String: Int64] = [:],
        containerImageIDs: Set<String> = []
    ) {
        var byID: [String: EngineImage] = [:]
        for image in images { byID[image.id] = image }
        self.images = byID
        self.references = references
        self.layerSizes = layerSizes
        self.containerImageIDs = containerImageIDs
    }

    // MARK: - Listing rules

    /// Every image the engine lists with `docker images -a`.
    public func allIDs() -> Set<String> {
        Set(images.keys)
    }

    /// Images listed by plain `docker images`: referenced (tag or digest) or childless.
    public func topLevelIDs() -> Set<String> {
        let kids = childrenByID()
        let refs = referencesByImage()
        return Set(images.keys.filter { id in
            !refs[id, default: []].isEmpty || kids[id, default: []].isEmpty
        })
    }

    /// Images listed by `docker images -f dangling=true`: childless and without a tag.
    public func danglingIDs() -> Set<String> {
        let kids = childrenByID()
        let tagged = taggedIDs()
        return Set(images.keys.filter { kids[$0, default: []].isEmpty && !tagged.contains($0) })
    }

    /// Untagged images that are some image's parent and have no reference (shown only by `-a`).
    public func intermediateIDs() -> Set<String> {
        allIDs().subtracting(topLevelIDs())
    }

    /// Image IDs that carry at least one tag (not just a digest reference).
    public func taggedIDs() -> Set<String> {
        Set(references.filter { !$0.isDigest && images[$0.imageID] != nil }.map(\.imageID))
    }

    /// References grouped by the image they point to (only for restored images).
    public func referencesByImage() -> [String: [EngineImageReference]] {
        var result: [String: [EngineImageReference]] = [:]
        for ref in references where images[ref.imageID] != nil {
            result[ref.imageID, default: []].append(ref)
        }
        return result
    }

    /// Children of each image, counting only restored images.
    public func childrenByID() -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for image in images.values {
            if let parent = image.parentID, images[parent] != nil {
                result[parent, default: []].insert(image.id)
            }
        }
        return result
    }

    // MARK: - rmi rules

    /// The ancestors that `docker rmi <id>` removes together with `id`, nearest first.
    ///
    /// Assumes the delete itself succeeds (see `deleteConflict(for:)`).
    public func exclusiveAncestors(of id: String) -> [String] {
        removalOrder(deleting: [id]).filter { $0 != id }
    }

    /// Every image removed by deleting `ids` one after another (as `docker rmi a b …`), in order.
    ///
    /// IDs that are unknown or would conflict are skipped, as the engine refuses them.
    public func removalOrder(deleting ids: [String]) -> [String] {
        var kids = childrenByID()
        let refs = referencesByImage()
        var removed: [String] = []
        var gone: Set<String> = []
        for id in ids where images[id] != nil && !gone.contains(id) {
            guard conflict(for: id, children: kids, references: refs) == nil else { continue }
            var current = id
            while true {
                removed.append(current)
                gone.insert(current)
                guard let parent = images[current]?.parentID, images[parent] != nil else { break }
                kids[parent, default: []].remove(current)
                let blocked = !kids[parent, default: []].isEmpty
                    || !refs[parent, default: []].isEmpty
                    || containerImageIDs.contains(parent)
                if blocked { break }
                current = parent
            }
        }
        return removed
    }

    /// Why the engine would refuse `DELETE /images/<id>` (by ID, no force), or nil if it succeeds.
    public func deleteConflict(for id: String) -> String? {
        conflict(for: id, children: childrenByID(), references: referencesByImage())
    }

    /// The delete conflict for `id` given the current children and references.
    private func conflict(
        for id: String,
        children: [String: Set<String>],
        references: [String: [EngineImageReference]]
    ) -> String? {
        guard images[id] != nil else { return "No such image" }
        if !children[id, default: []].isEmpty { return "image has dependent child images" }
        if containerImageIDs.contains(id) { return "image is being used by a container" }
        let names = Set(references[id, default: []].map { Self.repositoryName(of: $0.reference) })
        if names.count > 1 { return "image is referenced in multiple repositories" }
        return nil
    }

    // MARK: - Sizes

    /// Bytes freed on disk when `removing` images are gone: layers no remaining image uses.
    public func bytesFreed(removing: Set<String>) -> Int64 {
        freedLayers(removing: removing).reduce(0) { $0 + (layerSizes[$1] ?? 0) }
    }

    /// Chain IDs of the layers that would be deleted with `removing` (the engine's "Deleted: <chainID>" lines).
    public func freedLayers(removing: Set<String>) -> Set<String> {
        var kept: Set<String> = []
        var candidates: Set<String> = []
        for image in images.values {
            if removing.contains(image.id) {
                candidates.formUnion(image.chainIDs)
            } else {
                kept.formUnion(image.chainIDs)
            }
        }
        return candidates.subtracting(kept)
    }

    /// The image's size as `docker images` shows it: the sum of its chain's layer sizes.
    public func size(of id: String) -> Int64? {
        guard let image = images[id] else { return nil }
        return image.chainIDs.reduce(0) { $0 + (layerSizes[$1] ?? 0) }
    }

    // MARK: - Helpers

    /// OCI chain IDs: chainID(1) = diffID(1); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)).
    public static func chainIDs(forDiffIDs diffIDs: [String]) -> [String] {
        var result: [String] = []
        result.reserveCapacity(diffIDs.count)
        for diffID in diffIDs {
            if let previous = result.last {
                result.append("sha256:" + EngineSHA256.hex(Array("\(previous) \(diffID)".utf8)))
            } else {
                result.append(diffID)
            }
        }
        return result
    }

    /// The lowercase hex SHA-256 of `bytes` (how image IDs and chain IDs are derived).
    public static func sha256Hex(of bytes: [UInt8]) -> String {
        EngineSHA256.hex(bytes)
    }

    /// The repository part of a reference (`"app"` for `"app:1"`, `"reg:5000/a"` for `"reg:5000/a@sha256:…"`).
    public static func repositoryName(of reference: String) -> String {
        if let at = reference.firstIndex(of: "@") { return String(reference[..<at]) }
        if let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") {
            return String(reference[..<colon])
        }
        return reference
    }
}

/// A minimal SHA-256 (FIPS 180-4) so the model needs nothing beyond Foundation.
///
/// Used for chain IDs and for verifying that an image config matches its ID.
enum EngineSHA256 {
    /// Round constants.
    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    /// The lowercase hex SHA-256 of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        var h: [UInt32] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        ]
        var message = bytes
        let bitLength = UInt64(bytes.count) &* 8
        message.append(0x80)
        while message.count % 64 != 56 { message.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var w = [UInt32](repeating: 0, count: 64)
        for block in stride(from: 0, to: message.count, by: 64) {
            for i in 0..<16 {
                let j = block + i * 4
                w[i] = UInt32(message[j]) << 24 | UInt32(message[j + 1]) << 16 | UInt32(message[j + 2]) << 8 | UInt32(message[j + 3])
            }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
            for i in 0..<64 {
                let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
                let ch = (e & f) ^ (~e & g)
                let t1 = hh &+ s1 &+ ch &+ k[i] &+ w[i]
                let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
                let maj = (a & b) ^ (a & c) ^ (b & c)
                let t2 = s0 &+ maj
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
            h[0] = h[0] &+ a; h[1] = h[1] &+ b; h[2] = h[2] &+ c; h[3] = h[3] &+ d
            h[4] = h[4] &+ e; h[5] = h[5] &+ f; h[6] = h[6] &+ g; h[7] = h[7] &+ hh
        }
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for word in h {
            for shift in stride(from: 28, through: 0, by: -4) { out.append(digits[Int((word >> UInt32(shift)) & 0xf)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Rotates `x` right by `n` bits.
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
        (x >> n) | (x << (32 - n))
    }
}
