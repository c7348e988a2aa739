import DockerImageStore
import Foundation
import RegistrySweep
import Testing

/// An image config that is missing, a directory, or corrupt is one kind of problem: the same
/// code, a message naming the path; strict loading (and `regsweep images`, exit 3) stops on it.
extension ImageStoreLoaderTests {
    enum ConfigDamage: String, CaseIterable, Sendable {
        /// The content file is gone; the image's metadata (its `parent`) is still there.
        case missing
        /// A directory where the content file was.
        case directory
        /// Bytes that do not hash to the file's name.
        case corrupt
    }

    @Test(arguments: ConfigDamage.allCases)
    func damagedImageConfigIsReported(_ damage: ConfigDamage) async throws {
        let dir = try ImageStoreFixtures.makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let ids = try ImageStoreFixtures.writeCurrent(
            at: dir,
            images: [
                .init(name: "base", parent: nil, newLayers: [1], references: ["base:1"]),
                .init(name: "child", parent: "base", newLayers: [2], references: ["child:1"]),
            ])
        let child = try #require(ids["child"])
        let file = dir.appendingPathComponent("image/vfs/imagedb/content/sha256/\(child.hex)")
        switch damage {
        case .missing:
            try FileManager.default.removeItem(at: file)
        case .directory:
            try FileManager.default.removeItem(at: file)
            try FileManager.default.createDirectory(at: file, withIntermediateDirectories: false)
        case .corrupt:
            try Data("not json".utf8).write(to: file)
        }

        let error = await #expect(throws: SweepError.self) { try await ImageStoreLoader().load(dataRoot: dir.path) }
        #expect(error?.code == .invalidImageStore)
        #expect(error?.path == file.path)
        #expect(error?.digest == child)
        #expect(error?.message.contains("corrupt image config") == true, "\(String(describing: error))")

        let lenient = try await ImageStoreLoader(strict: false).loadDetailed(dataRoot: dir.path)
        #expect(lenient.model.allIDs() == [ids["base"]!])
        #expect(lenient.problems.map(\.path) == [file.path])
        #expect(lenient.problems.map(\.code) == [.invalidImageStore])

        let outcome = try ChildProcess.run(try regsweepExecutable().path, ["images", dir.path], output: .discarded)
        let message = outcome.errorText
        #expect(outcome.termination == .exited(3), "\(message)")
        #expect(message.contains(file.path), "\(message)")
    }
}
