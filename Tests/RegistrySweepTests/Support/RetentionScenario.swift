import Foundation
import RegistrySweep

/// A store built through the real registry for retention, with controlled push times.
///
/// - `team/app`: `v1.2.0` (release, 100 days ago), `b1` (50 d, signed: an untagged OCI referrer
///   whose `subject` is b1), `b2` and `b3` (both 40 d: a tie), `b4` (20 d), `b5` and `latest`
///   (10 d, one manifest under two tags); all share a base layer;
/// - `team/multi`: OCI index `1.0` (60 d, two children pushed by digest), Docker list `2.0` (5 d,
///   two children, one sharing a layer with a child of 1.0), image `dev` (1 d);
/// - `other/svc`: `1` (30 d, shares a layer with team/app:b1), `2` (20 d), `3` (10 d), `4` (1 d),
///   and an uploaded blob no manifest references (garbage before any retention: `gc`'s, so only a
///   run with collect frees it).
///
/// Push times are set after pushing: each tag's `current/link` modification time.
struct RetentionScenario {
    /// What pulling a tag yields.
    enum Content {
        case image(PushedImage)
        case index(PushedMultiArch)

        /// The manifest digest the tag names.
        var digest: String {
            switch self {
            case .image(let image): image.manifestDigest
            case .index(let index): index.index
            }
        }
    }

    /// A tag, what it pulls, and how many days ago it was "pushed".
    struct Entry {
        var repository: String
        var tag: String
        var content: Content
        var daysAgo: Double
        var name: String { "\(repository):\(tag)" }
    }

    var entries: [Entry] = []
    /// The signature of team/app:b1 (untagged referrer).
    var signature: PushedImage
    /// A blob uploaded to other/svc that no manifest references.
    var orphan: Blob
    /// The time push times count back from.
    var now: Double

    static func build(_ registry: RegistryServer) async throws -> RetentionScenario {
        func blob(_ n: UInt64, _ size: Int = 1500) -> Blob { ImageFactory.randomBlob(size: size, seed: 7000 + n) }
        func config(_ n: UInt64, _ architecture: String = "amd64") -> Blob {
            ImageFactory.imageConfig(architecture: architecture, seed: 7100 + n)
        }
        let base = blob(1, 6000)
        let sharedWithSvc = blob(2)
        let sharedChildLayer = blob(3)
        var entries: [Entry] = []
        func image(_ repository: String, _ tag: String, _ days: Double, _ layers: [Blob], _ config: Blob) async throws
            -> PushedImage
        {
            let pushed = try await registry.pushImage(repository, tag: tag, layers: layers, config: config)
            entries.append(Entry(repository: repository, tag: tag, content: .image(pushed), daysAgo: days))
            return pushed
        }
        _ = try await image("team/app", "v1.2.0", 100, [base, blob(10)], config(10))
        let b1 = try await image("team/app", "b1", 50, [base, sharedWithSvc, blob(11)], config(11))
        _ = try await image("team/app", "b2", 40, [base, blob(12)], config(12))
        _ = try await image("team/app", "b3", 40, [base, blob(13)], config(13))
        _ = try await image("team/app", "b4", 20, [base, blob(14)], config(14))
        let b5 = try await image("team/app", "b5", 10, [base, blob(15)], config(15))
        _ = try await image("team/app", "latest", 10, b5.layers, b5.config)
        let signature = try await registry.pushImage(
            "team/app", tag: nil, layers: [blob(16, 300)], config: config(16), oci: true, subject: b1.descriptor(),
            artifactType: "application/vnd.example.signature")

        let one = try await registry.pushMultiArch(
            "team/multi", tag: "1.0",
            children: [
                ChildImage(layers: [sharedChildLayer, blob(20)], config: config(20, "amd64")),
                ChildImage(layers: [blob(21)], config: config(21, "arm64")),
            ], docker: false)
        entries.append(Entry(repository: "team/multi", tag: "1.0", content: .index(one), daysAgo: 60))
        let two = try await registry.pushMultiArch(
            "team/multi", tag: "2.0",
            children: [
                ChildImage(layers: [sharedChildLayer, blob(22)], config: config(22, "amd64")),
                ChildImage(layers: [blob(23)], config: config(23, "arm64")),
            ], docker: true)
        entries.append(Entry(repository: "team/multi", tag: "2.0", content: .index(two), daysAgo: 5))
        _ = try await image("team/multi", "dev", 1, [blob(24)], config(24))

        _ = try await image("other/svc", "1", 30, [sharedWithSvc, blob(30)], config(30))
        _ = try await image("other/svc", "2", 20, [blob(31)], config(31))
        _ = try await image("other/svc", "3", 10, [blob(32)], config(32))
        _ = try await image("other/svc", "4", 1, [blob(33)], config(33))
        let orphan = blob(34, 2500)
        _ = try await registry.pushBlob("other/svc", orphan.bytes)
        return RetentionScenario(entries: entries, signature: signature, orphan: orphan, now: Timestamp.now())
    }

    /// Sets every tag's `current/link` modification time to `now - daysAgo`.
    func setPushTimes(_ backend: FileSystemBackend) throws {
        for entry in entries {
            let path = StorePath.tag(entry.repository, entry.tag) + "/current/link"
            try backend.setModificationTime(path, seconds: Int(now - entry.daysAgo * 86400))
        }
    }

    /// Every tag name (`repository:tag`).
    var names: Set<String> { Set(entries.map(\.name)) }

    /// Checks the store through the registry after a run that deleted `deleted`: every kept tag
    /// pulls byte-exact (index children included), every deleted tag is unknown, a deleted tag's
    /// manifest is gone unless a kept tag names it, and the signature lives exactly as long as b1's manifest.
    func checkThroughRegistry(_ registry: RegistryServer, deleted: Set<String>) async throws -> [String] {
        var failures: [String] = []
        let keptDigests = Set(
            entries.filter { !deleted.contains($0.name) }.map { "\($0.repository)@\($0.content.digest)" })
        for entry in entries {
            if deleted.contains(entry.name) {
                let status = try await registry.getManifest(entry.repository, reference: entry.tag).status
                if status != 404 { failures.append("\(entry.name) was deleted but answers \(status)") }
                if !keptDigests.contains("\(entry.repository)@\(entry.content.digest)") {
                    let byDigest = try await registry.getManifest(entry.repository, reference: entry.content.digest)
                        .status
                    if byDigest != 404 { failures.append("\(entry.name)'s manifest answers \(byDigest) by digest") }
                    if case .index(let index) = entry.content {
                        for child in index.children {
                            let status = try await registry.getManifest(
                                entry.repository, reference: child.manifestDigest
                            ).status
                            if status != 404 {
                                failures.append("child \(child.manifestDigest) of \(entry.name) answers \(status)")
                            }
                        }
                    }
                }
            } else {
                do {
                    switch entry.content {
                    case .image(let image):
                        try await registry.pullAndCheck(entry.repository, reference: entry.tag, expected: image)
                    case .index(let index):
                        try await registry.pullAndCheck(entry.repository, reference: entry.tag, expected: index)
                    }
                } catch {
                    failures.append("\(entry.name) was kept but does not pull: \(error)")
                }
            }
        }
        let b1Digest = entries.first { $0.name == "team/app:b1" }?.content.digest ?? ""
        let b1Kept = keptDigests.contains("team/app@\(b1Digest)")
        if b1Kept {
            do {
                try await registry.pullAndCheck("team/app", reference: signature.manifestDigest, expected: signature)
            } catch {
                failures.append("the signature of a kept b1 does not pull: \(error)")
            }
        } else if try await registry.getManifest("team/app", reference: signature.manifestDigest).status != 404 {
            failures.append("the signature of the deleted b1 is still there")
        }
        return failures
    }
}

/// Bytes of every blob's `data` under a store root.
func blobBytes(_ root: URL) -> Int {
    let blobs = root.appendingPathComponent("docker/registry/v2/blobs").path
    var total = 0
    if let enumerator = FileManager.default.enumerator(atPath: blobs) {
        while let next = enumerator.nextObject() as? String {
            guard next.hasSuffix("/data") else { continue }
            let attributes = try? FileManager.default.attributesOfItem(atPath: blobs + "/" + next)
            total += (attributes?[.size] as? Int) ?? 0
        }
    }
    return total
}
