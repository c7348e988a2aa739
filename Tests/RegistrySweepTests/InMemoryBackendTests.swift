import Foundation
import RegistrySweep
import Testing

/// The ``StorageBackend`` contract, checked on the filesystem and in memory with the same
/// calls: every outcome (bytes, listing, error code) must be the same on both, so tests that
/// run on ``InMemoryBackend`` say something about the filesystem.
@Suite struct InMemoryBackendTests {
    /// The same small tree on a backend: files, directories, a symlink, a special file.
    enum Kind: String, CaseIterable, Sendable { case filesystem, memory }

    /// Builds the tree on one backend; the fixture keeps the directory alive.
    static func tree(_ kind: Kind) throws -> (any StorageBackend, FixtureStore?) {
        switch kind {
        case .filesystem:
            let store = try FixtureStore()
            try store.write("d/file", "hello")
            try store.write("d/sub/inner", "x")
            try store.makeDirectory("empty")
            try store.symlink("d/link", to: store.root.appendingPathComponent("d/sub"))
            #expect(mkfifo(store.root.appendingPathComponent("d/fifo").path, 0o644) == 0)
            return (try store.backend(), store)
        case .memory:
            let backend = InMemoryBackend()
            try backend.makeDirectories(FixtureStore.v2 + "/blobs/sha256")
            try backend.makeDirectories(FixtureStore.v2 + "/repositories")
            try backend.write("d/file", "hello")
            try backend.write("d/sub/inner", "x")
            try backend.makeDirectories("empty")
            try backend.makeSymbolicLink("d/link", to: "sub")
            try backend.makeSpecialFile("d/fifo")
            return (backend, nil)
        }
    }

    /// An outcome reduced to what both backends must agree on.
    enum Outcome: Equatable, CustomStringConvertible {
        case value(String)
        case failure(SweepError.Code)
        var description: String {
            switch self {
            case .value(let text): text
            case .failure(let code): "throws \(code)"
            }
        }
    }

    static func outcome(_ body: () async throws(SweepError) -> String) async -> Outcome {
        do {
            return .value(try await body())
        } catch {
            return .failure(error.code)
        }
    }

    /// Every call of the contract on the tree, in order (removals last).
    static func transcript(_ backend: any StorageBackend) async -> [String] {
        var lines: [String] = []
        func note(_ call: String, _ body: () async throws(SweepError) -> String) async {
            lines.append("\(call): \(await outcome(body))")
        }
        func listing(_ path: String) async throws(SweepError) -> String {
            try await backend.list(path).sorted { $0.name < $1.name }.map { "\($0.name)=\($0.kind)" }.joined(
                separator: ",")
        }
        func read(_ path: String, limit: Int = 1024) async throws(SweepError) -> String {
            try await backend.withContents(of: path, limit: limit) { String(decoding: $0, as: UTF8.self) }
        }
        func stat(_ path: String) async throws(SweepError) -> String {
            let info = try await backend.stat(path)
            return "file=\(info.isFile) dir=\(info.isDirectory) size=\(info.isFile ? info.size : -1)"
        }
        for path in [
            "d", "empty", "d/file", "d/link", "d/fifo", "missing", "d/file/below", "d/link/inner", "../d", "d//file",
        ] {
            await note("list \(path)") { () throws(SweepError) in try await listing(path) }
        }
        // Not "d/link/inner": the filesystem follows a symlink in a parent on reads (only removals
        // check parents), the in-memory backend never follows one (the stricter contract).
        for path in ["d/file", "d", "d/link", "d/fifo", "missing", "d/file/below", "/etc/passwd"] {
            await note("read \(path)") { () throws(SweepError) in try await read(path) }
        }
        await note("read over limit") { () throws(SweepError) in try await read("d/file", limit: 3) }
        await note("stream d/file") { () throws(SweepError) in
            var chunks: [String] = []
            let info = try await backend.stream("d/file", chunkSize: 2) {
                chunks.append(String(decoding: $0, as: UTF8.self))
            }
            return "\(chunks.joined()) \(info.size)"
        }
        await note("stream d") { () throws(SweepError) in
            _ = try await backend.stream("d", chunkSize: 2) { _ in }
            return ""
        }
        for path in ["d", "d/file", "d/link", "missing", "d/file/below"] {
            await note("stat \(path)") { () throws(SweepError) in try await stat(path) }
        }
        await note("subdirectory d/sub") { () throws(SweepError) in
            try await backend.subdirectory("d/sub").withContents(of: "inner", limit: 10) {
                String(decoding: $0, as: UTF8.self)
            }
        }
        await note("subdirectory missing") { () throws(SweepError) in
            _ = try await backend.subdirectory("missing")
            return ""
        }
        await note("subdirectory d/file") { () throws(SweepError) in
            _ = try await backend.subdirectory("d/file")
            return ""
        }
        await note("removeEmptyDirectory d") { () throws(SweepError) in "\(try await backend.removeEmptyDirectory("d"))"
        }
        await note("removeEmptyDirectory empty") { () throws(SweepError) in
            "\(try await backend.removeEmptyDirectory("empty"))"
        }
        await note("removeEmptyDirectory missing") { () throws(SweepError) in
            "\(try await backend.removeEmptyDirectory("missing"))"
        }
        await note("removeEmptyDirectory d/file") { () throws(SweepError) in
            "\(try await backend.removeEmptyDirectory("d/file"))"
        }
        await note("removeFile d") { () throws(SweepError) in
            try await backend.removeFile("d")
            return ""
        }
        await note("removeFile missing") { () throws(SweepError) in
            try await backend.removeFile("missing")
            return ""
        }
        await note("removeFile d/link") { () throws(SweepError) in
            try await backend.removeFile("d/link")
            return ""
        }
        await note("after removeFile") { () throws(SweepError) in try await listing("d") }
        await note("removeTree missing") { () throws(SweepError) in
            try await backend.removeTree("missing/x")
            return ""
        }
        await note("removeTree d") { () throws(SweepError) in
            try await backend.removeTree("d")
            return ""
        }
        await note("after removeTree") { () throws(SweepError) in try await listing("") }
        return lines
    }

    /// Both backends give the same transcript; the filesystem's is the reference.
    @Test func inMemoryBehavesLikeTheFilesystem() async throws {
        let (disk, fixture) = try Self.tree(.filesystem)
        let expected = await Self.transcript(disk)
        withExtendedLifetime(fixture) {}
        let (memory, _) = try Self.tree(.memory)
        let actual = await Self.transcript(memory)
        #expect(actual.count == expected.count)
        for (line, reference) in zip(actual, expected) {
            #expect(line == reference)
        }
        // A few lines spelled out, so the reference itself is checked.
        #expect(expected.contains("list d/file: throws wrongType"))
        #expect(expected.contains("list missing: throws notFound"))
        #expect(expected.contains("read d/link: throws wrongType"))
        #expect(expected.contains("read d/fifo: throws wrongType"))
        #expect(expected.contains("removeEmptyDirectory d: false"))
    }

    @Test func modificationTimesFollowTheKernelsRules() async throws {
        let backend = InMemoryBackend()
        backend.setClock(1_000)
        try backend.write("a/b/file", "one")
        #expect(try await backend.stat("a/b").modified == 1_000)
        backend.setClock(2_000)
        try backend.write("a/b/file", "two")
        #expect(try await backend.stat("a/b/file").modified == 2_000, "a rewrite stamps the file")
        #expect(try await backend.stat("a/b").modified == 1_000, "but not its directory")
        backend.setClock(3_000)
        try backend.write("a/b/other", "new")
        #expect(try await backend.stat("a/b").modified == 3_000, "a new entry stamps the directory")
        #expect(try await backend.stat("a").modified == 1_000)
        backend.advanceClock(by: 1_000)
        try await backend.removeFile("a/b/other")
        #expect(try await backend.stat("a/b").modified == 4_000, "a removal stamps the directory")
        try backend.setModificationTime("a/b/file", seconds: 10.5)
        #expect(try await backend.stat("a/b/file").modifiedNanoseconds == 10_500_000_000)
        backend.setClock(nil)
        let before = Timestamp.now()
        try backend.write("a/c", "real clock")
        let stamped = try await backend.stat("a/c").modified
        #expect(stamped >= before - 1e-6 && stamped <= Timestamp.now() + 1e-6)
    }

    @Test func lockIsExclusiveUntilReleased() async throws {
        let backend = InMemoryBackend()
        let held = try await backend.lock()
        #expect(backend.isLocked)
        await #expect(throws: SweepError.self) { _ = try await backend.lock() }
        let view = try await backend.subdirectory("")
        await #expect(throws: SweepError.self, "a view locks its whole base store") { _ = try await view.lock() }
        held.release()
        #expect(!backend.isLocked)
        var again: StoreLockHandle? = try await backend.lock()
        #expect(backend.isLocked && again != nil)
        again = nil
        #expect(!backend.isLocked, "dropping the handle releases the lock")
    }

    @Test func faultsFireWhereAndWhenAsked() async throws {
        let backend = InMemoryBackend()
        try backend.write("r/a/link", "A")
        try backend.write("r/b/link", "B")
        try backend.write("s/link", "S")
        backend.inject(.init(.read, .subtree("r"), SweepError(.io, "disk error"), afterCalls: 1, times: 2))
        backend.inject(.init([.list, .stat], .path("s"), SweepError(.permissionDenied, "denied")))
        func read(_ path: String) async -> SweepError.Code? {
            do {
                _ = try await backend.withContents(of: path, limit: 10) { Array($0) }
                return nil
            } catch {
                #expect(error.path == "memory/\(path)", "the failing path is named")
                return error.code
            }
        }
        #expect(await read("r/a/link") == nil, "the first call succeeds")
        #expect(await read("r/a/link") == .io)
        #expect(await read("r/b/link") == .io)
        #expect(await read("r/b/link") == nil, "fired twice, then done")
        #expect(await read("s/link") == nil, "another path")
        await #expect(throws: SweepError.self) { _ = try await backend.list("s") }
        await #expect(throws: SweepError.self) { _ = try await backend.stat("s") }
        #expect(try await backend.stat("s/link").size == 1, "exact scope: not below")
        #expect(backend.injectedFailures == 4)
        backend.removeAllFaults()
        #expect(try await backend.list("s").count == 1)
    }

    @Test func removeTreeStopsAtAFaultAndKeepsTheRest() async throws {
        let backend = InMemoryBackend()
        for name in ["a", "b", "c"] { try backend.write("t/\(name)", name) }
        backend.inject(.init(.remove, .path("t/b"), SweepError(.io, "busy")))
        await #expect(throws: SweepError.self) { try await backend.removeTree("t") }
        #expect(backend.filePaths() == ["t/b", "t/c"], "removed in name order up to the failure")
    }
}
