import Crypto
import Foundation
import RegistrySweep
import Testing

/// `BlobHasher`'s two read paths (memory mapping above `mapThreshold`, `pread` below) and
/// what happens when a mapped blob shrinks under it: without ``BusErrorGuard`` the
/// truncation tests die of `SIGBUS`.
@Suite struct VerifyMappedReadTests {
    /// A directory holding one blob's `data` in the store layout.
    struct OneBlobStore {
        let directory: URL
        let digest: Digest
        let bytes: [UInt8]
        let backend: FileSystemBackend

        init(size: Int, seed: UInt64) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("rsw-mapped-" + UUID().uuidString)
            bytes = ImageFactory.randomBlob(size: size, seed: seed).bytes
            digest = Digest(bytes: SHA256.hash(data: bytes))
            let data = directory.appendingPathComponent(StorePath.blobData(digest))
            try FileManager.default.createDirectory(
                at: data.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: data)
            backend = try FileSystemBackend(root: directory.path)
        }

        /// The absolute path of the blob's `data`.
        var dataPath: String { backend.absolute(StorePath.blobData(digest)) }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static func xxh3(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { ContentHash.xxh3($0) } }

    @Test(arguments: [600_000, 2 << 20, (3 << 20) + 4097])
    func mappedAndStreamedReadsAgree(size: Int) async throws {
        let store = try OneBlobStore(size: size, seed: UInt64(size))
        defer { store.remove() }
        let mapped = try await BlobHasher(backend: store.backend, chunkSize: 1 << 16, mapThreshold: 4096)
            .read(store.digest, sha256: true, xxh3: true)
        let streamed = try await BlobHasher(backend: store.backend, chunkSize: 1 << 16, mapThreshold: .max)
            .read(store.digest, sha256: true, xxh3: true)
        #expect(mapped.mapped && !streamed.mapped)
        #expect(mapped.size == size && streamed.size == size)
        #expect(mapped.sha256 == store.digest && streamed.sha256 == store.digest)
        #expect(mapped.xxh3 == Self.xxh3(store.bytes) && streamed.xxh3 == mapped.xxh3)
        #expect(mapped.modifiedNanoseconds == streamed.modifiedNanoseconds)
    }

    @Test func blobsBelowTheThresholdAreNotMapped() async throws {
        let store = try OneBlobStore(size: 100_000, seed: 3)
        defer { store.remove() }
        let reading = try await BlobHasher(backend: store.backend, chunkSize: 1 << 20, mapThreshold: 512 << 10)
            .read(store.digest, sha256: true, xxh3: false)
        #expect(!reading.mapped)
        #expect(reading.sha256 == store.digest && reading.xxh3 == nil)
    }

    @Test func flippedByteInAMappedBlobIsAMismatch() async throws {
        let store = try OneBlobStore(size: 1 << 20, seed: 4)
        defer { store.remove() }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: store.dataPath))
        try handle.seek(toOffset: 777_777)
        try handle.write(contentsOf: [store.bytes[777_777] ^ 0x80])
        try handle.close()
        let reading = try await BlobHasher(backend: store.backend, chunkSize: 1 << 20, mapThreshold: 4096)
            .read(store.digest, sha256: true, xxh3: true)
        #expect(reading.mapped)
        #expect(reading.sha256 != nil && reading.sha256 != store.digest)
        #expect(reading.xxh3 != Self.xxh3(store.bytes))
    }

    /// Truncated after `mmap`, before the read: the pages past the new end raise `SIGBUS`.
    @Test(arguments: [0, 100_000, 1 << 20])
    func blobTruncatedWhileMappedIsReadAgainWithPread(truncatedSize: Int) async throws {
        let store = try OneBlobStore(size: 3 << 20, seed: 5)
        defer { store.remove() }
        let hasher = BlobHasher(backend: store.backend, chunkSize: 1 << 20, mapThreshold: 4096)
        let path = store.dataPath
        var truncated = false
        hasher.afterMapping = {
            #expect(truncate(path, off_t(truncatedSize)) == 0)
            truncated = true
        }
        let reading = try await hasher.read(store.digest, sha256: true, xxh3: true)
        #expect(truncated, "the blob was mapped")
        #expect(!reading.mapped)
        #expect(reading.size == truncatedSize)
        let prefix = Array(store.bytes.prefix(truncatedSize))
        #expect(reading.sha256 == Digest(bytes: SHA256.hash(data: prefix)))
        #expect(reading.xxh3 == Self.xxh3(prefix))

        // The guard stays in place for the next blob, and the hasher still maps.
        hasher.afterMapping = nil
        let other = try OneBlobStore(size: 1 << 20, seed: 6)
        defer { other.remove() }
        let next = try await BlobHasher(backend: other.backend, chunkSize: 1 << 20, mapThreshold: 4096)
            .read(other.digest, sha256: true, xxh3: false)
        #expect(next.mapped && next.sha256 == other.digest)
    }

    /// Rewritten in place (same size, new mtime) while mapped: the mapped result is not trusted.
    @Test func blobRewrittenWhileMappedIsReadAgain() async throws {
        let store = try OneBlobStore(size: 1 << 20, seed: 7)
        defer { store.remove() }
        let hasher = BlobHasher(backend: store.backend, chunkSize: 1 << 20, mapThreshold: 4096)
        let path = store.dataPath
        var rewritten = false
        hasher.afterMapping = {
            rewritten = true
            var times = [timespec(tv_sec: 1_000_000_000, tv_nsec: 5), timespec(tv_sec: 1_000_000_000, tv_nsec: 5)]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
        let reading = try await hasher.read(store.digest, sha256: true, xxh3: false)
        #expect(rewritten, "the blob was mapped")
        #expect(!reading.mapped)
        #expect(reading.sha256 == store.digest)
        #expect(reading.modifiedNanoseconds == 1_000_000_000_000_000_005)
    }

    /// Through the verifier: a blob above the threshold that was truncated on disk.
    @Test func verifierReportsATruncatedLargeBlob() async throws {
        let store = try OneBlobStore(size: 2 << 20, seed: 8)
        defer { store.remove() }
        #expect(truncate(store.dataPath, 1 << 20) == 0)
        try FileManager.default.createDirectory(
            at: store.directory.appendingPathComponent("docker/registry/v2/repositories"),
            withIntermediateDirectories: true)
        let report = try await StoreVerifier(backend: store.backend).verify()
        #expect(report.corrupt == 1 && report.blobs == 1)
        #expect(report.problems.contains { $0.code == .digestMismatch && $0.digest == store.digest })
    }
}
