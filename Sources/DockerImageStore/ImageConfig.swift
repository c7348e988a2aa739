import RegistrySweep

/// The parts of an image config (`imagedb/content/sha256/<id>`) that the store rules need.
///
/// The whole document is validated as JSON; only `created` and `rootfs.diff_ids` are kept. Like the
/// engine (`image.NewFromJSON`), a config without `rootfs` is rejected.
package struct ImageConfig: Sendable, Hashable {
    /// The `created` time in seconds since 1970; `nil` when absent or not RFC 3339.
    package var created: Double?
    /// `rootfs.diff_ids`, bottom layer first.
    package var diffIDs: [Digest]

    /// Parses a config file's bytes.
    ///
    /// - Throws: a path-less `SweepError` (cursor error) for invalid JSON, a missing `rootfs`, or a
    ///   diff ID that is not a sha256 digest; the loader names the file.
    /// - Complexity: O(n) in the document size.
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws(SweepError) -> ImageConfig {
        var config = ImageConfig(created: nil, diffIDs: [])
        var sawRootFS = false
        try JSONCursor.forEachMember(of: bytes, what: "an image config") { cursor, key throws(SweepError) in
            if cursor.equals(key, "created") {
                config.created = try cursor.readOptionalString(field: "created").flatMap(Timestamp.parseRFC3339)
            } else if cursor.equals(key, "rootfs") {
                if try cursor.consumeNull() { return }
                sawRootFS = true
                guard try cursor.peek() == 0x7B else { throw cursor.fail("\"rootfs\" is not an object") }
                try cursor.forEachMember { cursor, key throws(SweepError) in
                    guard cursor.equals(key, "diff_ids") else { return try cursor.skipValue() }
                    if try cursor.consumeNull() { return }
                    guard try cursor.peek() == 0x5B else { throw cursor.fail("\"diff_ids\" is not an array") }
                    try cursor.forEachElement { cursor, _ throws(SweepError) in
                        config.diffIDs.append(try cursor.readImageID(field: "diff_ids"))
                    }
                }
            } else {
                try cursor.skipValue()
            }
        }
        guard sawRootFS else { throw SweepError(.invalidImageStore, "no \"rootfs\" (the engine does not load it)") }
        return config
    }
}

/// One legacy image description (`graph/<id>/json`, Docker 1.9 and older).
package struct LegacyImageConfig: Sendable, Hashable {
    /// The `id` member (64 hex digits); the loader checks it equals the directory name.
    package var id: Digest?
    /// The `parent` member, if any.
    package var parent: Digest?
    /// The `created` time in seconds since 1970.
    package var created: Double?
    /// The `Size` member: this image's own layer bytes, if recorded.
    package var size: Int?

    /// Parses a `graph/<id>/json` file's bytes.
    ///
    /// - Throws: a path-less `SweepError` (cursor error) for invalid JSON or an ID that is not 64 hex digits.
    /// - Complexity: O(n) in the document size.
    package static func parse(_ bytes: UnsafeRawBufferPointer) throws(SweepError) -> LegacyImageConfig {
        var config = LegacyImageConfig()
        try JSONCursor.forEachMember(of: bytes, what: "a legacy image description") { cursor, key throws(SweepError) in
            if cursor.equals(key, "id") {
                config.id = try cursor.readImageID(field: "id", allowBareHex: true)
            } else if cursor.equals(key, "parent") {
                let text = try cursor.readOptionalString(field: "parent") ?? ""
                if text.isEmpty { return }
                guard let parent = JSONCursor.imageID(text, allowBareHex: true) else {
                    throw cursor.fail("\"parent\" is not an image ID: \(JSONCursor.preview(text))")
                }
                config.parent = parent
            } else if cursor.equals(key, "created") {
                config.created = try cursor.readOptionalString(field: "created").flatMap(Timestamp.parseRFC3339)
            } else if cursor.equals(key, "Size") {
                config.size = try cursor.readOptionalInteger(field: "Size")
            } else {
                try cursor.skipValue()
            }
        }
        return config
    }
}

/// The references file: `repositories.json` (current) or `repositories-<driver>` (legacy).
///
/// Both are `{"Repositories": {"<name>": {"<key>": "<image id>"}}}`. Current keys are whole references
/// (`name:tag`, `name@sha256:…`) and IDs are `sha256:<hex>`; legacy keys are bare tags or digests and IDs
/// are bare hex.
package enum RepositoriesFile {
    /// Parses the file's bytes into references, in file order.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - legacy: keys are bare tags (`latest`) or digests (`sha256:…`) to prefix with the repository name.
    /// - Throws: a path-less `SweepError` (cursor error) for invalid JSON or a value that is not an image ID.
    /// - Complexity: O(n) in the file size.
    package static func parse(_ bytes: UnsafeRawBufferPointer, legacy: Bool) throws(SweepError)
        -> [EngineImageReference]
    {
        var result: [EngineImageReference] = []
        try JSONCursor.forEachMember(of: bytes, what: "a repositories file") { cursor, key throws(SweepError) in
            guard cursor.equals(key, "Repositories") else { return try cursor.skipValue() }
            if try cursor.consumeNull() { return }
            guard try cursor.peek() == 0x7B else { throw cursor.fail("\"Repositories\" is not an object") }
            try cursor.forEachMember { cursor, nameToken throws(SweepError) in
                let name = cursor.string(nameToken)
                guard try cursor.peek() == 0x7B else {
                    throw cursor.fail("repository \(JSONCursor.preview(name)) is not an object")
                }
                try cursor.forEachMember { cursor, keyToken throws(SweepError) in
                    let key = cursor.string(keyToken)
                    let image = try cursor.readImageID(field: key, allowBareHex: legacy)
                    let reference = !legacy ? key : key.hasPrefix("sha256:") ? "\(name)@\(key)" : "\(name):\(key)"
                    result.append(EngineImageReference(reference: reference, image: image))
                }
            }
        }
        return result
    }
}
