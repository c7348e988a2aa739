import RegistrySweep
import Testing

/// `ManifestParser` on every kind a registry stores, and on the spellings JSON allows.
@Suite struct ManifestParserTests {
    /// Distinct digests for references: `d[n]` is the SHA-256 of the text `n`.
    static let d = (0..<10).map { FixtureStore.digest(of: Array(String($0).utf8)) }

    static func parse(_ text: String) throws(SweepError) -> ParsedManifest {
        try ManifestParser.parse(Array(text.utf8))
    }

    static func descriptor(_ digest: Digest, _ mediaType: String = "application/octet-stream", extra: String = "")
        -> String
    {
        FixtureStore.descriptor(mediaType, digest, extra: extra)
    }

    // MARK: Kinds

    static let schema1Unsigned = """
        {"schemaVersion":1,"name":"library/app","tag":"v1","architecture":"amd64",\
        "fsLayers":[{"blobSum":"\(d[1])"},{"blobSum":"\(d[2])"},{"blobSum":"\(d[1])"}],\
        "history":[{"v1Compatibility":"{\\"id\\":\\"abc\\"}"},{"v1Compatibility":"{}"},{"v1Compatibility":"{}"}]}
        """

    static let schema1Signed = """
        {
           "schemaVersion": 1,
           "name": "library/app",
           "tag": "v1",
           "architecture": "amd64",
           "fsLayers": [
              { "blobSum": "\(d[3])" },
              { "blobSum": "\(d[4])" }
           ],
           "history": [ { "v1Compatibility": "{}" }, { "v1Compatibility": "{}" } ],
           "signatures": [
              {
                 "header": { "jwk": { "crv": "P-256", "kty": "EC", "x": "abc", "y": "def" }, "alg": "ES256" },
                 "signature": "XREm0L8WNn27Ga_iE_vRnTxVMhhYY0Zst_FfkKopg6gWSoTOZTuW4rK0fg_IqnKkEKlbD83tD46LKEGi5aIVFg",
                 "protected": "eyJmb3JtYXRMZW5ndGgiOjY2MjgsImZvcm1hdFRhaWwiOiJDbjAifQ"
              }
           ]
        }
        """

    static let schema2 = FixtureStore.schema2(config: d[1], layers: [d[2], d[3]])
    static let ociImage = FixtureStore.ociImage(config: d[1], layers: [d[2]])
    static let ociImageNoMediaType = """
        {"schemaVersion":2,"config":\(descriptor(d[1])),"layers":[\(descriptor(d[2])),\(descriptor(d[3]))]}
        """
    static let ociImageWithSubject = FixtureStore.ociImage(config: d[4], layers: [d[5]], subject: d[6])
    static let dockerList = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[\
        \(descriptor(d[7], extra: ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}")),\
        \(descriptor(d[8], extra: ",\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}"))]}
        """
    static let ociIndex = FixtureStore.ociIndex([d[7], d[8], d[9]])
    static let ociIndexNoMediaType = """
        {"schemaVersion":2,"manifests":[\(descriptor(d[7])),\(descriptor(d[8]))],"annotations":{"a":"b"}}
        """
    static let ociIndexWithSubject = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",\
        "manifests":[\(descriptor(d[7]))],"subject":\(descriptor(d[6]))}
        """
    static let ociArtifact = FixtureStore.ociArtifact(blobs: [d[1], d[2]], subject: d[3])
    static let foreignURLs = ",\"urls\":[\"https://mcr.microsoft.com/v2/x/blobs/\(d[2])\"]"
    static let foreignLayers = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",\
        "config":\(descriptor(d[1])),"layers":[\
        \(descriptor(d[2], "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", extra: foreignURLs)),\
        \(descriptor(d[3], extra: ",\"urls\":[]")),\(descriptor(d[4], extra: ",\"urls\":null"))]}
        """

    /// Every valid sample, with what it must parse to.
    static let samples: [(name: String, text: String, expected: ParsedManifest)] = [
        ("schema1 unsigned", schema1Unsigned, ParsedManifest(kind: .schema1, blobs: [d[1], d[2]])),
        ("schema1 signed", schema1Signed, ParsedManifest(kind: .schema1, blobs: [d[3], d[4]])),
        (
            "schema2", schema2,
            ParsedManifest(kind: .schema2, mediaType: ManifestKind.schema2.mediaType, blobs: [d[1], d[2], d[3]])
        ),
        (
            "oci image", ociImage,
            ParsedManifest(kind: .ociImage, mediaType: ManifestKind.ociImage.mediaType, blobs: [d[1], d[2]])
        ),
        (
            "oci image without mediaType", ociImageNoMediaType,
            ParsedManifest(kind: .ociImage, blobs: [d[1], d[2], d[3]])
        ),
        (
            "oci image with subject", ociImageWithSubject,
            ParsedManifest(
                kind: .ociImage, mediaType: ManifestKind.ociImage.mediaType, blobs: [d[4], d[5]], subject: d[6])
        ),
        (
            "docker list", dockerList,
            ParsedManifest(kind: .dockerList, mediaType: ManifestKind.dockerList.mediaType, children: [d[7], d[8]])
        ),
        (
            "oci index", ociIndex,
            ParsedManifest(kind: .ociIndex, mediaType: ManifestKind.ociIndex.mediaType, children: [d[7], d[8], d[9]])
        ),
        ("oci index without mediaType", ociIndexNoMediaType, ParsedManifest(kind: .ociIndex, children: [d[7], d[8]])),
        (
            "oci index with subject", ociIndexWithSubject,
            ParsedManifest(kind: .ociIndex, mediaType: ManifestKind.ociIndex.mediaType, children: [d[7]], subject: d[6])
        ),
        (
            "oci artifact", ociArtifact,
            ParsedManifest(
                kind: .ociArtifact, mediaType: ManifestKind.ociArtifact.mediaType, blobs: [d[1], d[2]], subject: d[3])
        ),
        (
            "foreign layers", foreignLayers,
            ParsedManifest(
                kind: .schema2, mediaType: ManifestKind.schema2.mediaType, blobs: [d[1], d[2], d[3], d[4]],
                foreignLayers: [d[2]])
        ),
    ]

    @Test(arguments: samples.indices)
    func parsesEveryKind(_ index: Int) throws {
        let sample = Self.samples[index]
        #expect(try Self.parse(sample.text) == sample.expected, "\(sample.name)")
    }

    @Test func mediaTypesRoundTrip() {
        for kind in ManifestKind.allCases { #expect(ManifestKind(mediaType: kind.mediaType) == kind) }
        #expect(ManifestKind(mediaType: "application/vnd.docker.distribution.manifest.v1+prettyjws") == .schema1)
        #expect(ManifestKind(mediaType: "application/vnd.oci.image.manifest.v1+json ") == nil)
        #expect(Set(ManifestKind.allCases.map(\.description)).count == ManifestKind.allCases.count)
    }

    /// The parser reads raw buffers too, with no copy: same answer as from an array.
    @Test func parsesFromRawBuffer() throws {
        var text = Self.ociImageWithSubject
        let parsed = try text.withUTF8 { buffer throws(SweepError) in
            try ManifestParser.parse(UnsafeRawBufferPointer(buffer))
        }
        #expect(parsed == (try Self.parse(Self.ociImageWithSubject)))
    }

    // MARK: JSON spellings

    /// Go's encoding/json (the registry): a repeated member overwrites; a repeated array is
    /// decoded into the same slice, element by element.
    @Test func duplicateMembersLastWinsAsInGo() throws {
        let text = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":\(Self.descriptor(Self.d[1])),"layers":[\(Self.descriptor(Self.d[2]))],\
            "layers":[\(Self.descriptor(Self.d[3]))],"config":\(Self.descriptor(Self.d[4]))}
            """
        let parsed = try Self.parse(text)
        #expect(parsed.blobs == [Self.d[4], Self.d[3]])
    }

    /// Go keeps the last `digest` of a descriptor: that is what the registry serves and marks.
    @Test func duplicateDigestInOneDescriptorLastWins() throws {
        let text = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":{"digest":"\(Self.d[1])","size":1,"digest":"\(Self.d[2])"},\
            "layers":[{"digest":"\(Self.d[3])","digest":"\(Self.d[4])"}]}
            """
        let parsed = try Self.parse(text)
        #expect(parsed.blobs == [Self.d[2], Self.d[4]])
    }

    @Test func escapedKeysAndValuesAreDecoded() throws {
        let hex = Self.d[2].hex
        let escapedValue = "sha256:\\u00" + String(hex.utf8.first!, radix: 16) + hex.dropFirst()
        let text = """
            {"\\u0073chemaVersion":2,"mediaType":"application\\/vnd.oci.image.manifest.v1+json",\
            "\\u0063onfig":{"\\u0064igest":"\(Self.d[1])"},\
            "l\\u0061yers":[{"size":1,"dig\\u0065st":"\(escapedValue)"}],\
            "s\\u0075bject":{"digest":"\(Self.d[3])"}}
            """
        let parsed = try Self.parse(text)
        #expect(parsed.kind == .ociImage)
        #expect(parsed.mediaType == ManifestKind.ociImage.mediaType)
        #expect(parsed.blobs == [Self.d[1], Self.d[2]])
        #expect(parsed.subject == Self.d[3])
    }

    @Test func whitespaceVariantsParseAlike() throws {
        for index in Self.samples.indices {
            let compact = Self.samples[index].text
            let expected = try Self.parse(compact)
            for separator in [" ", "\n", "\t", "\r\n", " \n\t "] {
                var spaced = ""
                var inString = false
                var escaped = false
                for character in compact {
                    spaced.append(character)
                    if inString {
                        if escaped {
                            escaped = false
                        } else if character == "\\" {
                            escaped = true
                        } else if character == "\"" {
                            inString = false
                        }
                        continue
                    }
                    if character == "\"" {
                        inString = true
                    } else if "{}[]:,".contains(character) {
                        spaced += separator
                    }
                }
                #expect(try Self.parse(separator + spaced + separator) == expected, "\(Self.samples[index].name)")
            }
        }
    }

    @Test func nullFieldsMeanAbsent() throws {
        let image = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "config":\(Self.descriptor(Self.d[1])),"layers":[\(Self.descriptor(Self.d[2], extra: ",\"urls\":null"))],\
            "subject":null,"manifests":null,"annotations":null,"artifactType":null}
            """
        let parsed = try Self.parse(image)
        #expect(
            parsed
                == ParsedManifest(
                    kind: .ociImage, mediaType: ManifestKind.ociImage.mediaType, blobs: [Self.d[1], Self.d[2]]))

        let index = """
            {"schemaVersion":2,"mediaType":null,"config":null,"layers":null,"manifests":[\(Self.descriptor(Self.d[7]))]}
            """
        #expect(try Self.parse(index) == ParsedManifest(kind: .ociIndex, children: [Self.d[7]]))
    }

    /// Nesting just below the parser's limit is fine (the limit is not set absurdly low).
    @Test func moderateNestingInUnknownFieldsIsAccepted() throws {
        let depth = 50
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let objects = String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        let text = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",\
            "annotations":{"x":\(nested),"y":\(objects)},"config":\(Self.descriptor(Self.d[1])),"layers":[]}
            """
        #expect(try Self.parse(text).blobs == [Self.d[1]])
    }

    @Test func sizeLimitIsInclusive() throws {
        let head =
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
            + "\"config\":\(Self.descriptor(Self.d[1])),\"layers\":[],\"annotations\":{\"pad\":\""
        let tail = "\"}}"
        let padding = ManifestParser.maxManifestSize - head.utf8.count - tail.utf8.count
        let exact = head + String(repeating: "x", count: padding) + tail
        #expect(exact.utf8.count == ManifestParser.maxManifestSize)
        #expect(try Self.parse(exact).blobs == [Self.d[1]])
        let over = head + String(repeating: "x", count: padding + 1) + tail
        let error = #expect(throws: SweepError.self) { try Self.parse(over) }
        #expect(error?.code == .invalidManifest)
    }
}
