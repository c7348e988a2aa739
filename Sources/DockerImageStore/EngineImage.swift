import RegistrySweep

import struct Crypto.SHA256

/// One image as the Docker engine restores it from its local image store.
///
/// In the current layout (`image/<driver>/imagedb`) the ID is the SHA-256 of the image's config file and
/// `layers` are the OCI chain IDs of its `rootfs.diff_ids`. A legacy (`graph/`) image's ID is its 64-hex
/// directory name and it has one layer of its own, so its `layers` are the IDs of its lineage, root first.
///
/// ## Performance
/// 32-byte inline ID and parent, one array of 32-byte chain IDs (one per layer), no strings.
public struct EngineImage: Sendable, Hashable {
    /// The image ID (printed `sha256:<hex>`).
    public var id: Digest
    /// The parent image, from `imagedb/metadata/sha256/<id>/parent` (locally built images only).
    public var parent: Digest?
    /// Chain IDs of the image's layers, bottom first; the last one is the image's top layer.
    public var layers: [Digest]
    /// The config's `created` time in seconds since 1970, if present and valid RFC 3339.
    public var created: Double?

    /// Creates an image record.
    ///
    /// - Parameters:
    ///   - id: the image ID.
    ///   - parent: the parent image ID, if any.
    ///   - layers: chain IDs of its layers, bottom first.
    ///   - created: creation time in seconds since 1970.
    public init(id: Digest, parent: Digest? = nil, layers: [Digest], created: Double? = nil) {
        self.id = id
        self.parent = parent
        self.layers = layers
        self.created = created
    }

    /// OCI chain IDs for `diffIDs`: chainID(1) = diffID(1); chainID(n) = sha256(chainID(n-1) + " " + diffID(n)).
    ///
    /// - Parameter diffIDs: a config's `rootfs.diff_ids`, bottom layer first.
    /// - Returns: one chain ID per diff ID (layerdb directory names).
    /// - Complexity: O(n), one SHA-256 of 143 bytes per layer above the first.
    public static func chainIDs(diffIDs: [Digest]) -> [Digest] {
        var result: [Digest] = []
        result.reserveCapacity(diffIDs.count)
        for diffID in diffIDs {
            guard let previous = result.last else {
                result.append(diffID)
                continue
            }
            result.append(Digest(bytes: SHA256.hash(data: Array("\(previous) \(diffID)".utf8))))
        }
        return result
    }
}

/// One entry of `repositories.json`: a tag (`name:tag`) or a digest reference (`name@sha256:…`).
public struct EngineImageReference: Sendable, Hashable {
    /// The reference as the engine prints it, e.g. `app:1`, `registry:5000/a/b:latest` or `app@sha256:…`.
    public var reference: String
    /// The image it points to.
    public var image: Digest

    /// Creates a reference.
    ///
    /// - Parameters:
    ///   - reference: `name:tag` or `name@sha256:<hex>`.
    ///   - image: the image ID it points to.
    public init(reference: String, image: Digest) {
        self.reference = reference
        self.image = image
    }

    /// True for a digest reference (`name@sha256:…`): it pins content, it is not a tag.
    public var isDigest: Bool { reference.utf8.contains(0x40) }

    /// The repository part: `app` for `app:1`, `reg:5000/a` for `reg:5000/a:2` or `reg:5000/a@sha256:…`.
    public var repository: String {
        if let at = reference.firstIndex(of: "@") { return String(reference[..<at]) }
        if let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") {
            return String(reference[..<colon])
        }
        return reference
    }

    /// The tag part (`1` for `app:1`); `nil` for a digest reference.
    public var tag: String? {
        guard !isDigest, let colon = reference.lastIndex(of: ":"), !reference[colon...].contains("/") else {
            return nil
        }
        return String(reference[reference.index(after: colon)...])
    }
}

/// What an image is to the engine's listing rules; every restored image has exactly one kind.
public enum ImageKind: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Has at least one tag. Listed by `docker images`.
    case tagged
    /// No tag, and no image names it as parent: waste left by a moved tag or an untagged import.
    /// Listed by `docker images` and `docker images -f dangling=true`.
    case dangling
    /// No tag, but a digest reference (`name@sha256:…`) and children: kept, listed by `docker images`.
    case referenced
    /// No reference at all, but children: a build step another image is built on. Listed only by `-a`.
    case intermediate

    /// The kinds `docker images` lists (top-level images: referenced or childless).
    public static let topLevel: Set<ImageKind> = [.tagged, .dangling, .referenced]

    /// The raw value (`tagged`, `dangling`, `referenced`, `intermediate`).
    public var description: String { rawValue }
}
