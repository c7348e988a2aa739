/// Extracts what a manifest references from its raw bytes, for every kind a registry stores,
/// reading it exactly as the registry does (Go's `encoding/json`, distribution 2.8.2's
/// `manifestStore.Get`), because what the registry reads is what it serves.
///
/// The whole document is validated as JSON; only `schemaVersion`, `mediaType`, `config`,
/// `layers`, `manifests`, `blobs`, `subject`, `fsLayers[].blobSum` and descriptors' `digest`
/// and `urls` are read. As in Go:
/// - member names match case-insensitively with Unicode simple folding (`Layers`, `LAYERS`,
///   `layerſ` all fill `layers`; see `JSONCursor.matches(_:_:)`); unknown members are skipped;
/// - a repeated scalar member overwrites (last wins); `null` for a scalar or for a
///   non-pointer object (`config`, an array element) changes nothing; `null` for an array or
///   for `subject` (a pointer) makes it absent;
/// - a repeated array is decoded into the same slice: element `i` merges into the element
///   already at `i` (also one past an earlier, shorter array, up to the slice's capacity), the
///   final length is the last array's count, and `[]` makes a fresh empty slice;
/// - nesting up to 10,000 levels is accepted anywhere.
///
/// Where Go would fail (a wrong type in a member read here), or a referenced descriptor ends
/// up without a valid digest, the manifest is `.invalidManifest`: its repository is kept.
///
/// ## Performance
/// One pass over the bytes; allocations are the descriptor slots and the result arrays.
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
            throw SweepError(
                .invalidManifest, "manifest is \(bytes.count) bytes, over the \(maxManifestSize)-byte limit")
        }
        var fields = Fields()
        try JSONCursor.forEachMember(of: bytes, what: "a manifest") { cursor, key throws(SweepError) in
            try fields.read(&cursor, key)
        }
        return try fields.classify(bytes)
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

    /// A descriptor's digest as Go holds it: the zero value (absent, `""`), or the last string read.
    /// Plain data (no reference-counted payload), so descriptor slots copy as bytes.
    private enum DigestValue {
        case empty
        case valid(Digest)
        /// A string that is not a sha256 digest (its token in the document; `unsupported`: of
        /// another algorithm): an error if it is still there at the end.
        case invalid(JSONCursor.StringToken, unsupported: Bool)
    }

    /// One descriptor struct as Go's decoder fills it: a repeated object merges into it.
    private struct Descriptor {
        var digest = DigestValue.empty
        /// The length of the `urls` slice (only its emptiness matters: foreign layers).
        var urlCount = 0

        /// Decodes one value into this descriptor; `null` changes nothing (non-pointer struct).
        ///
        /// - Parameters:
        ///   - field: the descriptor's place, for messages (built only on error).
        ///   - digestKey: `digest`, or `blobSum` for schema 1's `fsLayers`.
        ///   - readsURLs: whether the Go struct has `urls` (not schema 1's `FSLayer`).
        mutating func read(
            _ cursor: inout JSONCursor, field: @autoclosure () -> String, digestKey: StaticString = "digest",
            readsURLs: Bool = true
        ) throws(SweepError) {
            if try cursor.consumeNull() { return }
            guard try cursor.peek() == 0x7B else { throw cursor.fail("\(field()) is not an object") }
            try cursor.forEachMember { cursor, key throws(SweepError) in
                if cursor.matches(key, digestKey) {
                    // The common case, `"sha256:<hex>"`, in one pass; anything else below.
                    if let value = cursor.readPlainDigest() {
                        digest = .valid(value)
                        return
                    }
                    if try cursor.consumeNull() { return }
                    guard try cursor.peek() == 0x22 else {
                        throw cursor.fail("\(field()).\(digestKey) is not a string")
                    }
                    let token = try cursor.readString()
                    digest = try cursor.withDecoded(token) { text -> DigestValue in
                        switch Digest.parse(text) {
                        case .success(let value): .valid(value)
                        case .failure(.unsupportedAlgorithm): .invalid(token, unsupported: true)
                        case .failure: .invalid(token, unsupported: false)
                        }
                    }
                } else if readsURLs && cursor.matches(key, "urls") {
                    if try cursor.consumeNull() {
                        urlCount = 0
                        return
                    }
                    guard try cursor.peek() == 0x5B else { throw cursor.fail("\(field()).urls is not an array") }
                    var count = 0
                    try cursor.forEachElement { cursor, _ throws(SweepError) in
                        count += 1
                        if try cursor.consumeNull() { return }
                        guard try cursor.peek() == 0x22 else { throw cursor.fail("\(field()).urls holds a non-string") }
                        _ = try cursor.readString()
                    }
                    urlCount = count
                } else {
                    try cursor.skipValue()
                }
            }
        }

        /// The final digest.
        ///
        /// - Parameter document: the manifest's bytes (an invalid digest's text is quoted from them).
        /// - Throws: `.invalidManifest` if the descriptor has none, or an invalid one.
        func finalDigest(
            field: @autoclosure () -> String, digestKey: StaticString = "digest", document: UnsafeRawBufferPointer
        ) throws(SweepError) -> Digest {
            switch digest {
            case .valid(let value):
                return value
            case .invalid(let token, let unsupported):
                let text = try JSONCursor(document).withDecoded(token) {
                    String(decoding: $0.prefix(80), as: UTF8.self)
                }
                let problem = unsupported ? "uses a digest algorithm other than sha256" : "has an invalid digest"
                throw SweepError(.invalidManifest, "\(field()) \(problem): \(text)")
            case .empty:
                throw SweepError(.invalidManifest, "\(field()) has no \(digestKey)")
            }
        }
    }

    /// A slice of descriptors as Go's decoder fills it (`decodeState.array`): `slots` is the
    /// backing storage (its count is the slice's capacity), `count` the slice's length.
    private struct DescriptorList {
        var slots: [Descriptor] = []
        var count = 0
        /// Absent or `null`: Go's nil slice (an index is told from an image by this).
        var isNil = true

        /// Decodes one value into the slice.
        ///
        /// - Throws: `.invalidManifest` when the value is neither an array nor `null`, or an
        ///   element is neither an object nor `null`.
        mutating func read(
            _ cursor: inout JSONCursor, field: StaticString, digestKey: StaticString = "digest", readsURLs: Bool = true
        ) throws(SweepError) {
            if try cursor.consumeNull() {
                self = DescriptorList()
                return
            }
            guard try cursor.peek() == 0x5B else { throw cursor.fail("\(field) is not an array") }
            var length = 0
            try cursor.forEachElement { cursor, index throws(SweepError) in
                if index >= slots.count {
                    // Go 1.19 (the registry 2.8.2 binary's compiler) grows a full slice to
                    // max(4, cap + cap/2), copying its `index` elements; the new ones are zero.
                    let capacity = max(4, slots.count + slots.count / 2)
                    slots.append(contentsOf: repeatElement(Descriptor(), count: capacity - slots.count))
                }
                try slots[index].read(&cursor, field: "\(field)[\(index)]", digestKey: digestKey, readsURLs: readsURLs)
                length = index + 1
            }
            count = length
            isNil = false
            if length == 0 { slots = [] }
        }
    }

    /// The members collected from the top-level object, as Go would hold them.
    private struct Fields {
        var schemaVersion: Int?
        var mediaType: String?
        var config = Descriptor()
        /// Whether `config` was ever an object (Go's struct is never nil; ours is absent until then).
        var hasConfig = false
        var layers = DescriptorList()
        var manifests = DescriptorList()
        var blobs = DescriptorList()
        var fsLayers = DescriptorList()
        var subject: Descriptor?

        mutating func read(_ cursor: inout JSONCursor, _ key: JSONCursor.StringToken) throws(SweepError) {
            if cursor.matches(key, "layers") {
                try layers.read(&cursor, field: "layers")
            } else if cursor.matches(key, "config") {
                if try cursor.consumeNull() { return }
                try config.read(&cursor, field: "config")
                hasConfig = true
            } else if cursor.matches(key, "mediaType") {
                if try cursor.consumeNull() { return }
                guard try cursor.peek() == 0x22 else { throw cursor.fail("mediaType is not a string") }
                mediaType = Self.mediaType(try cursor.readString(), cursor)
            } else if cursor.matches(key, "schemaVersion") {
                if try cursor.consumeNull() { return }
                schemaVersion = try cursor.readInteger()
            } else if cursor.matches(key, "manifests") {
                try manifests.read(&cursor, field: "manifests")
            } else if cursor.matches(key, "subject") {
                if try cursor.consumeNull() {
                    subject = nil
                    return
                }
                var pointee = subject ?? Descriptor()
                try pointee.read(&cursor, field: "subject")
                subject = pointee
            } else if cursor.matches(key, "blobs") {
                try blobs.read(&cursor, field: "blobs")
            } else if cursor.matches(key, "fsLayers") {
                try fsLayers.read(&cursor, field: "fsLayers", digestKey: "blobSum", readsURLs: false)
            } else {
                try cursor.skipValue()
            }
        }

        /// A media type as a `String`: a known kind's literal when the bytes spell it (no
        /// allocation for the common case), else decoded from the document.
        private static func mediaType(_ token: JSONCursor.StringToken, _ cursor: JSONCursor) -> String {
            if !token.hasEscapes {
                let text = UnsafeRawBufferPointer(rebasing: cursor.bytes[token.range])
                for known in knownMediaTypes where known.utf8.count == text.count {
                    let equal = known.utf8.withContiguousStorageIfAvailable {
                        JSONCursor.bytesEqual(UnsafeRawBufferPointer($0), text)
                    }
                    if equal == true { return known }
                }
            }
            return cursor.string(token)
        }

        /// The media types of the known kinds (string literals: contiguous, never freed).
        private static let knownMediaTypes = ManifestKind.allCases.map(\.mediaType)

        /// Tells the kind as `manifestStore.Get` does, and collects the final references.
        ///
        /// - Parameter document: the manifest's bytes (quoted in errors).
        func classify(_ document: UnsafeRawBufferPointer) throws(SweepError) -> ParsedManifest {
            let kind: ManifestKind
            if schemaVersion == 1 {
                kind = .schema1
            } else if let mediaType, !mediaType.isEmpty {
                guard let known = ManifestKind(mediaType: mediaType), known != .schema1 else {
                    throw SweepError(.unknownManifestKind, "unknown manifest media type \"\(mediaType.prefix(120))\"")
                }
                kind = known
            } else if schemaVersion == 2 {
                // OCI content may omit mediaType: the registry reads an index if `manifests` is
                // non-nil (even `[]`), else an image manifest.
                kind = manifests.isNil ? .ociImage : .ociIndex
            } else if !blobs.isNil && schemaVersion == nil {
                kind = .ociArtifact
            } else {
                let version = schemaVersion.map(String.init) ?? "none"
                throw SweepError(.unknownManifestKind, "not a manifest (schemaVersion \(version), no mediaType)")
            }
            if kind == .schema1 && fsLayers.isNil {
                throw SweepError(.invalidManifest, "schema 1 manifest without fsLayers")
            }
            var result = ParsedManifest(kind: kind, mediaType: mediaType)
            result.blobs.reserveCapacity((hasConfig ? 1 : 0) + layers.count + blobs.count + fsLayers.count)
            result.children.reserveCapacity(manifests.count)
            if hasConfig {
                try add(config, field: "config", to: &result.blobs, foreign: &result.foreignLayers, document)
            }
            try add(layers, field: "layers", to: &result.blobs, foreign: &result.foreignLayers, document)
            try add(blobs, field: "blobs", to: &result.blobs, foreign: &result.foreignLayers, document)
            try add(
                fsLayers, field: "fsLayers", digestKey: "blobSum", to: &result.blobs, foreign: &result.foreignLayers,
                document)
            try add(manifests, field: "manifests", to: &result.children, foreign: &result.foreignLayers, document)
            if let subject { result.subject = try subject.finalDigest(field: "subject", document: document) }
            return result
        }

        /// Appends the slice's final digests to `list` (each once), and those with `urls` to `foreign`.
        private func add(
            _ list: DescriptorList, field: StaticString, digestKey: StaticString = "digest", to digests: inout [Digest],
            foreign: inout [Digest], _ document: UnsafeRawBufferPointer
        ) throws(SweepError) {
            for index in 0..<list.count {
                try add(
                    list.slots[index], field: "\(field)[\(index)]", digestKey: digestKey, to: &digests,
                    foreign: &foreign,
                    document)
            }
        }

        private func add(
            _ descriptor: Descriptor, field: @autoclosure () -> String, digestKey: StaticString = "digest",
            to digests: inout [Digest], foreign: inout [Digest], _ document: UnsafeRawBufferPointer
        ) throws(SweepError) {
            let digest = try descriptor.finalDigest(field: field(), digestKey: digestKey, document: document)
            if !digests.contains(digest) { digests.append(digest) }
            if descriptor.urlCount > 0 && !foreign.contains(digest) { foreign.append(digest) }
        }
    }
}
