import Foundation
import RegistrySweep
import S3Storage
import Testing

/// `stat` and `list` on S3 (SeaweedFS on loopback): every way of asking (the bucket now, a scan's
/// snapshot view, a live view of one repository) answers alike, and each costs the requests its
/// keys need: one for a file or a directory of at most a page of keys, one per page for a view.
@Suite(.serialized, .enabled(if: SeaweedServer.shouldRun))
struct S3BackendStatTests {
    static let repositories = "docker/registry/v2/repositories"
    static let root = "store"

    static func hex(_ value: Int) -> String { String(format: "%064x", value) }

    /// A repository `foo` with more layer links than a listing page holds, a tag and an upload, and
    /// a repository `foo-bar`, whose keys sort between `…/foo` and `…/foo/`: a listing of prefix
    /// `…/foo` meets them first.
    static let files: [String] =
        (0..<1_050).map { "\(repositories)/foo/_layers/sha256/\(hex($0))/link" } + [
            "\(repositories)/foo/_manifests/tags/latest/current/link",
            "\(repositories)/foo/_uploads/u1/startedat",
            "\(repositories)/foo-bar/_layers/sha256/\(hex(1))/link",
        ]

    static func backend(_ s3: SeaweedServer) throws -> S3Backend {
        let location = try S3Location(
            scheme: "http", host: "127.0.0.1", port: s3.port, bucket: s3.bucket, rootDirectory: root,
            region: s3.region, pathStyle: true)
        return S3Backend(
            S3Configuration(
                location: location, credentials: S3Credentials(accessKeyID: s3.accessKey, secretAccessKey: s3.secretKey)
            ))
    }

    /// What a `stat` answered, comparable across views.
    enum Answer: Equatable, CustomStringConvertible {
        case info(FileInfo)
        case failed(SweepError.Code)

        init(_ backend: any StorageBackend, _ path: String) async {
            do throws(SweepError) {
                self = .info(try await backend.stat(path))
            } catch {
                self = .failed(error.code)
            }
        }

        var description: String {
            switch self {
            case .info(let info):
                "file \(info.isFile) directory \(info.isDirectory) size \(info.size) modified \(info.modified)"
            case .failed(let code): "\(code)"
            }
        }
    }

    @Test func everyViewAnswersAlikeAndEachStatCostsWhatItsKeysNeed() async throws {
        let s3 = try await SeaweedServer.start()
        defer { s3.stop() }
        // S3 keeps whole seconds.
        let before = Timestamp.now().rounded(.down) - 1
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, path) in Self.files.enumerated() {
                if index >= 16 { try await group.next() }
                group.addTask { try await s3.putObjectThroughFiler("\(Self.root)/\(path)", Data(path.utf8)) }
            }
            try await group.waitForAll()
        }
        let after = Timestamp.now().rounded(.up) + 1
        let backend = try Self.backend(s3)
        let allowance = backend.configuration.clockAllowance
        let r = Self.repositories
        let directories = [
            r, "\(r)/foo", "\(r)/foo/_layers/sha256", "\(r)/foo/_manifests/tags", "\(r)/foo/_uploads", "\(r)/foo-bar",
        ]
        let absent = [
            "\(r)/fo", "\(r)/foo-b", "\(r)/foo/_manifests/revisions/sha256",
            "\(r)/foo/_layers/sha256/\(Self.hex(5_000))/link",
        ]
        let files = [Self.files[0], Self.files[1_049]] + Self.files.suffix(3)

        // The bucket now is the reference: files, directories (their latest key's time) and absences.
        for path in files {
            guard case .info(let info) = await Answer(backend, path) else {
                Issue.record("\(path): \(await Answer(backend, path))")
                continue
            }
            #expect(info.isFile && !info.isDirectory && info.size == path.utf8.count, "\(path)")
            #expect((before...after).contains(info.modified - allowance), "\(path): \(info.modified)")
        }
        for path in directories {
            guard case .info(let info) = await Answer(backend, path) else {
                Issue.record("\(path): \(await Answer(backend, path))")
                continue
            }
            #expect(info.isDirectory && !info.isFile, "\(path)")
            #expect((before...after).contains(info.modified - allowance), "\(path): \(info.modified)")
        }
        for path in absent {
            #expect(await Answer(backend, path) == .failed(.notFound), "\(path)")
        }

        // A scan's view and a live view of `foo` answer the same.
        let snapshot = backend.snapshotView()
        let foo = backend.liveView(below: "\(r)/foo")
        for path in files + directories + absent {
            let now = await Answer(backend, path)
            #expect(await Answer(snapshot, path) == now, "snapshot view: \(path)")
            #expect(await Answer(foo, path) == now, "live view of foo: \(path)")
        }
        #expect(try await foo.list("\(r)/foo/_manifests/tags").map(\.name) == ["latest"])
        await #expect(throws: SweepError.self) { try await foo.list("\(r)/foo/_manifests/revisions") }

        // Costs, in ListObjectsV2 requests: one per file, one per directory of less than a page.
        func listings(_ body: () async throws -> Void) async throws -> Int {
            let start = try await s3.settledRequestCounts()["LIST", default: 0]
            try await body()
            return try await s3.settledRequestCounts()["LIST", default: 0] - start
        }
        let small = files + ["\(r)/foo/_manifests/tags", "\(r)/foo/_uploads", "\(r)/foo-bar"]
        let cost = try await listings {
            for path in small { _ = try await backend.stat(path) }
        }
        #expect(cost == small.count)
        // A live view lists the repository once (1,052 keys: two pages) for any number of stats.
        let viewCost = try await listings {
            let view = backend.liveView(below: "\(r)/foo")
            for path in files.prefix(4) + directories.dropFirst().prefix(4) { _ = try await view.stat(path) }
        }
        #expect(viewCost == 2)
    }

    /// Walks reading many objects at once share the backend's read slots (two at concurrency 1,
    /// twelve walks at once): every walk still gets every object once, in its own order, an
    /// absent object as `.notFound` (the server's 404 answer is longer than the 64-byte limit of
    /// an object: the limit is not applied to it), and none waits forever.
    @Test func concurrentDigestWalksShareTheReadSlotsAndGetEveryObjectInOrder() async throws {
        let s3 = try await SeaweedServer.start()
        defer { s3.stop() }
        let directory = "\(Self.repositories)/foo/_layers/sha256"
        let count = 40
        let present = (0..<count).filter { $0 % 5 != 0 }
        for index in present {
            try await s3.putObjectThroughFiler(
                "\(Self.root)/\(directory)/\(Self.hex(index))/link", Data("link \(index)".utf8))
        }
        var configuration = try Self.backend(s3).configuration
        configuration.concurrency = 1
        let backend = S3Backend(configuration)
        let digests = (0..<count).map { Digest.parseHex(Self.hex($0))! }
        let walks = await withTaskGroup(of: (Int, [String]).self) { group in
            for walk in 0..<12 {
                group.addTask {
                    // Each walk reads the objects in its own order.
                    let order = Array(digests[(walk * 3)...] + digests[..<(walk * 3)])
                    var seen: [String] = []
                    await backend.forEachDigestFile(in: directory, order, leaf: "link", limit: 64) { index, read in
                        switch read {
                        case .success(let bytes): seen.append("\(index) \(String(decoding: bytes, as: UTF8.self))")
                        case .failure(let error): seen.append("\(index) \(error.code)")
                        }
                    }
                    return (walk, seen)
                }
            }
            var walks: [Int: [String]] = [:]
            for await (walk, seen) in group { walks[walk] = seen }
            return walks
        }
        #expect(walks.count == 12)
        for (walk, seen) in walks {
            let expected = (0..<count).map { position in
                let index = (position + walk * 3) % count
                return index % 5 == 0 ? "\(position) notFound" : "\(position) link \(index)"
            }
            #expect(seen == expected, "walk \(walk)")
        }
    }
}
