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
        var cursor = JSONCursor(bytes)
        guard try cursor.peek() == 0x7B else { throw cursor.fail("a manifest is a JSON object") }
        var fields = Fields()
        try cursor.forEachMember { cursor, key throws(SweepError) in
            try fields.read(&cursor, key)
        }
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.fail("content after the end of the document") }
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
                if let descriptor = try Self.descriptor(&cursor, field: "config") { append(descriptor, to: \.blobs) }
            } else if cursor.equals(key, "subject") {
                if try cursor.consumeNull() { return }
                subject = try Self.descriptor(&cursor, field: "subject")?.digest
            } else if cursor.equals(key, "layers") {
                hasLayers = true
                try list(&cursor, field: "layers", into: \.blobs)
            } else if cursor.equals(key, "blobs") {
                hasBlobs = true
                try list(&cursor, field: "blobs", into: \.blobs)
            } else if cursor.equals(key, "manifests") {
                hasManifests = true
                try list(&cursor, field: "manifests", into: \.children)
            } else if cursor.equals(key, "fsLayers") {
                hasFSLayers = true
                try list(&cursor, field: "fsLayers", into: \.blobs, digestKey: "blobSum")
            } else {
                try cursor.skipValue()
            }
        }

        mutating func append(_ descriptor: (digest: Digest, foreign: Bool), to list: WritableKeyPath<Fields, [Digest]>) {
            if !self[keyPath: list].contains(descriptor.digest) { self[keyPath: list].append(descriptor.digest) }
            if descriptor.foreign && !foreign.contains(descriptor.digest) { foreign.append(descriptor.digest) }
        }

        mutating func list(
            _ cursor: inout JSONCursor, field: String, into target: WritableKeyPath<Fields, [Digest]>,
            digestKey: StaticString = "digest"
        ) throws(SweepError) {
            if try cursor.consumeNull() { return }
            guard try cursor.peek() == 0x5B else { throw cursor.fail("\(field) is not an array") }
            var found: [(digest: Digest, foreign: Bool)] = []
            try cursor.forEachElement { cursor, index throws(SweepError) in
                if let descriptor = try Self.descriptor(&cursor, field: "\(field)[\(index)]", digestKey: digestKey) {
                    found.append(descriptor)
                }
            }
            for descriptor in found { append(descriptor, to: target) }
        }

        /// Reads a descriptor object; returns its digest and whether it lists `urls`.
        static func descriptor(_ cursor: inout JSONCursor, field: String, digestKey: StaticString = "digest")
            throws(SweepError) -> (digest: Digest, foreign: Bool)?
        {
            guard try cursor.peek() == 0x7B else { throw cursor.fail("\(field) is not an object") }
            var digest: Digest?
            var foreign = false
            try cursor.forEachMember { cursor, key throws(SweepError) in
                if cursor.equals(key, digestKey) {
                    guard try cursor.peek() == 0x22 else { throw cursor.fail("\(field).\(digestKey) is not a string") }
                    let token = try cursor.readString()
                    let text = cursor.decoded(token)
                    let parsed = text.withUnsafeBytes { Digest.parse($0) }
                    switch parsed {
                    case .success(let value): digest = value
                    case .failure(.unsupportedAlgorithm):
                        throw SweepError(.invalidManifest, "\(field) uses a digest algorithm other than sha256: \(String(decoding: text.prefix(80), as: UTF8.self))")
                    case .failure:
                        throw SweepError(.invalidManifest, "\(field) has an invalid digest: \(String(decoding: text.prefix(80), as: UTF8.self))")
                    }
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
            guard let digest else {
                throw SweepError(.invalidManifest, "\(field) has no \(digestKey)")
            }
            return (digest, foreign)
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
