import Foundation
import RegistrySweep
import Testing

/// A plan's link and manifest items hold references, not paths: the paths are spelled when asked.
/// The plan file keeps its keys (a link's `ref`, `path`, `digest`, `blobGone`; a manifest's
/// `repository`, `digest`, `paths`), and an edited or incomplete item is refused rather than read
/// as some other path.
struct PlanItemCodingTests {
    private static let digest = Digest("sha256:" + String(repeating: "ab", count: 32))!
    private static let other = Digest("sha256:" + String(repeating: "cd", count: 32))!

    private func decode(_ json: String) throws -> SweepPlan.LinkItem {
        try JSONDecoder().decode(SweepPlan.LinkItem.self, from: Data(json.utf8))
    }

    private func ref(_ kind: String, tag: String? = nil, digest: Digest? = nil) -> String {
        var fields = [#""repository": "team/app""#, #""kind": "\#(kind)""#]
        if let tag { fields.append(#""tag": "\#(tag)""#) }
        fields.append(#""digest": "\#(digest?.description ?? "")""#)  // the empty string: none
        return "{" + fields.joined(separator: ", ") + "}"
    }

    @Test(
        "each kind's path is the store path of what it names",
        arguments: [
            ("layer", nil, true, StorePath.layerLink("team/app", digest)),
            ("revision-without-link", nil, true, StorePath.revision("team/app", digest)),
            ("tag-without-link", "v1", false, StorePath.tag("team/app", "v1")),
            ("tag-history", "v1", true, StorePath.tagIndexEntry("team/app", "v1", digest)),
        ] as [(String, String?, Bool, String)])
    func pathFromReference(kind: String, tag: String?, hasDigest: Bool, path: String) throws {
        let digest = hasDigest ? Self.digest : nil
        let item = try decode(#"{"ref": \#(ref(kind, tag: tag, digest: digest)), "blobGone": true}"#)
        #expect(item.path == path)
        #expect(item.digest == digest)
        #expect(item.blobGone)

        // Written with the same keys as before the path was derived, and read back the same.
        let data = try JSONEncoder().encode(item)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == Set(["ref", "path", "blobGone"] + (hasDigest ? ["digest"] : [])))
        #expect(object["path"] as? String == path)
        #expect(try JSONDecoder().decode(SweepPlan.LinkItem.self, from: data) == item)
    }

    @Test("a plan file written before the path was derived reads the same")
    func earlierFormat() throws {
        let path = StorePath.layerLink("team/app", Self.digest)
        let item = try decode(
            #"{"ref": \#(ref("layer", digest: Self.digest)), "path": "\#(path)", "digest": "\#(Self.digest)", "blobGone": false}"#
        )
        #expect(item.path == path)
        #expect(!item.blobGone)
    }

    @Test(
        "an edited or incomplete item is refused",
        arguments: [
            // A path that is not the reference's: a layer link pointed at a tag directory.
            #"{"ref": REF_LAYER, "path": "docker/registry/v2/repositories/team/app/_manifests/tags", "blobGone": false}"#,
            // A digest that is not the reference's.
            #"{"ref": REF_LAYER, "digest": "OTHER", "blobGone": false}"#,
            // Kinds without what their path needs.
            #"{"ref": {"repository": "team/app", "kind": "layer", "digest": ""}, "blobGone": false}"#,
            #"{"ref": {"repository": "team/app", "kind": "revision-without-link", "digest": ""}, "blobGone": false}"#,
            #"{"ref": {"repository": "team/app", "kind": "tag-without-link", "digest": ""}, "blobGone": false}"#,
            #"{"ref": {"repository": "team/app", "kind": "tag-history", "digest": "DIGEST"}, "blobGone": false}"#,
            #"{"ref": {"repository": "team/app", "kind": "tag-history", "tag": "v1", "digest": ""}, "blobGone": false}"#,
        ])
    func refused(template: String) {
        let json =
            template
            .replacingOccurrences(of: "REF_LAYER", with: ref("layer", digest: Self.digest))
            .replacingOccurrences(of: "OTHER", with: Self.other.description)
            .replacingOccurrences(of: "DIGEST", with: Self.digest.description)
        #expect(throws: DecodingError.self) { try decode(json) }
    }

    private func decodeManifest(_ paths: [String], digest: Digest = digest) throws -> SweepPlan.ManifestItem {
        let object: [String: Any] = ["repository": "team/app", "digest": digest.description, "paths": paths]
        let data = try JSONSerialization.data(withJSONObject: object)
        return try JSONDecoder().decode(SweepPlan.ManifestItem.self, from: data)
    }

    @Test("a manifest item's paths are its tag-history entries, then its revision directory")
    func manifestPaths() throws {
        let paths = [
            StorePath.tagIndexEntry("team/app", "v1", Self.digest),
            StorePath.tagIndexEntry("team/app", "v1.2-rc", Self.digest),
            StorePath.revision("team/app", Self.digest),
        ]
        let item = try decodeManifest(paths)
        #expect(item.historyTags == ["v1", "v1.2-rc"])
        #expect(item.paths == paths)

        let data = try JSONEncoder().encode(item)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(object.keys) == ["repository", "digest", "paths"])
        #expect(object["paths"] as? [String] == paths)
        #expect(try JSONDecoder().decode(SweepPlan.ManifestItem.self, from: data) == item)

        let untagged = try decodeManifest([StorePath.revision("team/app", Self.digest)])
        #expect(untagged.historyTags.isEmpty)
    }

    @Test(
        "a manifest item whose paths are not its own is refused",
        arguments: [
            // No revision directory last, or another manifest's.
            [StorePath.tagIndexEntry("team/app", "v1", digest)],
            [StorePath.revision("team/app", other)],
            [],
            // A history entry of another repository, of another digest, or not one directory name.
            [StorePath.tagIndexEntry("team/web", "v1", digest), StorePath.revision("team/app", digest)],
            [StorePath.tagIndexEntry("team/app", "v1", other), StorePath.revision("team/app", digest)],
            [StorePath.tagIndexEntry("team/app", "a/b", digest), StorePath.revision("team/app", digest)],
            [StorePath.tagIndexEntry("team/app", "..", digest), StorePath.revision("team/app", digest)],
            [StorePath.tagIndexEntry("team/app", "", digest), StorePath.revision("team/app", digest)],
            // The tags directory itself.
            [StorePath.tag("team/app", ""), StorePath.revision("team/app", digest)],
        ])
    func manifestRefused(paths: [String]) {
        #expect(throws: DecodingError.self) { try decodeManifest(paths) }
    }
}
