/// Extracts what a manifest references from its raw bytes, for every kind a registry stores.
///
/// The whole document is validated as JSON; only `schemaVersion`, `mediaType`, `config`,
/// `layers`, `manifests`, `blobs`, `subject` and `fsLayers[].blobSum` are extracted.
/// Documents without `mediaType` are classified by the fields present, as the
/// registry does for OCI content. Duplicate members are all honoured (what any
/// parser could see is kept).
///
/// ## Performance
/// One pass over the bytes; allocations are the result arrays only.
public enum ManifestParser {
    /// The registry's own limit for a manifest body (distribution v3: 4 MiB).
    public static let maxManifestSize = 4 * 1024 * 1024

    /// Parses a manifest.
    ///
    /// - Parameter bytes: the manifest's content (a blob's `data`).
    /// - Returns: its kind and references.
    /// - Throws: `SweepError` with code `.invalidManifest` (empty, truncated, invalid JSON,
    ///   invalid digest, too large) or `.unknownManifestKind` (valid JSON of another kind).
    ///   The error carries no path; callers add it.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(SweepError) -> ParsedManifest {
        if bytes.isEmpty { throw SweepError(.invalidManifest, "empty manifest") }
        if bytes.count > maxManifestSize {
            throw SweepError(.invalidManifest, "manifest is \(bytes.count) bytes, over the \(maxManifestSize)-byte limit")
        }
        var fields = Fields()
        try JSONCursor.forEachMember(of: bytes, what: "a manifest") { cursor, key throws(SweepError) in
            try fields.read(&cursor, key)
        }
        return try fields.classify()
    }

    /// Parses a manifest held in an array (convenience for tests and tools).
    public static func parse(_ bytes: [UInt8]) throws(SweepError) -> ParsedManifest {
        do {
            return try bytes.withUnsafeBytes { raw in try parse(raw) }
        } catch let error as SweepError {
            throw error
        } catch {
            throw SweepError(.invalidManifest, "\(error)")
        }
    }

    /// The members collected from the top-level object.
    private struct Fields {
        var schemaVersion: Int?
        var mediaType: String?
        var hasConfig = false
        var hasLayers = false
        var hasManifests = false
        var hasBlobs = false
        var hasFSLayers = false
        var blobs: [Digest] = []
        var foreign: [Digest] = []
        var children: [Digest] = []
        var subject: Digest?

        mutating func read(_ cursor: inout JSONCursor, _ key: JSONCursor.StringToken) throws(SweepError) {
            if cursor.equals(key, "schemaVersion") {
                if try cursor.consumeNull() { return }
                schemaVersion = try cursor.readInteger()
            } else if cursor.equals(key, "mediaType") {
                if try cursor.consumeNull() { return }
                guard try cursor.peek() == 0x22 else { throw cursor.fail("mediaType is not a string") }
                mediaType = cursor.string(try cursor.readString())
            } else if cursor.equals(key, "config") {
                if try cursor.consumeNull() { return }
                hasConfig = true
                var found: [Digest] = []
                let isForeign = try Self.descriptor(&cursor, field: "config", digests: &found)
                add(found, foreign: isForeign, toChildren: false)
            } else if cursor.equals(key, "subject") {
                if try cursor.consumeNull() { return }
                // With a duplicated digest member, the last one is what Go (the registry) reads.
                var found: [Digest] = []
                _ = try Self.descriptor(&cursor, field: "subject", digests: &found)
                subject = found.last
            } else if cursor.equals(key, "layers") {
                hasLayers = try list(&cursor, field: "layers", toChildren: false) || hasLayers
            } else if cursor.equals(key, "blobs") {
                hasBlobs = try list(&cursor, field: "blobs", toChildren: false) || hasBlobs
            } else if cursor.equals(key, "manifests") {
                hasManifests = try list(&cursor, field: "manifests", toChildren: true) || hasManifests
            } else if cursor.equals(key, "fsLayers") {
                hasFSLayers = try list(&cursor, field: "fsLayers", toChildren: false, digestKey: "blobSum") || hasFSLayers
            } else {
                try cursor.skipValue()
            }
        }

        /// Adds a descriptor's digests to `children` or `blobs` (each once), and to `foreign`.
        mutating func add(_ digests: [Digest], foreign isForeign: Bool, toChildren: Bool) {
            for digest in digests {
                if toChildren {
                    if !children.contains(digest) { children.append(digest) }
                } else {
                    if !blobs.contains(digest) { blobs.append(digest) }
                }
                if isForeign && !foreign.contains(digest) { foreign.append(digest) }
            }
        }

        /// Reads a list of descriptors; returns false if it was `null` (absent). (A failure
        /// anywhere fails the whole manifest, so what was added before it does not matter.)
        mutating func list(
            _ cursor: inout JSONCursor, field: StaticString, toChildren: Bool, digestKey: StaticString = "digest"
        ) throws(SweepError) -> Bool {
            if try cursor.consumeNull() { return false }
            guard try cursor.peek() == 0x5B else { throw cursor.fail("\(field) is not an array") }
            var scratch: [Digest] = []
            try cursor.forEachElement { cursor, index throws(SweepError) in
                scratch.removeAll(keepingCapacity: true)
                let isForeign = try Self.descriptor(&cursor, field: "\(field)[\(index)]", digestKey: digestKey, digests: &scratch)
                add(scratch, foreign: isForeign, toChildren: toChildren)
            }
            return true
        }

        /// Reads a descriptor object; appends its digest to `digests` (every one, if the member
        /// is duplicated: parsers disagree on which wins) and returns whether it lists `urls`.
        ///
        /// - Parameter field: the descriptor's place, for messages (built only on error).
        static func descriptor(
            _ cursor: inout JSONCursor, field: @autoclosure () -> String, digestKey: StaticString = "digest",
            digests: inout [Digest]
        ) throws(SweepError) -> Bool {
            guard try cursor.peek() == 0x7B else { throw cursor.fail("\(field()) is not an object") }
            let before = digests.count
            var foreign = false
            try cursor.forEachMember { cursor, key throws(SweepError) in
                if cursor.equals(key, digestKey) {
                    guard try cursor.peek() == 0x22 else { throw cursor.fail("\(field()).\(digestKey) is not a string") }
                    let token = try cursor.readString()
                    let digest = try cursor.withDecoded(token) { text throws(SweepError) -> Digest in
                        switch Digest.parse(text) {
                        case .success(let value): return value
                        case .failure(.unsupportedAlgorithm):
                            throw SweepError(.invalidManifest, "\(field()) uses a digest algorithm other than sha256: \(String(decoding: text.prefix(80), as: UTF8.self))")
                        case .failure:
                            throw SweepError(.invalidManifest, "\(field()) has an invalid digest: \(String(decoding: text.prefix(80), as: UTF8.self))")
                        }
                    }
                    digests.append(digest)
                } else if cursor.equals(key, "urls") {
                    if try cursor.peek() == 0x5B {
                        try cursor.forEachElement { cursor, _ throws(SweepError) in
                            foreign = true
                            try cursor.skipValue()
                        }
                    } else {
                        try cursor.skipValue()
                    }
                } else {
                    try cursor.skipValue()
                }
            }
            guard digests.count > before else {
                throw SweepError(.invalidManifest, "\(field()) has no \(digestKey)")
            }
            return foreign
        }

        func classify() throws(SweepError) -> ParsedManifest {
            let kind: ManifestKind
            if schemaVersion == 1 {
                kind = .schema1
            } else if let mediaType {
                guard let known = ManifestKind(mediaType: mediaType), known != .schema1 else {
                    throw SweepError(.unknownManifestKind, "unknown manifest media type \"\(mediaType.prefix(120))\"")
                }
                kind = known
            } else if schemaVersion == 2 {
                // OCI documents may omit mediaType: tell the kind by the fields present.
                if hasManifests && !hasConfig && !hasLayers {
                    kind = .ociIndex
                } else if hasConfig && !hasManifests {
                    kind = .ociImage
                } else {
                    throw SweepError(.unknownManifestKind, "schemaVersion 2 document without mediaType that is neither an image manifest nor an index")
                }
            } else if hasBlobs && schemaVersion == nil {
                kind = .ociArtifact
            } else {
                let version = schemaVersion.map(String.init) ?? "none"
                throw SweepError(.unknownManifestKind, "not a manifest (schemaVersion \(version), no mediaType)")
            }
            if kind == .schema1 && !hasFSLayers {
                throw SweepError(.invalidManifest, "schema 1 manifest without fsLayers")
            }
            return ParsedManifest(
                kind: kind, mediaType: mediaType, blobs: blobs, foreignLayers: foreign, children: children,
                subject: subject)
        }
    }
}
