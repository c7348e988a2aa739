import Foundation
import RegistrySweep
import Testing

/// `forEachDigestFile`, the batch read a scan makes for revision links and manifests: the
/// filesystem's one-descriptor fast path must give exactly what reading each file alone gives.
@Suite struct StorageBackendTests {
    /// What one read gave: the bytes, or the error's code and path.
    enum Outcome: Equatable {
        case bytes([UInt8])
        case failure(SweepError.Code, String?)
    }

    static func batch(_ backend: any StorageBackend, _ directory: String, _ digests: [Digest], limit: Int) async
        -> [Outcome]
    {
        var outcomes: [Outcome] = []
        await backend.forEachDigestFile(in: directory, digests, leaf: "link", limit: limit) { index, result in
            #expect(index == outcomes.count, "files come in the order of the digests")
            switch result {
            case .success(let bytes): outcomes.append(.bytes(Array(bytes)))
            case .failure(let error): outcomes.append(.failure(error.code, error.path))
            }
        }
        return outcomes
    }

    static func oneByOne(_ backend: any StorageBackend, _ directory: String, _ digests: [Digest], limit: Int) async
        -> [Outcome]
    {
        var outcomes: [Outcome] = []
        for digest in digests {
            do {
                let bytes = try await backend.withContents(of: "\(directory)/\(digest.hex)/link", limit: limit) {
                    Array($0)
                }
                outcomes.append(.bytes(bytes))
            } catch {
                outcomes.append(.failure(error.code, error.path))
            }
        }
        return outcomes
    }

    @Test func batchReadsGiveWhatSingleReadsGive() async throws {
        let store = try FixtureStore()
        let directory = "docker/registry/v2/repositories/r/_manifests/revisions/sha256"
        let digests = (0..<7).map { FixtureStore.digest(of: [UInt8($0)]) }
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try store.write("\(directory)/\(digests[0].hex)/link", "sha256:\(digests[0].hex)")
        try store.write("\(directory)/\(digests[1].hex)/link", "")  // empty
        try store.makeDirectory("\(directory)/\(digests[2].hex)")  // no link
        try store.write("\(directory)/\(digests[3].hex)/link", big)  // past the single-read size: mapped
        let outside = try store.writeOutside("secret", "sha256:\(digests[4].hex)")
        try store.symlink("\(directory)/\(digests[4].hex)/link", to: outside)  // must not be followed
        // Over the limit:
        try store.write("\(directory)/\(digests[5].hex)/link", [UInt8](repeating: 0x61, count: 300_000))
        try store.write("\(directory)/\(digests[6].hex)/link", "sha256:\(digests[0].hex)")
        let backend = try store.backend()
        let limit = 200_000

        let batch = await Self.batch(backend, directory, digests, limit: limit)
        #expect(batch == (await Self.oneByOne(backend, directory, digests, limit: limit)))
        #expect(batch == (await Self.batch(RequiredOperationsOnly(base: backend), directory, digests, limit: limit)))

        let root = store.root.path
        #expect(batch[0] == .bytes(Array("sha256:\(digests[0].hex)".utf8)))
        #expect(batch[1] == .bytes([]))
        #expect(batch[2] == .failure(.notFound, "\(root)/\(directory)/\(digests[2].hex)/link"))
        #expect(batch[3] == .bytes(big))
        guard case .failure(let code, let path) = batch[4] else {
            Issue.record("a symlinked link file was followed out of the store")
            return
        }
        #expect(code == .wrongType && path == "\(root)/\(directory)/\(digests[4].hex)/link")
        guard case .failure(.invalidArgument, _) = batch[5] else {
            Issue.record("a file over the limit was accepted: \(batch[5])")
            return
        }
        #expect(batch[6] == .bytes(Array("sha256:\(digests[0].hex)".utf8)))
    }

    /// What one stat gave.
    enum StatOutcome: Equatable {
        case file(size: Int)
        case directory
        case other
        case failure(SweepError.Code, String?)
    }

    static func stats(_ results: [Result<FileInfo, SweepError>]) -> [StatOutcome] {
        results.map { result in
            switch result {
            case .success(let info) where info.isDirectory: .directory
            case .success(let info) where info.isFile: .file(size: info.size)
            case .success: .other
            case .failure(let error): .failure(error.code, error.path)
            }
        }
    }

    /// `statDigestFiles`, the batch stat a plan makes for links and blobs: the filesystem's
    /// one-descriptor path gives what a stat of each path gives, never follows a symlinked leaf,
    /// and a directory that cannot be opened fails each file by its own path.
    @Test func batchStatsGiveWhatSingleStatsGive() async throws {
        let store = try FixtureStore()
        let directory = "docker/registry/v2/repositories/r/_layers/sha256"
        let digests = (0..<5).map { FixtureStore.digest(of: [UInt8($0)]) }
        try store.write("\(directory)/\(digests[0].hex)/link", "sha256:\(digests[0].hex)")
        try store.write("\(directory)/\(digests[1].hex)/link", "")
        try store.makeDirectory("\(directory)/\(digests[2].hex)")  // no link
        let outside = try store.writeOutside("secret", String(repeating: "x", count: 99))
        try store.symlink("\(directory)/\(digests[3].hex)/link", to: outside)  // stat'ed, not followed
        try store.makeDirectory("\(directory)/\(digests[4].hex)/link")  // wrong type: a directory
        let backend = try store.backend()

        let batch = Self.stats(await backend.statDigestFiles(in: directory, digests, leaf: "link"))
        var single: [Result<FileInfo, SweepError>] = []
        for digest in digests {
            do { single.append(.success(try await backend.stat("\(directory)/\(digest.hex)/link"))) } catch {
                single.append(.failure(error))
            }
        }
        #expect(batch == Self.stats(single))
        #expect(
            batch
                == Self.stats(
                    await RequiredOperationsOnly(base: backend).statDigestFiles(in: directory, digests, leaf: "link")))
        let root = store.root.path
        #expect(batch[0] == .file(size: 71))
        #expect(batch[1] == .file(size: 0))
        #expect(batch[2] == .failure(.notFound, "\(root)/\(directory)/\(digests[2].hex)/link"))
        #expect(batch[3] == .other, "the symlink's target was stat'ed")
        #expect(batch[4] == .directory)

        let gone = "docker/registry/v2/repositories/gone/_layers/sha256"
        #expect(
            Self.stats(await backend.statDigestFiles(in: gone, digests, leaf: "link"))
                == digests.map { .failure(.notFound, "\(root)/\(gone)/\($0.hex)/link") })
        #expect(await backend.statDigestFiles(in: gone, [], leaf: "link").isEmpty)
    }

    /// `withContentsAndInfo`, the read of a tag's link with its push time: the filesystem's
    /// read-then-`fstat` gives the bytes and the modification time a read and a stat give, and
    /// the errors of a read (absent, symlink, directory).
    @Test func readWithInfoGivesWhatAReadAndAStatGive() async throws {
        let store = try FixtureStore()
        let directory = "docker/registry/v2/repositories/r/_manifests/tags"
        let digest = FixtureStore.digest(of: [1])
        try store.write("\(directory)/a/current/link", "sha256:\(digest.hex)")
        let outside = try store.writeOutside("secret", "sha256:\(digest.hex)")
        try store.symlink("\(directory)/b/current/link", to: outside)
        try store.makeDirectory("\(directory)/c/current/link")
        let backend = try store.backend()
        for tag in ["a", "b", "c", "d"] {
            let path = "\(directory)/\(tag)/current/link"
            for reader in [backend as any StorageBackend, RequiredOperationsOnly(base: backend)] {
                var combined: Result<([UInt8], Double?), SweepError>
                do {
                    combined = .success(
                        try await reader.withContentsAndInfo(of: path, limit: 1024) { (Array($0), $1?.modified) })
                } catch {
                    combined = .failure(error)
                }
                var separate: Result<([UInt8], Double?), SweepError>
                do {
                    let bytes = try await reader.withContents(of: path, limit: 1024) { Array($0) }
                    separate = .success((bytes, try? await reader.stat(path).modified))
                } catch {
                    separate = .failure(error)
                }
                switch (combined, separate) {
                case (.success(let one), .success(let two)):
                    #expect(one.0 == two.0 && one.1 == two.1 && one.1 != nil, "\(tag)")
                    #expect(tag == "a")
                case (.failure(let one), .failure(let two)):
                    #expect(one.code == two.code && one.path == two.path, "\(tag)")
                    #expect(tag != "a")
                default:
                    Issue.record("\(tag): \(combined) against \(separate)")
                }
            }
        }
    }

    /// Shard names are the two hex digits a digest's shard has.
    @Test func blobShardNamesMatchDigestShards() {
        #expect([0, 15, 16, 255].map(StorePath.blobShardName) == ["00", "0f", "10", "ff"])
        for digest in (0..<64).map({ FixtureStore.digest(of: [UInt8($0)]) }) {
            #expect(StorePath.blobShardName(Int(digest.w0 >> 56)) == digest.shard)
        }
    }

    /// A directory that cannot be opened fails every file, each named by its own path.
    @Test func missingDirectoryFailsEachFile() async throws {
        let store = try FixtureStore()
        let directory = "docker/registry/v2/repositories/gone/_manifests/revisions/sha256"
        let digests = (0..<3).map { FixtureStore.digest(of: [UInt8($0)]) }
        let backend = try store.backend()
        let outcomes = await Self.batch(backend, directory, digests, limit: 1024)
        #expect(outcomes == digests.map { .failure(.notFound, "\(store.root.path)/\(directory)/\($0.hex)/link") })
        #expect(await Self.batch(backend, directory, [], limit: 1024) == [])
    }
}
