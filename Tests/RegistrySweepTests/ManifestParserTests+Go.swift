import RegistrySweep
import Testing

/// `ManifestParser` reads manifests exactly as the registry's Go decoder (`encoding/json`,
/// Go 1.19 in distribution 2.8.2) does: folded member names, last duplicate wins, repeated
/// arrays decoded into the same slice, 10,000 levels of nesting. Every expectation below was
/// derived from Go's `decode.go` (`object`, `array`, `literalStore`) and `fold.go`.
extension ManifestParserTests {
    static let ociHead = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","

    static func desc(_ digest: Digest, key: String = "digest", extra: String = "") -> String {
        "{\"mediaType\":\"application/octet-stream\",\"size\":1,\"\(key)\":\"\(digest)\"\(extra)}"
    }

    /// Whether the JSON-escaped member name `key` selects the field `name`.
    static func keyMatches(_ key: String, _ name: StaticString) -> Bool {
        let json = Array("\"\(key)\"".utf8)
        return json.withUnsafeBytes { raw in
            var cursor = JSONCursor(raw)
            guard let token = try? cursor.readString() else { return false }
            return cursor.matches(token, name)
        }
    }

    // MARK: Member names

    @Test func memberNamesFoldAsInGo() {
        // ASCII letters in either case, ſ (U+017F) for s, K (U+212A, Kelvin) for k; escapes decoded first.
        for key in ["layers", "Layers", "LAYERS", "lAyErS", "layerſ", "LAYERſ", "layer\\u017f", "\\u004cayers"] {
            #expect(Self.keyMatches(key, "layers"), "\(key)")
        }
        for key in [
            "layer", "layers ", " layers", "lay-ers", "layersſ", "layerß", "layerſs", "layer\\u0000s", "ĺayers",
        ] {
            #expect(!Self.keyMatches(key, "layers"), "\(key)")
        }
        for key in ["schemaVersion", "SchemaVersion", "SCHEMAVERSION", "ſchemaVerſion", "ſCHEMAVERſION"] {
            #expect(Self.keyMatches(key, "schemaVersion"), "\(key)")
        }
        for key in ["mediaType", "MediaType", "MEDIATYPE", "mediatype"] { #expect(Self.keyMatches(key, "mediaType")) }
        for key in ["digest", "Digest", "DIGEST", "digeſt", "DIGEſT"] { #expect(Self.keyMatches(key, "digest")) }
        for key in ["urls", "URLs", "URLS", "urlſ"] { #expect(Self.keyMatches(key, "urls")) }
        for key in ["fsLayers", "FSLayers", "fslayers", "fſLayerſ", "FSLAYERS"] {
            #expect(Self.keyMatches(key, "fsLayers"))
        }
        for key in ["blobSum", "BlobSum", "BLOBSUM", "blobſum"] { #expect(Self.keyMatches(key, "blobSum")) }
        for key in ["config", "Config", "CONFIG"] { #expect(Self.keyMatches(key, "config")) }
        for key in ["manifests", "Manifests", "MANIFESTS", "manifeſtſ"] { #expect(Self.keyMatches(key, "manifests")) }
        for key in ["subject", "Subject", "SUBJECT", "ſubject"] { #expect(Self.keyMatches(key, "subject")) }
        // None of the manifest's names holds a k; the Kelvin sign folds only to k/K.
        #expect(Self.keyMatches("\u{212A}ind", "kind") && Self.keyMatches("\\u212aIND", "Kind"))
        #expect(!Self.keyMatches("\u{212A}onfig", "config") && !Self.keyMatches("\u{212A}", "s"))
        #expect(!Self.keyMatches("ſ", "k") && !Self.keyMatches("s", "k") && Self.keyMatches("ſ", "S"))
        // Non-letters match exactly only (Go's simpleLetterEqualFold would not apply to them).
        #expect(Self.keyMatches("a-b", "A-B") && !Self.keyMatches("a\rb", "a-b") && !Self.keyMatches("a_b", "a\u{7F}b"))
    }

    /// Every member the parser reads, in other cases: the registry reads (and serves) them so.
    @Test func foldedMemberNamesAreRead() throws {
        let d = Self.d
        let image = """
            {"SchemaVersion":2,"MediaType":"application/vnd.oci.image.manifest.v1+json",\
            "CONFIG":\(Self.desc(d[1], key: "Digest")),"Layers":[\(Self.desc(d[2], key: "DIGEST")),\
            \(Self.desc(d[3], key: "digeſt", extra: ",\"URLs\":[\"https://example.com/x\"]"))],\
            "Subject":\(Self.desc(d[4], key: "dIgEsT"))}
            """
        #expect(
            try Self.parse(image)
                == ParsedManifest(
                    kind: .ociImage, mediaType: ManifestKind.ociImage.mediaType, blobs: [d[1], d[2], d[3]],
                    foreignLayers: [d[3]], subject: d[4]))
        let longS = "{\"ſchemaVerſion\":2,\"config\":\(Self.desc(d[1])),\"layerſ\":[\(Self.desc(d[2]))]}"
        #expect(try Self.parse(longS) == ParsedManifest(kind: .ociImage, blobs: [d[1], d[2]]))
        let index = "{\"schemaVersion\":2,\"Manifests\":[\(Self.desc(d[7])),\(Self.desc(d[8]))]}"
        #expect(try Self.parse(index) == ParsedManifest(kind: .ociIndex, children: [d[7], d[8]]))
        let list = """
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json",\
            "MANIFESTS":[\(Self.desc(d[7]))]}
            """
        #expect(try Self.parse(list).children == [d[7]])
        let schema1 = "{\"SCHEMAVERSION\":1,\"FSLayers\":[{\"BlobSum\":\"\(d[5])\"},{\"blobſum\":\"\(d[6])\"}]}"
        #expect(try Self.parse(schema1) == ParsedManifest(kind: .schema1, blobs: [d[5], d[6]]))
        let escaped = "{\"schemaVersion\":2,\"\\u0043onfig\":\(Self.desc(d[1])),\"layer\\u017f\":[\(Self.desc(d[2]))]}"
        #expect(try Self.parse(escaped).blobs == [d[1], d[2]])
        let artifact = """
            {"MediaType":"application/vnd.oci.artifact.manifest.v1+json","BLOBS":[\(Self.desc(d[1]))]}
            """
        #expect(try Self.parse(artifact).blobs == [d[1]])
    }

    /// Names that do not fold to a field are unknown members: skipped, as in Go.
    @Test func nearMissNamesAreIgnored() throws {
        let d = Self.d
        let text =
            Self.ociHead + """
                "config":\(Self.desc(d[1])),"layers":[],"layer":[\(Self.desc(d[2]))],"layers_":[\(Self.desc(d[3]))],\
                "\u{212A}onfig":\(Self.desc(d[4])),"subjects":\(Self.desc(d[5]))}
                """
        #expect(try Self.parse(text).blobs == [d[1]])
        #expect(try Self.parse(text).subject == nil)
    }

    // MARK: Duplicates

    @Test func scalarDuplicatesLastWinsNullKeeps() throws {
        let d = Self.d
        let base = "\"config\":\(Self.desc(d[1])),\"layers\":[]"
        let schema2 = ManifestKind.schema2.mediaType
        let oci = ManifestKind.ociImage.mediaType
        #expect(
            try Self.parse("{\"schemaVersion\":2,\"mediaType\":\"\(oci)\",\(base),\"MediaType\":\"\(schema2)\"}").kind
                == .schema2)
        #expect(
            try Self.parse("{\"schemaVersion\":2,\"mediaType\":\"\(schema2)\",\(base),\"mediaType\":null}").kind
                == .schema2)
        #expect(try Self.parse("{\"schemaVersion\":1,\"SchemaVersion\":2,\(base)}").kind == .ociImage)
        #expect(try Self.parse("{\"schemaVersion\":2,\"schemaVersion\":null,\(base)}").kind == .ociImage)
        let schema1 = "{\"schemaVersion\":2,\"fsLayers\":[{\"blobSum\":\"\(d[2])\"}],\"ſchemaVersion\":1}"
        #expect(try Self.parse(schema1).kind == .schema1)
        // A descriptor's digest: last wins, null keeps the earlier one, an invalid one that is
        // overwritten does not matter, one that stays does.
        let digests =
            Self.ociHead + """
                "config":{"digest":"sha256:bad","Digest":"\(d[1])","DIGEST":null},\
                "layers":[{"digest":"\(d[2])","digeſt":"\(d[3])"}]}
                """
        #expect(try Self.parse(digests).blobs == [d[1], d[3]])
        #expect(
            Self.code(Self.ociHead + "\"config\":{\"digest\":\"\(d[1])\",\"Digest\":\"sha256:bad\"}}")
                == .invalidManifest)
    }

    @Test func objectDuplicatesMergeNullSemantics() throws {
        let d = Self.d
        // config is a struct: a later object merges into it; null changes nothing.
        let config =
            Self.ociHead + """
                "config":{"digest":"\(d[1])","urls":["u"]},"CONFIG":{"size":2},"Config":null,"layers":[]}
                """
        #expect(
            try Self.parse(config)
                == ParsedManifest(
                    kind: .ociImage, mediaType: ManifestKind.ociImage.mediaType, blobs: [d[1]], foreignLayers: [d[1]]))
        // subject is a pointer: a later object merges into the same pointee; null clears it.
        let head = Self.ociHead + "\"config\":\(Self.desc(d[1])),"
        #expect(try Self.parse(head + "\"subject\":\(Self.desc(d[2])),\"Subject\":{\"size\":3}}").subject == d[2])
        #expect(try Self.parse(head + "\"subject\":\(Self.desc(d[2])),\"Subject\":null}").subject == nil)
        #expect(Self.code(head + "\"subject\":\(Self.desc(d[2])),\"Subject\":null,\"subject\":{}}") == .invalidManifest)
        #expect(try Self.parse(head + "\"subject\":null,\"subject\":\(Self.desc(d[3]))}").subject == d[3])
    }

    /// Go's `array()`: element i of a repeated array decodes into the element already at i (also
    /// past an earlier, shorter array, up to the capacity); the length is the last array's;
    /// `[]` and null start over. Go 1.19 grows a slice to max(4, cap + cap/2).
    @Test func repeatedArraysReuseTheSlice() throws {
        let d = Self.d
        let head = Self.ociHead + "\"config\":\(Self.desc(d[0])),"
        func layers(_ arrays: String...) throws(SweepError) -> [Digest] {
            Array(try Self.parse(head + arrays.joined(separator: ",") + "}").blobs.dropFirst())
        }
        let abc = "[\(Self.desc(d[1])),\(Self.desc(d[2])),\(Self.desc(d[3]))]"
        #expect(try layers("\"layers\":\(abc)", "\"Layers\":[\(Self.desc(d[4]))]") == [d[4]])
        #expect(try layers("\"layers\":\(abc)", "\"Layers\":[{}]") == [d[1]])
        #expect(
            try layers("\"layers\":\(abc)", "\"Layers\":[{\"size\":9}]", "\"LAYERS\":[{},{},{}]") == [d[1], d[2], d[3]])
        #expect(try layers("\"layers\":\(abc)", "\"layers\":[null,null]") == [d[1], d[2]])
        #expect(try layers("\"layers\":\(abc)", "\"layers\":[{},\(Self.desc(d[5]))]") == [d[1], d[5]])
        // Capacity: 3 elements live in a capacity-4 slice: the fourth slot is zero (no digest).
        #expect(Self.code(head + "\"layers\":\(abc),\"layers\":[{},{},{},{}]}") == .invalidManifest)
        // Five elements grow 4 -> 6, copying the first four: after a one-element array, five
        // empty elements find the old 2nd..5th; the 6th slot is zero.
        let five = "[" + (1...5).map { Self.desc(d[$0]) }.joined(separator: ",") + "]"
        #expect(
            try layers("\"layers\":\(five)", "\"layers\":[\(Self.desc(d[6]))]", "\"layers\":[{},{},{},{},{}]") == [
                d[6], d[2], d[3], d[4], d[5],
            ])
        #expect(Self.code(head + "\"layers\":\(five),\"layers\":[{},{},{},{},{},{}]}") == .invalidManifest)
        // Growing past a full slice keeps its elements; the new ones are zero.
        let four = "[" + (1...4).map { Self.desc(d[$0]) }.joined(separator: ",") + "]"
        #expect(
            try layers("\"layers\":\(four)", "\"layers\":[{},{},{},{},\(Self.desc(d[5]))]") == [
                d[1], d[2], d[3], d[4], d[5],
            ])
        // `[]` makes a fresh empty slice, null a nil one: the old elements are gone.
        #expect(try layers("\"layers\":\(abc)", "\"layers\":[]") == [])
        #expect(try layers("\"layers\":\(abc)", "\"layers\":null") == [])
        #expect(Self.code(head + "\"layers\":\(abc),\"layers\":[],\"layers\":[{}]}") == .invalidManifest)
        #expect(Self.code(head + "\"layers\":\(abc),\"layers\":null,\"layers\":[{}]}") == .invalidManifest)
        // The same for an index's children and schema 1's fsLayers.
        let index =
            "{\"schemaVersion\":2,\"manifests\":[\(Self.desc(d[7])),\(Self.desc(d[8]))],\"Manifests\":[{\"size\":1}]}"
        #expect(try Self.parse(index).children == [d[7]])
        let schema1 =
            "{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\"\(d[1])\"},{\"blobSum\":\"\(d[2])\"}],\"FSLayers\":[{},{}]}"
        #expect(try Self.parse(schema1).blobs == [d[1], d[2]])
        // Foreign is the last urls array's length: [] clears it, [null] sets it.
        let urls =
            head
            + "\"layers\":[\(Self.desc(d[1], extra: ",\"urls\":[\"u\"],\"URLs\":[]"))],\"Layers\":[{\"urls\":null}],\"layers\":[{\"urls\":[null]}]}"
        #expect(try Self.parse(urls).foreignLayers == [d[1]])
    }

    /// Where Go fails on a member it decodes, so do we (the registry rejects such a manifest).
    @Test func typeErrorsInFoldedMembersAreInvalid() {
        let d = Self.d
        let head = Self.ociHead + "\"config\":\(Self.desc(d[1])),"
        for tail in [
            "\"Layers\":5}", "\"LAYERS\":{}}", "\"layerſ\":[5]}", "\"Layers\":[\"\(d[2])\"]}",
            "\"CONFIG\":\"\(d[1])\"}", "\"Subject\":[]}", "\"layers\":[{\"Digest\":5}]}",
            "\"layers\":[{\"digest\":\"\(d[2])\",\"URLs\":5}]}", "\"layers\":[{\"digest\":\"\(d[2])\",\"urls\":[5]}]}",
            "\"MediaType\":5}", "\"SchemaVersion\":\"2\"}", "\"schemaVersion\":2.0}",
        ] {
            #expect(Self.code(head + tail) == .invalidManifest, "\(tail)")
        }
    }

    // MARK: Classification (manifestStore.Get)

    @Test func classificationFollowsTheRegistry() throws {
        let d = Self.d
        // schemaVersion 2 without (or with an empty) mediaType: an index iff manifests is non-nil.
        #expect(try Self.parse("{\"schemaVersion\":2}") == ParsedManifest(kind: .ociImage))
        #expect(try Self.parse("{\"schemaVersion\":2,\"manifests\":[]}") == ParsedManifest(kind: .ociIndex))
        #expect(try Self.parse("{\"schemaVersion\":2,\"manifests\":null}").kind == .ociImage)
        #expect(try Self.parse("{\"schemaVersion\":2,\"mediaType\":\"\",\"Manifests\":[]}").kind == .ociIndex)
        #expect(try Self.parse("{\"schemaVersion\":2,\"manifests\":[],\"manifests\":null}").kind == .ociImage)
        let both = "{\"schemaVersion\":2,\"config\":\(Self.desc(d[1])),\"manifests\":[\(Self.desc(d[2]))]}"
        #expect(try Self.parse(both) == ParsedManifest(kind: .ociIndex, blobs: [d[1]], children: [d[2]]))
        // schemaVersion 1 wins over any mediaType; unknown media types and versions stay unknown.
        #expect(try Self.parse("{\"schemaVersion\":1,\"mediaType\":\"x\",\"fsLayers\":[]}").kind == .schema1)
        #expect(Self.code("{\"schemaVersion\":2,\"MediaType\":\"application/x\"}") == .unknownManifestKind)
        #expect(Self.code("{\"schemaVersion\":3}") == .unknownManifestKind)
        #expect(Self.code("{\"schemaVersion\":2,\"mediaType\":\"x\",\"mediaType\":\"\",\"mediaType\":null}") == nil)
    }

    // MARK: Depth

    /// Go's scanner accepts 10,000 levels (every `{` and `[`, the manifest's own object
    /// included) and fails at 10,001, anywhere: checked on a Task's small stack.
    @Test func nestingLimitIsGosOnASmallStack() async {
        let codes = await Task.detached { () -> [String: SweepError.Code?] in
            let head = Self.ociHead + "\"config\":{\"digest\":\"\(Self.d[1])\"},"
            func arrays(_ n: Int) -> String { String(repeating: "[", count: n) + String(repeating: "]", count: n) }
            func objects(_ n: Int) -> String {
                String(repeating: "{\"a\":", count: n) + "1" + String(repeating: "}", count: n)
            }
            func mixed(_ n: Int) -> String {
                var text = ""
                for level in 0..<n { text += level % 2 == 0 ? "{\"k\":" : "[" }
                text += "null"
                for level in (0..<n).reversed() { text += level % 2 == 0 ? "}" : "]" }
                return text
            }
            var codes: [String: SweepError.Code?] = [:]
            for (name, inner) in [("arrays", arrays), ("objects", objects), ("mixed", mixed)] {
                codes["\(name) 10000"] = Self.code(head + "\"x\":" + inner(9_999) + "}")
                codes["\(name) 10001"] = Self.code(head + "\"x\":" + inner(10_000) + "}")
            }
            // Inside a layer descriptor: object, layers array, descriptor = 3 levels.
            codes["layer 10000"] = Self.code(
                head + "\"layers\":[{\"digest\":\"\(Self.d[2])\",\"x\":" + arrays(9_997) + "}]}")
            codes["layer 10001"] = Self.code(
                head + "\"layers\":[{\"digest\":\"\(Self.d[2])\",\"x\":" + arrays(9_998) + "}]}")
            return codes
        }.value
        for (name, code) in codes.sorted(by: { $0.key < $1.key }) {
            #expect(code == (name.hasSuffix("10000") ? nil : .invalidManifest), "\(name)")
        }
        #expect(codes.count == 8)
    }

    // MARK: String scanning

    /// The string scan jumps to the first `"`, `\\` or control byte of an eight-byte chunk: the
    /// lowest byte `JSONCursor.attention` flags must be exactly that byte, whatever precedes it
    /// (bytes 0x80-0xFF included, which the borrow tricks must not mistake) or follows it.
    @Test func stringScanFindsTheFirstSpecialByteOfAChunk() {
        let specials = Array(UInt8(0)...0x1F) + [0x22, 0x5C]
        let plain: [UInt8] = [0x20, 0x21, 0x23, 0x2F, 0x41, 0x5B, 0x5D, 0x7F, 0x80, 0x9F, 0xA0, 0xA2, 0xDC, 0xE0, 0xFF]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        for position in 0..<8 {
            for special in specials {
                for round in 0..<40 {
                    var bytes = (0..<8).map { _ in next() }
                    for i in 0..<position { bytes[i] = plain[(Int(next()) + round) % plain.count] }
                    bytes[position] = special
                    let chunk = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
                    let found = JSONCursor.attention(chunk)
                    #expect(found != 0 && found.trailingZeroBitCount >> 3 == position, "\(bytes)")
                }
            }
        }
        for _ in 0..<2_000 {
            let bytes = (0..<8).map { _ in plain[Int(next()) % plain.count] }
            #expect(
                JSONCursor.attention(bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
                    == 0)
        }
    }

    /// Strings of every length up to 40, with an escape or a raw control character at every
    /// place, read to the right end (or rejected) after the chunked scan.
    @Test func stringsOfEveryLengthReadToTheirQuote() {
        for length in 0...40 {
            let body = String((0..<length).map { i in Character(Unicode.Scalar(UInt8(0x61 + i % 26))) })
            let json = Array("\"\(body)\" ,".utf8)
            json.withUnsafeBytes { raw in
                var cursor = JSONCursor(raw)
                let token = try? cursor.readString()
                #expect(token?.range == 1..<(1 + length) && token?.hasEscapes == false && cursor.offset == length + 2)
            }
            for place in 0..<length {
                var escaped = Array(body.utf8)
                escaped.replaceSubrange(place..<(place + 1), with: Array("\\n".utf8))
                ([UInt8(0x22)] + escaped + [0x22]).withUnsafeBytes { raw in
                    var cursor = JSONCursor(raw)
                    let token = try? cursor.readString()
                    #expect(
                        token?.range == 1..<(length + 2) && token?.hasEscapes == true, "escape at \(place) of \(length)"
                    )
                }
                var control = Array(body.utf8)
                control[place] = 0x0A
                ([UInt8(0x22)] + control + [0x22]).withUnsafeBytes { raw in
                    var cursor = JSONCursor(raw)
                    #expect(throws: SweepError.self, "control at \(place) of \(length)") { try cursor.readString() }
                }
            }
        }
    }
}
