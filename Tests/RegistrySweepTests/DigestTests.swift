import Crypto
import RegistrySweep
import Testing

/// `Digest`: parsing is strict, formatting round-trips, order follows the hex text.
@Suite struct DigestTests {
    /// SHA-256 of the empty string, a vector everyone can check.
    static let emptyHex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// Lowercase hex of raw bytes, written here independently of `Digest`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
    }

    @Test func knownVectorFromSwiftCrypto() throws {
        let digest = Digest(bytes: SHA256.hash(data: [UInt8]()))
        #expect(digest.hex == Self.emptyHex)
        #expect(digest.description == "sha256:" + Self.emptyHex)
        #expect(digest.shard == "e3")
        #expect(digest.w0 == 0xe3b0_c442_98fc_1c14)
        #expect(digest.w3 == 0xa495_991b_7852_b855)
        #expect(Digest("sha256:" + Self.emptyHex) == digest)
    }

    @Test func bytesHexAndTextRoundTrip() throws {
        var random = SeededGenerator(seed: 1)
        for _ in 0..<2000 {
            let bytes = random.bytes(32)
            let digest = Digest(bytes: bytes)
            #expect(digest.bytes == bytes)
            #expect(digest.hex == Self.hex(bytes))
            #expect(digest.shard == String(Self.hex(bytes).prefix(2)))
            #expect(digest.description == "sha256:" + Self.hex(bytes))
            #expect(try Digest.parse(digest.description).get() == digest)
            #expect(Digest.parseHex(digest.hex) == digest)
            #expect(Digest(w0: digest.w0, w1: digest.w1, w2: digest.w2, w3: digest.w3) == digest)
        }
    }

    @Test func extremeValuesFormat() {
        let zero = Digest(bytes: [UInt8](repeating: 0, count: 32))
        let ones = Digest(bytes: [UInt8](repeating: 0xFF, count: 32))
        #expect(zero.hex == String(repeating: "0", count: 64))
        #expect(ones.hex == String(repeating: "f", count: 64))
        #expect(Digest("sha256:" + String(repeating: "f", count: 64)) == ones)
        #expect(zero < ones)
    }

    static let valid = "sha256:" + emptyHex

    static let short = String(emptyHex.dropLast())
    static let upperFirst = "E" + String(emptyHex.dropFirst())

    /// Text that is not a digest, and why.
    static let rejected: [(String, Digest.ParseFailure)] = [
        ("", .empty),
        ("sha256:", .malformed),
        ("sha256:abc", .malformed),
        ("sha256:" + emptyHex.uppercased(), .malformed),
        ("sha256:" + upperFirst, .malformed),
        ("sha256:" + short, .malformed),
        (valid + "0", .malformed),
        (valid + "\n", .malformed),
        (valid + " ", .malformed),
        (" " + valid, .malformed),
        ("\t" + valid, .malformed),
        ("sha256: " + short, .malformed),
        ("sha256:" + short + "g", .malformed),
        ("sha256:" + short + "\0", .malformed),
        ("sha256:" + short + "é", .malformed),
        ("sha256" + emptyHex, .malformed),
        ("sha256;" + emptyHex, .malformed),
        ("SHA256:" + emptyHex, .malformed),
        (emptyHex, .malformed),
        (":" + emptyHex, .malformed),
        ("sha512:" + emptyHex + emptyHex, .unsupportedAlgorithm),
        ("sha384:" + String(repeating: "ab", count: 48), .unsupportedAlgorithm),
        ("blake3:" + emptyHex, .unsupportedAlgorithm),
        ("md5:d41d8cd98f00b204e9800998ecf8427e", .unsupportedAlgorithm),
        ("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8", .unsupportedAlgorithm),
    ]

    @Test(arguments: rejected)
    func rejectsWithReason(text: String, reason: Digest.ParseFailure) {
        switch Digest.parse(text) {
        case .success(let digest): Issue.record("accepted \(text.debugDescription) as \(digest)")
        case .failure(let failure): #expect(failure == reason, "\(text.debugDescription)")
        }
        #expect(Digest(text) == nil)
        var copy = text
        let raw = copy.withUTF8 { Digest.parse(UnsafeRawBufferPointer($0)) }
        #expect((try? raw.get()) == nil)
    }

    @Test func parseHexIsStrict() {
        #expect(Digest.parseHex(Self.emptyHex) != nil)
        #expect(Digest.parseHex(Self.emptyHex.uppercased()) == nil)
        #expect(Digest.parseHex(String(Self.emptyHex.dropLast())) == nil)
        #expect(Digest.parseHex(Self.emptyHex + "0") == nil)
        #expect(Digest.parseHex("") == nil)
        #expect(Digest.parseHex(Self.valid) == nil)
        #expect(Digest.parseHex(String(Self.emptyHex.dropLast()) + "/") == nil)
    }

    /// Every single-byte change of a valid digest's hex part is either another digest or rejected.
    @Test func everyByteSubstitutionInTheHexPart() {
        for position in 7..<Digest.textLength {
            for byte in UInt8.min...UInt8.max {
                var bytes = Array(Self.valid.utf8)
                bytes[position] = byte
                let isLowerHex = (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
                let result = bytes.withUnsafeBytes { Digest.parse($0) }
                switch result {
                case .success(let digest):
                    #expect(isLowerHex)
                    #expect(digest.description == String(decoding: bytes, as: UTF8.self))
                case .failure(let failure):
                    #expect(!isLowerHex)
                    #expect(failure == .malformed)
                }
            }
        }
    }

    @Test func orderFollowsHexText() {
        var random = SeededGenerator(seed: 2)
        var digests = (0..<500).map { _ in Digest(bytes: random.bytes(32)) }
        // Digests that differ only in a late word, so every word of the comparison matters.
        let base = random.bytes(32)
        for position in [0, 7, 8, 15, 16, 23, 24, 31] {
            for value in [UInt8(0), 1, 0x7F, 0x80, 0xFF] {
                var bytes = base
                bytes[position] = value
                digests.append(Digest(bytes: bytes))
            }
        }
        let byValue = digests.sorted()
        let byText = digests.sorted { $0.description < $1.description }
        #expect(byValue == byText)
        for (a, b) in zip(byValue, byValue.dropFirst()) {
            #expect(a <= b)
            #expect((a < b) == (a.hex < b.hex))
        }
    }

    @Test func equalityAndHashingUseAllWords() {
        // The hash looks at w0 ^ w3 only; equality must still tell w1 and w2 apart.
        let a = Digest(w0: 1, w1: 2, w2: 3, w3: 4)
        let b = Digest(w0: 1, w1: 9, w2: 3, w3: 4)
        let c = Digest(w0: 1, w1: 2, w2: 9, w3: 4)
        let d = Digest(w0: 4, w1: 2, w2: 3, w3: 1)
        #expect(Set([a, b, c, d, a]).count == 4)
        #expect(a != b && a != c && a != d)
        #expect(a.hashValue == Digest(w0: 1, w1: 2, w2: 3, w3: 4).hashValue)
    }

    @Test func bytesInitRejectsWrongLengths() async {
        await #expect(processExitsWith: .failure) { _ = Digest(bytes: [UInt8](repeating: 1, count: 31)) }
        await #expect(processExitsWith: .failure) { _ = Digest(bytes: [UInt8](repeating: 1, count: 33)) }
    }

    /// `sortDigests()` orders exactly as `sort()` on every shape of input: evenly spread,
    /// one shard (a shared first byte), everything in one bucket (planted names), a shared
    /// `w0`, duplicates, and every small size.
    @Test func digestSortMatchesSort() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        func random(w0: UInt64? = nil) -> Digest { Digest(w0: w0 ?? next(), w1: next(), w2: next(), w3: next()) }
        var inputs: [[Digest]] = (0..<40).map { count in (0..<count).map { _ in random() } }
        inputs.append((0..<5_000).map { _ in random() })
        inputs.append((0..<4_000).map { _ in random(w0: 0xAB00_0000_0000_0000 | next() >> 8) })
        inputs.append((0..<3_000).map { _ in random(w0: 0x1234_5678_9ABC_DE00 | next() >> 56) })
        inputs.append((0..<500).map { _ in random(w0: 7) })
        inputs.append((0..<600).map { _ in random(w0: next() & 0xFFFF) })
        let some = (0..<300).map { _ in random() }
        inputs.append(some + some + some.reversed())
        inputs.append((0..<1_000).map { _ in random() }.sorted())
        inputs.append((0..<1_000).map { _ in random() }.sorted().reversed())
        for input in inputs {
            var fast = input
            fast.sortDigests()
            #expect(fast == input.sorted(), "\(input.count) digests")
            #expect(input.sortedDigests() == input.sorted())
        }
    }
}
