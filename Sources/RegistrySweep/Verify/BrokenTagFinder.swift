/// Works out which `repository:tag` references fail to pull because of which problem.
///
/// A pull of `repo:tag` reads the tag's `current/link`, then the manifest through the
/// repository's revision link, then (for an index) each child manifest the same way, then
/// every config and layer through the repository's `_layers` link (foreign layers come
/// from their URLs). It fails when any of those links is absent, empty or names another
/// digest, or when any of those blobs is absent, corrupt or unreadable. The finder walks
/// that closure from every tag of the snapshot and charges the tag to each problem met.
///
/// Links a pull needs but the store lacks (a blob present but not linked into the
/// repository) are problems of their own, added by ``attribute(_:)``.
///
/// ## Performance
/// O(tags x closure size) set operations; per repository, one set of its revision and
/// layer ids (4-8 bytes each) while it is being walked.
struct BrokenTagFinder {
    private let snapshot: StoreSnapshot
    /// Digest id -> problems that make the blob unusable.
    private var badBlobs: [UInt32: [Int]] = [:]
    /// Repository -> digest id -> problems with its revision or layer link.
    private var badLinks: [String: [UInt32: [Int]]] = [:]
    /// Repository -> tag -> problems with its `current/link`.
    private var badTagLinks: [String: [String: [Int]]] = [:]
    /// Problems a pull of a blob would meet: everything but link trouble, names and layout.
    private static let blobCodes: Set<SweepError.Code> = [
        .missingBlob, .digestMismatch, .invalidManifest, .io, .permissionDenied, .notFound, .wrongType,
    ]
    private static let linkCodes: Set<SweepError.Code> = [
        .emptyLink, .corruptLink, .linkMismatch, .notFound, .wrongType, .io, .permissionDenied,
    ]

    /// Indexes `problems` by the blob or link they concern.
    ///
    /// - Parameters:
    ///   - snapshot: the scanned store.
    ///   - problems: every problem found so far (scan and hashing).
    init(snapshot: StoreSnapshot, problems: [StoreProblem]) {
        self.snapshot = snapshot
        for (index, problem) in problems.enumerated() {
            if let link = problem.path.flatMap(LinkPath.init), Self.linkCodes.contains(problem.code) {
                switch link.kind {
                case .revision(let digest), .layer(let digest):
                    if let id = snapshot.id(of: digest) {
                        badLinks[link.repository, default: [:]][id, default: []].append(index)
                    }
                case .tagCurrent(let tag):
                    badTagLinks[link.repository, default: [:]][tag, default: []].append(index)
                case .other:
                    break
                }
            } else if let digest = problem.digest, Self.blobCodes.contains(problem.code),
                let id = snapshot.id(of: digest)
            {
                badBlobs[id, default: []].append(index)
            }
        }
    }

    /// Charges every tag to the problems its pull would meet.
    ///
    /// - Parameter problems: the problems the finder was created with; problems for absent
    ///   links (and for absent blobs nothing reported yet) are appended.
    /// - Returns: per problem index, the broken `repository:tag` references.
    mutating func attribute(_ problems: inout [StoreProblem]) -> [Int: Set<String>] {
        var broken: [Int: Set<String>] = [:]
        var missingLinks: [String: Int] = [:]
        // Manifests walked for the current tag; cleared after each tag (each tag walks its own closure).
        var scratch = BitSet(universe: snapshot.digests.count)
        for repository in snapshot.repositories {
            let revisions = Set(repository.revisions)
            let layers = Set(repository.layers)
            let linkProblems = badLinks[repository.name] ?? [:]
            for tag in repository.tags {
                let reference = "\(repository.name):\(tag.name)"
                guard let current = tag.current else {
                    for index in badTagLinks[repository.name]?[tag.name] ?? [] {
                        broken[index, default: []].insert(reference)
                    }
                    continue
                }
                var seen = Set<UInt32>()
                var walked = Set<UInt32>()
                var nodes: [(id: UInt32, isManifest: Bool)] = []
                snapshot.walkClosure(from: CollectionOfOne(current), visited: &scratch) { id, node in
                    if node == .manifest { walked.insert(id) }
                    if node == .blob && snapshot.foreignLayers.contains(id) { return }
                    if seen.insert(id).inserted { nodes.append((id, node == .manifest)) }
                }
                for id in walked { scratch.remove(id) }
                for (id, isManifest) in nodes {
                    var met = blobProblems(id, &problems)
                    if let indices = linkProblems[id] {
                        met += indices
                    } else if snapshot.blobs.contains(id) && !(isManifest ? revisions : layers).contains(id) {
                        // (For an absent blob the missing blob is the problem to report, not its link.)
                        let key = "\(repository.name)\u{0}\(id)"
                        if missingLinks[key] == nil {
                            missingLinks[key] = problems.count
                            problems.append(missingLink(repository.name, snapshot.digests[id], isManifest: isManifest))
                        }
                        met.append(missingLinks[key]!)
                    }
                    for index in met { broken[index, default: []].insert(reference) }
                }
            }
        }
        return broken
    }

    /// The problems that make blob `id` unusable; reports an absent blob nobody reported yet.
    private mutating func blobProblems(_ id: UInt32, _ problems: inout [StoreProblem]) -> [Int] {
        if let indices = badBlobs[id] { return indices }
        guard !snapshot.blobs.contains(id) else { return [] }
        let digest = snapshot.digests[id]
        problems.append(
            StoreProblem(
                .missingBlob, "blob is missing from the store", path: StorePath.blobData(digest), digest: digest)
        )
        badBlobs[id] = [problems.count - 1]
        return [problems.count - 1]
    }

    private func missingLink(_ repository: String, _ digest: Digest, isManifest: Bool) -> StoreProblem {
        let path = isManifest ? StorePath.revision(repository, digest) : StorePath.layerLink(repository, digest)
        let what = isManifest ? "revision link for manifest" : "layer link for blob"
        return StoreProblem(
            .notFound, "repository \(repository) has no \(what) \(digest): the registry answers 'unknown' for it",
            path: "\(path)/link", digest: digest)
    }
}

/// A link file's place in the repository tree, recovered from a problem's path.
struct LinkPath {
    enum Kind {
        case revision(Digest)
        case layer(Digest)
        case tagCurrent(String)
        case other
    }

    /// The repository the link belongs to.
    var repository: String
    /// Which link it is.
    var kind: Kind

    /// Parses `…/docker/registry/v2/repositories/<repo>/_manifests/revisions/sha256/<hex>/link`,
    /// `…/_layers/sha256/<hex>/link` or `…/_manifests/tags/<tag>/current/link`; `nil` for
    /// any other path.
    init?(_ path: String) {
        let marker = StorePath.repositories + "/"
        guard let start = path.range(of: marker), path.hasSuffix("/link") else { return nil }
        let rest = path[start.upperBound...].dropLast("/link".count)
        // Repository name components never start with `_`, so the first `/_` ends the name.
        guard let boundary = rest.range(of: "/_") else { return nil }
        repository = String(rest[..<boundary.lowerBound])
        let tail = rest[rest.index(after: boundary.lowerBound)...]
        let parts = tail.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 4 where parts[0] == "_manifests" && parts[1] == "revisions" && parts[2] == "sha256":
            guard let digest = Digest.parseHex(String(parts[3])) else { return nil }
            kind = .revision(digest)
        case 3 where parts[0] == "_layers" && parts[1] == "sha256":
            guard let digest = Digest.parseHex(String(parts[2])) else { return nil }
            kind = .layer(digest)
        case 4 where parts[0] == "_manifests" && parts[1] == "tags" && parts[3] == "current":
            kind = .tagCurrent(String(parts[2]))
        default:
            kind = .other
        }
    }
}
