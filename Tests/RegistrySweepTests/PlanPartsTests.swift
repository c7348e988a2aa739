import Foundation
import RegistryStoreGenerator
import RegistrySweep
import Testing

/// The plan's link candidates are computed in parts (one per processor, contiguous repository
/// ranges, joined in order). On a generated store of 150 repositories, every part count gives
/// the report one pass gives, item for item and in the same order, with and without
/// delete-untagged.
@Suite struct PlanPartsTests {
    @Test func everyPartCountGivesTheOnePassPlan() async throws {
        let root = GeneratorTests.temporaryRoot("plan-parts")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var generator = GeneratorTests.smallOptions(seed: 7)
        generator.repositories = 150
        generator.imagesPerRepository = 4
        generator.keepContents = false
        _ = try await StoreGenerator(root: root, options: generator).generate()
        let backend = try FileSystemBackend(root: root)
        let snapshot = try await StoreScanner(backend: backend).scan()
        #expect(snapshot.repositories.count == 150)
        for deleteUntagged in [false, true] {
            var options = CollectOptions()
            options.grace = 0
            options.deleteUntagged = deleteUntagged
            options.planParts = 1
            let onePass = try await Collector(backend: backend, options: options).run(snapshot: snapshot)
            #expect(!onePass.eligibleLinks.isEmpty, "the store has link candidates to compare")
            for parts in [2, 3, 7, 150] {
                options.planParts = parts
                let report = try await Collector(backend: backend, options: options).run(snapshot: snapshot)
                // Compared as a Bool: a failure names where the lists part, not both lists whole.
                let sameLinks = report.eligibleLinks == onePass.eligibleLinks
                let firstDifference = zip(report.eligibleLinks, onePass.eligibleLinks).enumerated().first {
                    $0.element.0 != $0.element.1
                }?.offset
                #expect(
                    sameLinks,
                    "\(parts) parts, deleteUntagged \(deleteUntagged): \(report.eligibleLinks.count) links against \(onePass.eligibleLinks.count), first difference at \(String(describing: firstDifference))"
                )
                #expect(report.eligibleBlobs == onePass.eligibleBlobs)
                #expect(report.eligibleManifests == onePass.eligibleManifests)
            }
        }
    }
}
