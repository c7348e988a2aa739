import Foundation
import RegistrySweep
import Testing

/// The damage catalogue for ``BadInputTests``: each entry breaks `broken/app` (a tagged image
/// `v1` and an untagged one) in one way and says what must be reported and what must survive.
extension BadInputTests {
    static let repositoryPath = "repositories/\(repository)"

    static let damages: [Damage] = basicDamages + symlinkDamages

    static let basicDamages: [Damage] = [
        Damage(name: "empty tag link", apply: emptyTagLink),
        Damage(name: "garbage tag link", apply: garbageTagLink),
        Damage(name: "garbage revision and layer links", apply: garbageRevisionAndLayerLinks),
        Damage(name: "link naming another digest", apply: linkNamingAnotherDigest),
        Damage(name: "truncated manifest", apply: truncatedManifest),
        Damage(name: "invalid JSON manifest", apply: invalidJsonManifest),
        Damage(name: "revision whose manifest blob is missing", apply: revisionWhoseManifestBlobIsMissing),
        Damage(name: "bad repository name", apply: badRepositoryName),
        Damage(name: "directory where a link file should be", apply: directoryWhereALinkFileShouldBe),
        Damage(name: "interrupted tag write leaves only a .tmp", apply: interruptedTagWriteLeavesOnlyATmp),
        Damage(name: "stray .tmp files beside sound links", apply: strayTmpFilesBesideSoundLinks),
        Damage(name: "unexpected entries in blobs/sha256", apply: unexpectedEntriesInBlobsSha256),
    ]

    static func emptyTagLink(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        try store.write(FixtureStore.tagCurrent(repository, "v2"), "")
        // Which manifest v2 names is unknown: it may be the untagged one.
        return Expectation(
            problems: [(.emptyLink, "\(repositoryPath)/_manifests/tags/v2/current/link")],
            keep: tagged.all + untagged.all)
    }

    static func garbageTagLink(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        try store.write(FixtureStore.tagCurrent(repository, "v2"), [0x67, 0x61, 0x72, 0x62, 0x00, 0xFF, 0x0A])
        return Expectation(
            problems: [(.corruptLink, "\(repositoryPath)/_manifests/tags/v2/current/link")],
            keep: tagged.all + untagged.all)
    }

    static func garbageRevisionAndLayerLinks(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        try store.write(FixtureStore.revisionLink(repository, untagged.manifest), "sha256:nonsense")
        try store.write(FixtureStore.layerLink(repository, tagged.layers[0]), "\n")
        // The revision directory names the digest; the tagged image needs its layer whatever its link says.
        return Expectation(
            problems: [
                (.corruptLink, "_manifests/revisions/sha256/\(untagged.manifest.hex)/link"),
                (.corruptLink, "_layers/sha256/\(tagged.layers[0].hex)/link"),
            ],
            keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all)
    }

    static func linkNamingAnotherDigest(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        // Blobs of an image no link names, then a revision link whose content names it: the
        // registry follows the link's content, so GET broken/app@<untagged> serves that manifest.
        let config = try store.blob("{\"seed\":\"stranger\"}")
        let layer = try store.blob("stranger layer")
        let stranger = try store.blob(FixtureStore.schema2(config: config, layers: [layer]))
        try store.link(FixtureStore.revisionLink(repository, untagged.manifest), to: stranger)
        return Expectation(
            problems: [(.linkMismatch, "_manifests/revisions/sha256/\(untagged.manifest.hex)/link")],
            // The revision's link is read: the blob it names is kept, and the repository kept whole.
            keep: tagged.all + untagged.all + [stranger, config, layer])
    }

    static func truncatedManifest(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        try store.writeBlob(
            Array(untagged.manifestBytes.prefix(untagged.manifestBytes.count / 2)), as: untagged.manifest)
        return Expectation(
            problems: [(.invalidManifest, FixtureStore.blobData(untagged.manifest))],
            keep: tagged.all + untagged.all)
    }

    static func invalidJsonManifest(_ store: FixtureStore) throws -> Expectation {
        let (tagged, _) = try images(store)
        let config = try store.blob("{\"seed\":\"trailing comma\"}")
        let layer = try store.blob("trailing comma layer")
        for digest in [config, layer] { try store.layerLink(repository, digest) }
        var text = FixtureStore.schema2(config: config, layers: [layer])
        text.insert(",", at: text.index(before: text.endIndex))
        let manifest = try store.blob(text)
        try store.revision(repository, manifest)
        return Expectation(
            problems: [(.invalidManifest, FixtureStore.blobData(manifest))],
            keep: tagged.all + [manifest, config, layer])
    }

    static func revisionWhoseManifestBlobIsMissing(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        try store.remove("\(FixtureStore.v2)/blobs/sha256/\(untagged.manifest.hex.prefix(2))/\(untagged.manifest.hex)")
        return Expectation(
            problems: [(.missingBlob, FixtureStore.blobData(untagged.manifest))],
            keep: tagged.all + [untagged.config] + untagged.layers)
    }

    static func badRepositoryName(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store, "Bad_Repo")
        return Expectation(problems: [(.invalidName, "repositories/Bad_Repo")], keep: tagged.all + untagged.all)
    }

    static func directoryWhereALinkFileShouldBe(_ store: FixtureStore) throws -> Expectation {
        // Stands in for a permission error: tests run as root, and root reads any file whatever
        // its mode, so an unreadable link is simulated by a path that cannot be read as a file.
        let (tagged, untagged) = try images(store)
        try store.write(FixtureStore.tagCurrent(repository, "v2") + "/inside", "sha256:\(untagged.manifest.hex)")
        return Expectation(
            problems: [(.wrongType, "\(repositoryPath)/_manifests/tags/v2/current/link")],
            keep: tagged.all + untagged.all)
    }

    static func interruptedTagWriteLeavesOnlyATmp(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let temporary = FixtureStore.tagCurrent(repository, "v2") + ".5b1d2f3e-0c1a-4f7e-9a55-1e2d3c4b5a69.tmp"
        try store.link(temporary, to: untagged.manifest)
        // No current/link: an unknown tag to the registry, so the untagged image is untagged
        // (only the grace period protects a push in flight); not a problem.
        return Expectation(
            problems: [], keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all, quietRepository: repository)
    }

    static func strayTmpFilesBesideSoundLinks(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let suffix = ".0f0e0d0c-0b0a-4908-8706-050403020100.tmp"
        let files = [
            FixtureStore.revisionLink(repository, tagged.manifest) + suffix,
            FixtureStore.layerLink(repository, tagged.layers[0]) + suffix,
            FixtureStore.tagCurrent(repository, "v1") + suffix,
            "\(FixtureStore.repository(repository))/_manifests/revisions/sha256/\(tagged.manifest.hex)\(suffix)",
            "\(FixtureStore.repository(repository))/_layers/sha256/\(untagged.layers[0].hex)\(suffix)",
        ]
        for file in files { try store.link(file, to: tagged.manifest) }
        return Expectation(
            problems: [], keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all, files: files,
            quietRepository: repository)
    }

    static func unexpectedEntriesInBlobsSha256(_ store: FixtureStore) throws -> Expectation {
        let (tagged, untagged) = try images(store)
        let wrongShard = FixtureStore.digest(of: Array("misplaced".utf8))
        let shard = wrongShard.hex.hasPrefix("00") ? "01" : "00"
        let files = [
            "\(FixtureStore.v2)/blobs/sha256/README",
            "\(FixtureStore.v2)/blobs/sha256/zz/data",
            "\(FixtureStore.v2)/blobs/sha256/\(shard)/not-a-digest",
            "\(FixtureStore.v2)/blobs/sha256/\(shard)/\(wrongShard.hex)/data",
            "\(FixtureStore.v2)/blobs/sha256/\(shard)/\(String(repeating: "0", count: 64)).tmp",
        ]
        for file in files { try store.write(file, "not a blob") }
        return Expectation(
            problems: [
                (.invalidStore, "blobs/sha256/README"), (.invalidStore, "blobs/sha256/zz"),
                (.invalidStore, "blobs/sha256/\(shard)/not-a-digest"),
                (.invalidStore, "blobs/sha256/\(shard)/\(wrongShard.hex)"),
            ],
            keep: tagged.all, keepUnlessUntaggedDeleted: untagged.all, files: files)
    }
}
