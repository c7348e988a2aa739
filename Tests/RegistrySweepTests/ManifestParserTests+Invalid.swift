import RegistrySweep
import Testing

/// `ManifestParser` on input that is not a manifest: it must throw the right code, never crash or hang.
extension ManifestParserTests {
    static func code(_ text: String) -> SweepError.Code? { code(Array(text.utf8)) }

    static func code(_ bytes: [UInt8]) -> SweepError.Code? {
        do {
            _ = try ManifestParser.parse(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    static let image = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","

    @Test func emptyAndBlankAreInvalid() {
        #expect(Self.code("") == .invalidManifest)
        #expect(Self.code(" ") == .invalidManifest)
        #expect(Self.code("\n\t\r ") == .invalidManifest)
    }

    /// Every strict prefix of every sample (trailing whitespace trimmed) is a truncated document.
    @Test func everyTruncationThrows() {
        for sample in Self.samples {
            var bytes = Array(sample.text.utf8)
            while let last = bytes.last, [0x20, 0x0A, 0x0D, 0x09].contains(last) { bytes.removeLast() }
            for length in 0..<bytes.count {
                let code = Self.code(Array(bytes[..<length]))
                if code != .invalidManifest {
                    Issue.record("\(sample.name) cut at \(length) of \(bytes.count): \(String(describing: code))")
                }
            }
            #expect(Self.code(bytes) == nil)
        }
    }

    static let invalidJSON: [String] = [
        image + "\"config\":{\"digest\":\"\(d[1])\"},}",
        image + "\"config\":{\"digest\":\"\(d[1])\",},\"layers\":[]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"layers\":[{\"digest\":\"\(d[2])\"},]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"layers\":[,]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"}\"layers\":[]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"x\":\"bad \\x escape\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"x\":\"\\u12\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"x\":\"\\u12G4\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"x\":\"tab\tinside\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"x\":\"line\nbreak\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"x\":\"nul\u{0}\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":0123}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":NaN}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":Infinity}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":-Infinity}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":+1}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":1.}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":.5}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":1e}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":-}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"size\":0x10}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"ok\":tru}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"ok\":True}}",
        image + "\"config\":{\"digest\":\"\(d[1])\",\"ok\":nul}}",
        image + "\"config\":{'digest':'\(d[1])'}}",
        image + "\"config\":{digest:\"\(d[1])\"}}",
        image + "// comment\n\"config\":{\"digest\":\"\(d[1])\"}}",
        image + "\"config\":{\"digest\":\"\(d[1])\"}} trailing",
        image + "\"config\":{\"digest\":\"\(d[1])\"}}{}",
        image + "\"config\":{\"digest\":\"\(d[1])\"}",
        image + "\"config\":{\"digest\":\"\(d[1])\"}]",
        "\u{FEFF}" + image + "\"config\":{\"digest\":\"\(d[1])\"}}",
        "[" + image + "\"config\":{\"digest\":\"\(d[1])\"}}]",
        "\"" + image + "\"",
        "true", "null", "42", "[]", "{", "}", "{\"schemaVersion\"}", "{\"schemaVersion\":}", "{:2}",
        "{\"schemaVersion\":2.5,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}",
        "{\"schemaVersion\":99999999999999999999999}",
        "{\"schemaVersion\":\"2\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}",
        "{\"schemaVersion\":2,\"mediaType\":5}",
    ]

    @Test(arguments: invalidJSON)
    func invalidJSONIsInvalidManifest(_ text: String) {
        #expect(Self.code(text) == .invalidManifest, "\(text.debugDescription)")
    }

    static let badDigests: [String] = [
        "\"sha256:\(d[1].hex.uppercased())\"",
        "\"sha256:\(d[1].hex.dropLast())\"",
        "\"sha256:\(d[1].hex)0\"",
        "\"\(d[1]) \"",
        "\"\(d[1])\\n\"",
        "\"sha512:\(d[1].hex)\(d[1].hex)\"",
        "\"\(d[1].hex)\"",
        "\"\"",
        "5",
        "null",
        "[\"\(d[1])\"]",
        "{\"digest\":\"\(d[1])\"}",
    ]

    @Test(arguments: badDigests)
    func badDigestInsideIsInvalidManifest(_ value: String) {
        let inLayer = Self.image + "\"config\":{\"digest\":\"\(Self.d[1])\"},\"layers\":[{\"digest\":\(value)}]}"
        let inConfig = Self.image + "\"config\":{\"digest\":\(value)},\"layers\":[]}"
        let inSubject = Self.image + "\"config\":{\"digest\":\"\(Self.d[1])\"},\"subject\":{\"digest\":\(value)}}"
        let inIndex = "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\(value)}]}"
        let inSchema1 = "{\"schemaVersion\":1,\"fsLayers\":[{\"blobSum\":\(value)}]}"
        for text in [inLayer, inConfig, inSubject, inIndex, inSchema1] {
            #expect(Self.code(text) == .invalidManifest, "\(text)")
        }
    }

    static let wrongShapes: [String] = [
        image + "\"config\":{\"size\":1}}",
        image + "\"config\":\"\(d[1])\"}",
        image + "\"config\":[]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"layers\":{}}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"layers\":[\"\(d[2])\"]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"layers\":[null]}",
        image + "\"config\":{\"digest\":\"\(d[1])\"},\"subject\":[]}",
        "{\"schemaVersion\":2,\"manifests\":\"\(d[1])\"}",
        "{\"schemaVersion\":1,\"fsLayers\":[{\"digest\":\"\(d[1])\"}]}",
        "{\"schemaVersion\":1,\"name\":\"x\"}",
    ]

    @Test(arguments: wrongShapes)
    func wrongShapesAreInvalidManifest(_ text: String) {
        #expect(Self.code(text) == .invalidManifest, "\(text)")
    }

    static let unknownKinds: [String] = [
        "{}",
        "{\"a\":1}",
        "{\"schemaVersion\":3,\"config\":{\"digest\":\"\(d[1])\"}}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example.thing+json\"}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.container.image.v1+json\"}",
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+json\",\"fsLayers\":[]}",
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"\(d[1])\"]}}",
    ]

    @Test(arguments: unknownKinds)
    func otherDocumentsAreUnknownKinds(_ text: String) {
        #expect(Self.code(text) == .unknownManifestKind, "\(text)")
    }

    /// 10,001 levels of nesting (the object plus 10,000): a clean error, not a stack overflow.
    @Test func deepNestingIsRejectedWithoutOverflow() {
        let depth = 10_000
        let arrays =
            Self.image + "\"x\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        let objects =
            Self.image + "\"x\":" + String(repeating: "{\"a\":", count: depth) + "1"
            + String(repeating: "}", count: depth) + "}"
        let layers = Self.image + "\"layers\":[" + String(repeating: "[", count: depth) + "]}"
        let open = String(repeating: "[", count: depth)
        for text in [arrays, objects, layers, open, String(repeating: "{\"a\":", count: depth)] {
            #expect(Self.code(text) == .invalidManifest)
        }
    }

    /// ~20k seeded random mutations (flip, insert, delete, duplicate, splice) of the valid samples:
    /// the parser returns or throws, and what it returns names only digests present in the input.
    @Test(.timeLimit(.minutes(1)))
    func randomMutationsNeverCrashOrInvent() {
        let corpus = Self.samples.map { Array($0.text.utf8) }
        let interesting = Array("{}[]\":,\\u0123456789abcdefsha256nulltrue-.eE ".utf8)
        var random = SeededGenerator(seed: 0x5EED)
        var parsed = 0
        var invented: [String] = []
        for round in 0..<20_000 {
            var bytes = corpus[Int.random(in: 0..<corpus.count, using: &random)]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                Self.mutate(&bytes, corpus: corpus, interesting: interesting, random: &random)
            }
            do {
                let result = try ManifestParser.parse(bytes)
                parsed += 1
                let text = String(decoding: bytes, as: UTF8.self)
                let reported =
                    result.blobs + result.children + result.foreignLayers + [result.subject].compactMap { $0 }
                for digest in reported where !text.contains(digest.description) {
                    invented.append("round \(round): \(digest) not in \(text.debugDescription)")
                }
            } catch {
                #expect(error.code == .invalidManifest || error.code == .unknownManifestKind)
            }
        }
        #expect(invented.isEmpty, "\(invented.prefix(3))")
        // The mutations are not all fatal: some documents still parse, so the check above ran.
        #expect(parsed > 100)
    }

    static func mutate(_ bytes: inout [UInt8], corpus: [[UInt8]], interesting: [UInt8], random: inout SeededGenerator) {
        let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0 where !bytes.isEmpty:
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &random)
        case 1:
            bytes.insert(interesting[Int.random(in: 0..<interesting.count, using: &random)], at: position)
        case 2 where !bytes.isEmpty:
            let count = Int.random(in: 1...min(8, bytes.count - position), using: &random)
            bytes.removeSubrange(position..<(position + count))
        case 3 where !bytes.isEmpty:
            bytes[position] = interesting[Int.random(in: 0..<interesting.count, using: &random)]
        case 4 where !bytes.isEmpty:
            let end = min(bytes.count, position + Int.random(in: 1...80, using: &random))
            let copy = Array(bytes[position..<end])
            let target = Int.random(in: 0...bytes.count, using: &random)
            bytes.insert(contentsOf: copy, at: target)
        default:
            let donor = corpus[Int.random(in: 0..<corpus.count, using: &random)]
            let start = Int.random(in: 0..<donor.count, using: &random)
            let end = Int.random(in: start...donor.count, using: &random)
            let cut = min(bytes.count, position + Int.random(in: 0...40, using: &random))
            bytes.replaceSubrange(position..<cut, with: donor[start..<end])
        }
    }
}
