import RegistrySweep

/// One entry of the Engine API's `GET /images/json`, with the `<none>` placeholders removed.
public struct EngineImageSummary: Sendable, Hashable {
    /// The image ID.
    public var id: Digest
    /// The parent image ID (`ParentId`), `nil` when empty.
    public var parent: Digest?
    /// Tags (`name:tag`); empty when untagged (the API's `<none>:<none>` is dropped).
    public var repoTags: [String]
    /// Digest references (`name@sha256:…`); `<none>@<none>` is dropped.
    public var repoDigests: [String]
    /// Creation time, seconds since 1970.
    public var created: Int
    /// Size in bytes: the sum of the image's layers.
    public var size: Int

    /// Creates a summary.
    public init(id: Digest, parent: Digest?, repoTags: [String], repoDigests: [String], created: Int, size: Int) {
        self.id = id
        self.parent = parent
        self.repoTags = repoTags
        self.repoDigests = repoDigests
        self.created = created
        self.size = size
    }

    /// Decodes a `GET /images/json` answer.
    ///
    /// - Throws: a path-less cursor error when the body is not a list of image objects with an `Id`.
    package static func decodeList(_ body: [UInt8]) throws(SweepError) -> [EngineImageSummary] {
        var result: [EngineImageSummary] = []
        try JSONCursor.withBytes(body) { (raw) throws(SweepError) in
            try JSONCursor.forEachElement(of: raw, what: "an image list") { cursor, _ throws(SweepError) in
                var id: Digest?
                var item = EngineImageSummary(
                    id: Digest(w0: 0, w1: 0, w2: 0, w3: 0), parent: nil, repoTags: [],
                    repoDigests: [], created: 0, size: 0)
                guard try cursor.peek() == 0x7B else { throw cursor.fail("an image entry is not an object") }
                try cursor.forEachMember { cursor, key throws(SweepError) in
                    if cursor.equals(key, "Id") {
                        id = try cursor.readImageID(field: "Id")
                    } else if cursor.equals(key, "ParentId") {
                        let text = try cursor.readOptionalString(field: "ParentId") ?? ""
                        item.parent = text.isEmpty ? nil : Digest(text)
                    } else if cursor.equals(key, "RepoTags") {
                        item.repoTags = try cursor.readStringArray(field: "RepoTags").filter { $0 != "<none>:<none>" }
                    } else if cursor.equals(key, "RepoDigests") {
                        item.repoDigests = try cursor.readStringArray(field: "RepoDigests").filter {
                            $0 != "<none>@<none>"
                        }
                    } else if cursor.equals(key, "Created") {
                        item.created = try cursor.readOptionalInteger(field: "Created") ?? 0
                    } else if cursor.equals(key, "Size") {
                        item.size = try cursor.readOptionalInteger(field: "Size") ?? 0
                    } else {
                        try cursor.skipValue()
                    }
                }
                guard let id else { throw cursor.fail("an image entry has no Id") }
                item.id = id
                result.append(item)
            }
        }
        return result
    }
}

/// One line of a `DELETE /images/<id>` answer.
public enum ImageDeleteRecord: Sendable, Hashable {
    /// A reference was removed (`{"Untagged": "app@sha256:…"}`).
    case untagged(String)
    /// An image ID or a layer chain ID was removed (`{"Deleted": "sha256:…"}`).
    case deleted(Digest)

    /// Decodes a `DELETE /images/<id>` answer.
    ///
    /// - Throws: a path-less cursor error when the body is not a list of `Untagged`/`Deleted` objects.
    package static func decodeList(_ body: [UInt8]) throws(SweepError) -> [ImageDeleteRecord] {
        var records: [ImageDeleteRecord] = []
        try JSONCursor.withBytes(body) { (raw) throws(SweepError) in
            try JSONCursor.forEachElement(of: raw, what: "a delete answer") { cursor, _ throws(SweepError) in
                guard try cursor.peek() == 0x7B else { throw cursor.fail("a delete record is not an object") }
                try cursor.forEachMember { cursor, key throws(SweepError) in
                    if cursor.equals(key, "Untagged") {
                        if let reference = try cursor.readOptionalString(field: "Untagged") {
                            records.append(.untagged(reference))
                        }
                    } else if cursor.equals(key, "Deleted") {
                        records.append(.deleted(try cursor.readImageID(field: "Deleted")))
                    } else {
                        try cursor.skipValue()
                    }
                }
            }
        }
        return records
    }
}

/// The outcome of `DELETE /images/<id>`.
public enum ImageDeleteResult: Sendable, Hashable {
    /// 200: what was untagged and deleted (images, then their freed layers), in engine order.
    case deleted([ImageDeleteRecord])
    /// 409: a child image, a container, or references in several repositories keep the image.
    case conflict(message: String)
    /// 404: no such image (already gone).
    case notFound(message: String)
}

/// Decoders for the smaller answers the prune needs.
extension EngineImageSummary {
    /// The `ImageID` of every container in a `GET /containers/json?all=1` answer.
    ///
    /// - Throws: a path-less cursor error when the body is not a list of container objects.
    package static func decodeContainerImages(_ body: [UInt8]) throws(SweepError) -> Set<Digest> {
        var images: Set<Digest> = []
        try JSONCursor.withBytes(body) { (raw) throws(SweepError) in
            try JSONCursor.forEachElement(of: raw, what: "a container list") { cursor, _ throws(SweepError) in
                guard try cursor.peek() == 0x7B else { throw cursor.fail("a container entry is not an object") }
                try cursor.forEachMember { cursor, key throws(SweepError) in
                    guard cursor.equals(key, "ImageID") else { return try cursor.skipValue() }
                    if let text = try cursor.readOptionalString(field: "ImageID"), let image = Digest(text) {
                        images.insert(image)
                    }
                }
            }
        }
        return images
    }

    /// The `RepoTags` of a `GET /images/<id>/json` answer (without `<none>:<none>`).
    ///
    /// - Throws: a path-less cursor error when the body is not an image object.
    package static func decodeInspectTags(_ body: [UInt8]) throws(SweepError) -> [String] {
        var tags: [String] = []
        try JSONCursor.withBytes(body) { (raw) throws(SweepError) in
            try JSONCursor.forEachMember(of: raw, what: "an image") { cursor, key throws(SweepError) in
                guard cursor.equals(key, "RepoTags") else { return try cursor.skipValue() }
                tags = try cursor.readStringArray(field: "RepoTags").filter { $0 != "<none>:<none>" }
            }
        }
        return tags
    }
}
