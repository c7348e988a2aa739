import Foundation
import RegistrySweep
import Testing

/// `--fast` against a baseline, on stores written by the real registry.
@Suite(.enabled(if: RegistryServer.shouldRun)) struct VerifyFastTests {
    /// A store with a fresh baseline from a full run.
    static func storeWithBaseline() async throws -> (VerifyStore, String) {
        let store = try await VerifyStore.make()
        let path = store.scratch("store.baseline")
        let full = try await store.verify(VerifyOptions(mode: .full, baseline: path))
        #expect(full.isClean)
        #expect(full.baseline?.recordsWritten == store.allDigests.count)
        return (store, path)
    }

    @Test func unchangedStoreIsCheckedWithXXH3Only() async throws {
        let (store, path) = try await Self.storeWithBaseline()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let report = try await store.verify(VerifyOptions(mode: .fast, baseline: path))
        #expect(report.isClean)
        #expect(report.hashedSHA256 == 0)
        #expect(report.checkedXXH3 == store.allDigests.count)
        #expect(report.verified == store.allDigests.count)
        #expect(report.baseline?.recordsRead == store.allDigests.count)
        #expect(report.baseline?.recordsWritten == nil)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    /// A filesystem has no ETags: trusting them skips nothing; and only fast mode may trust.
    @Test func trustingContentTagsOnAFilesystemReadsEveryBlob() async throws {
        let (store, path) = try await Self.storeWithBaseline()
        var trusting = VerifyOptions(mode: .fast, baseline: path)
        trusting.trustContentTags = true
        let report = try await store.verify(trusting)
        #expect(report.isClean && report.trustedContentTags == 0 && report.checkedXXH3 == store.allDigests.count)
        var full = VerifyOptions(mode: .full, baseline: path)
        full.trustContentTags = true
        let error = await #expect(throws: SweepError.self) { try await store.verify(full) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func flippedByteWithRestoredSizeAndMtimeIsCaught() async throws {
        let (store, path) = try await Self.storeWithBaseline()
        let layer = store.base.layers[0].digest
        let info = try await store.backend.stat(store.data(layer))
        try store.flipByte(layer, at: 2_000_000)
        try store.backend.setModificationTime(store.data(layer), nanoseconds: info.modifiedNanoseconds)
        let restored = try await store.backend.stat(store.data(layer))
        #expect(restored.size == info.size && restored.modifiedNanoseconds == info.modifiedNanoseconds)

        let report = try await store.verify(VerifyOptions(mode: .fast, baseline: path))
        let problem = try #require(report.problems(.digestMismatch).first)
        #expect(problem.digest?.description == layer)
        #expect(problem.message.contains("unchanged since the baseline"))
        #expect(problem.brokenTags == ["lib/base:latest"])
        #expect(report.corrupt == 1 && report.problems.count == 1)
        // Every blob went through XXH3; only the suspect one was confirmed with SHA-256.
        #expect(report.checkedXXH3 == store.allDigests.count && report.hashedSHA256 == 1)
        // The baseline keeps the good record, so the next fast run still catches it.
        #expect(report.baseline?.recordsWritten == nil)
        let again = try await store.verify(VerifyOptions(mode: .fast, baseline: path))
        #expect(again.problems(.digestMismatch).map(\.digest?.description) == [layer])
    }

    @Test func newAndChangedBlobsAreHashedWithSHA256AndRecorded() async throws {
        let (store, path) = try await Self.storeWithBaseline()
        try await store.registry.restart()
        let added = try await store.registry.pushImage(
            "lib/base", tag: "v2", layers: [ImageFactory.randomBlob(size: 40_000, seed: 77)],
            config: ImageFactory.imageConfig(seed: 77))
        store.registry.stop()
        let touched = store.web1.config.digest
        let info = try await store.backend.stat(store.data(touched))
        try store.backend.setModificationTime(store.data(touched), nanoseconds: info.modifiedNanoseconds + 1)

        let report = try await store.verify(VerifyOptions(mode: .fast, baseline: path))
        #expect(report.isClean)
        #expect(report.hashedSHA256 == 3 + 1)  // config, layer, manifest of v2; the touched config
        #expect(report.checkedXXH3 == store.allDigests.count - 1)
        #expect(report.baseline?.recordsWritten == store.allDigests.count + 3)
        let baseline = try await VerifyBaseline.load(path: path)
        #expect(baseline.record(for: Digest(added.manifestDigest)!) != nil)
        #expect(baseline.record(for: Digest(touched)!)?.modifiedNanoseconds == info.modifiedNanoseconds + 1)

        let next = try await store.verify(VerifyOptions(mode: .fast, baseline: path))
        #expect(next.isClean && next.hashedSHA256 == 0 && next.checkedXXH3 == store.allDigests.count + 3)
    }

    enum Damage: String, CaseIterable, Sendable {
        case flippedByte, truncated, wrongVersion, deleted
    }

    @Test(arguments: Damage.allCases)
    func damagedBaselineStopsTheRun(damage: Damage) async throws {
        let (store, path) = try await Self.storeWithBaseline()
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case .flippedByte: bytes[32 + 64 * 2 + 40] ^= 0x04  // a record's mtime
        case .truncated: bytes.removeLast(64)
        case .wrongVersion: bytes = VerifyBaselineFormatTests.resealed(bytes) { $0[8] = 9 }
        case .deleted: bytes = []
        }
        if damage == .deleted {
            try FileManager.default.removeItem(atPath: path)
        } else {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        let error = await #expect(throws: SweepError.self) {
            try await store.verify(VerifyOptions(mode: .fast, baseline: path))
        }
        #expect(error?.code == .invalidBaseline)
        #expect(error?.path == path)
        // Never repaired behind the operator's back.
        if damage != .deleted { #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes) }
    }

    @Test func fastWithoutABaselineIsAnInvalidArgument() async throws {
        let store = try await VerifyStore.make()
        let error = await #expect(throws: SweepError.self) { try await store.verify(VerifyOptions(mode: .fast)) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func commandExitCodesAndJSON() async throws {
        let (store, path) = try await Self.storeWithBaseline()
        let executable = try regsweepExecutable().path
        func run(_ arguments: [String]) throws -> (status: Int32, output: Data) {
            let outcome = try ChildProcess.run(executable, arguments, error: .discarded)
            return (outcome.status, Data(outcome.output))
        }
        #expect(try run(["verify", store.root]).status == 0)
        #expect(try run(["verify", store.root, "--fast", "--baseline", path]).status == 0)
        #expect(try run(["verify", store.root, "--fast"]).status == 64)
        #expect(try run(["verify", store.root, "--quarantine", store.scratch("absent")]).status == 64)
        #expect(try run(["verify", "/nonexistent-store"]).status == 3)

        try store.flipByte(store.web2.layers[1].digest, at: 10)
        let damaged = try run(["verify", store.root, "--json"])
        #expect(damaged.status == 1)
        let report = try JSONDecoder().decode(VerifyReport.self, from: damaged.output)
        #expect(report.problems(.digestMismatch).map(\.brokenTags) == [["app/web:v2"]])
        #expect(report.mode == .full && report.throughput > 0)

        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        #expect(try run(["verify", store.root, "--fast", "--baseline", path]).status == 3)
    }
}
