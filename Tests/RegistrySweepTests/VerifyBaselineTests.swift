import Crypto
import Foundation
import RegistrySweep
import Testing

/// The baseline format and XXH3 wrapper, without a registry.
@Suite struct VerifyBaselineFormatTests {
    static func sample(_ count: Int) -> VerifyBaseline {
        let records = (0..<count).map { index in
            VerifyBaseline.Record(
                digest: Digest(bytes: SHA256.hash(data: [UInt8(index), 7])), size: index * 1000 + 1,
                modifiedNanoseconds: 1_700_000_000_123_456_789 + Int64(index),
                xxh3: UInt64(index) &* 0x9E37_79B9_7F4A_7C15,
                contentTag: index % 3 == 0 ? 0 : FileInfo.contentTag(of: "\"\(index)\""))
        }
        return VerifyBaseline(records: records.reversed(), createdNanoseconds: 1_700_000_001_000_000_000)
    }

    static func decode(_ bytes: [UInt8]) throws(SweepError) -> VerifyBaseline {
        let result: Result<VerifyBaseline, SweepError> = bytes.withUnsafeBytes { raw in
            Result { () throws(SweepError) in try VerifyBaseline.decode(raw, path: "test.baseline") }
        }
        return try result.get()
    }

    @Test func roundTripsSortedRecords() throws {
        let baseline = Self.sample(50)
        let bytes = baseline.encoded()
        #expect(bytes.count == 32 + 50 * 64 + 32)
        #expect(Array(bytes.prefix(8)) == [0x89, 0x52, 0x53, 0x56, 0x42, 0x0D, 0x0A, 0x1A])
        let decoded = try Self.decode(bytes)
        #expect(decoded == baseline)
        #expect(decoded.records.map(\.digest) == baseline.records.map(\.digest).sorted())
        for record in baseline.records { #expect(decoded.record(for: record.digest) == record) }
        #expect(decoded.record(for: Digest(bytes: SHA256.hash(data: [1, 2, 3]))) == nil)
        // The digest is stored as its raw bytes, most significant first.
        let first = decoded.records[0].digest
        #expect(Array(bytes[32..<64]) == first.bytes)
    }

    @Test func emptyBaselineRoundTrips() throws {
        let empty = VerifyBaseline(records: [], createdNanoseconds: 5)
        #expect(try Self.decode(empty.encoded()) == empty)
    }

    @Test(arguments: [0, 9, 17, 40, 32 + 64 * 3 + 33, 32 + 64 * 3 + 60, 32 + 64 * 10 - 1, 32 + 64 * 10 + 5])
    func flippedByteAnywhereIsInvalid(offset: Int) throws {
        var bytes = Self.sample(10).encoded()
        bytes[offset] ^= 0x20
        let error = #expect(throws: SweepError.self) { try Self.decode(bytes) }
        #expect(error?.code == .invalidBaseline)
        #expect(error?.path == "test.baseline")
    }

    @Test(arguments: [0, 1, 31, 63, 32 + 64 * 10, 32 + 64 * 10 + 31])
    func truncationIsInvalid(length: Int) throws {
        let bytes = Array(Self.sample(10).encoded().prefix(length))
        let error = #expect(throws: SweepError.self) { try Self.decode(bytes) }
        #expect(error?.code == .invalidBaseline)
    }

    @Test func appendedBytesAreInvalid() throws {
        let bytes = Self.sample(3).encoded() + [0]
        #expect(throws: SweepError.self) { try Self.decode(bytes) }
    }

    /// Rewrites a field and recomputes the checksum, so only the field's own check can object.
    static func resealed(_ bytes: [UInt8], _ change: (inout [UInt8]) -> Void) -> [UInt8] {
        var body = Array(bytes.dropLast(32))
        change(&body)
        return body + Array(SHA256.hash(data: body))
    }

    @Test func otherVersionIsInvalidEvenWithAValidChecksum() throws {
        let bytes = Self.resealed(Self.sample(4).encoded()) { $0[8] = 3 }
        let error = #expect(throws: SweepError.self) { try Self.decode(bytes) }
        #expect(error?.code == .invalidBaseline)
        #expect(error?.message.contains("version 3") == true)
        // Version 1's header with version 2's records (or the reverse) is refused too.
        let mixed = Self.resealed(Self.sample(4).encoded()) { $0[8] = 1 }
        #expect(throws: SweepError.self) { try Self.decode(mixed) }
    }

    /// A version 1 file (56-byte records, no content tag), as regsweep wrote them before: read,
    /// with every content tag 0 (so `--trust-etag` trusts none of them).
    @Test func version1FilesAreReadWithoutContentTags() throws {
        let current = Self.sample(5)
        var body: [UInt8] = Array(current.encoded().prefix(32))
        body[8] = 1
        body[12] = 56
        for record in current.records {
            body += record.digest.bytes
            for word in [UInt64(record.size), UInt64(bitPattern: record.modifiedNanoseconds), record.xxh3] {
                body += (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) }
            }
        }
        let decoded = try Self.decode(body + Array(SHA256.hash(data: body)))
        #expect(decoded.records.count == 5)
        for (old, new) in zip(decoded.records, current.records) {
            #expect(old.digest == new.digest && old.size == new.size && old.xxh3 == new.xxh3)
            #expect(old.modifiedNanoseconds == new.modifiedNanoseconds && old.contentTag == 0)
        }
    }

    @Test func recordsOutOfOrderAreInvalid() throws {
        let bytes = Self.resealed(Self.sample(4).encoded()) { body in
            let first = Array(body[32..<96])
            body.replaceSubrange(32..<96, with: body[96..<160])
            body.replaceSubrange(96..<160, with: first)
        }
        let error = #expect(throws: SweepError.self) { try Self.decode(bytes) }
        #expect(error?.message.contains("out of order") == true)
    }

    @Test func laterDuplicateRecordWins() {
        let digest = Digest(bytes: SHA256.hash(data: [9]))
        let old = VerifyBaseline.Record(digest: digest, size: 1, modifiedNanoseconds: 1, xxh3: 1)
        let new = VerifyBaseline.Record(digest: digest, size: 2, modifiedNanoseconds: 2, xxh3: 2)
        #expect(VerifyBaseline(records: [old, new], createdNanoseconds: 0).records == [new])
    }

    @Test func xxh3MatchesTheReferenceAndStreamsInPieces() {
        let hasher = XXH3Hasher()
        #expect(hasher.digest() == 0x2D06_8005_38D3_94C2)  // XXH3_64bits of no input, seed 0
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        bytes.withUnsafeBytes { raw in
            for cut in [0, 1, 240, 4096, 65_537] {
                hasher.reset()
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[..<cut]))
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[cut...]))
                #expect(hasher.digest() == XXH3Hasher.hash(raw))
            }
        }
        Array("abc".utf8).withUnsafeBytes { #expect(XXH3Hasher.hash($0) == 0x78AF_5F94_892F_3950) }
    }

    @Test func loadingAMissingFileIsAnInvalidBaseline() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("absent-\(UUID().uuidString)").path
        let error = await #expect(throws: SweepError.self) { try await VerifyBaseline.load(path: path) }
        #expect(error?.code == .invalidBaseline)
        #expect(error?.path == path)
    }

    @Test func writeIsAtomicAndReadable() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("store.baseline").path
        try await Self.sample(3).write(to: path)
        try await Self.sample(7).write(to: path)
        #expect(try await VerifyBaseline.load(path: path) == Self.sample(7))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["store.baseline"])
    }
}
