/// A repository as listed, before its digests are interned.
struct RawRepository: Sendable {
    struct Tag: Sendable {
        var name: String
        var current: Digest?
        var history: [Digest]
        /// When `current/link` was last written (read with ``ScanOptions/readTagTimes``).
        var pushedAt: Double? = nil
    }
    var name: String
    var hasValidName: Bool
    var tags: [Tag] = []
    /// Tag directories whose `current/link` is absent (`current` holds no history's `current`).
    var linklessTags: [Tag] = []
    var revisions: [Digest] = []
    var linklessRevisions: [Digest] = []
    var layers: [Digest] = []
    var layersListed = false
    var uploads: [Repository.Upload] = []
    var isIncomplete = false
    /// True when the repository's revisions or layer links could not be enumerated: the
    /// manifests and blobs it holds are unknown, so no blob anywhere is provably garbage.
    var hidesReferences = false
}

/// What visiting one directory of the repository tree found.
private struct DirectoryVisit: Sendable {
    var subdirectories: [String] = []
    /// False if part of the tree below could not be seen (unlistable, reached through a symlink,
    /// or a node of the wrong type where a directory may have been).
    var isComplete = true
    var repository: RawRepository?
    var problems: [StoreProblem] = []
    /// The error listing `repositories/` itself, if it could not be listed.
    var rootError: SweepError?
}

/// What walking the repository tree found.
struct RepositoryWalk: Sendable {
    /// The repositories, interned, in the order their visits completed.
    var repositories: [Repository] = []
    /// Per repository: whether its layer links were listed.
    var layersListed: [Bool] = []
    var problems: [StoreProblem] = []
    /// False if repositories may exist that the walk did not see, or a repository's revisions
    /// or layer links could not be listed: no blob is provably garbage.
    var isComplete = true
    /// The error listing `repositories/` itself (`.notFound` when it is absent).
    var rootError: SweepError?
}

extension StoreScanner {
    /// Walks `repositories/` with a bounded task group, following the reference rules: a
    /// directory holding `_manifests` (v3's rule) or `_layers` (2.8's rule) or `_uploads` is a
    /// repository, `_*` directories are not descended, every other directory is (names nest),
    /// symlinks are reported and never followed. Each repository is interned into `digests` as
    /// its visit completes, so digest values are held for only the few repositories being read
    /// at once.
    ///
    /// A node of the wrong type where a namespace or repository directory may have been (a
    /// file, FIFO or device not named `_*`) is reported as `.wrongType` and makes the walk
    /// incomplete: the directory it replaced may have held repositories.
    func walkRepositories(into digests: inout DigestTable) async -> RepositoryWalk {
        let width = options.concurrency
        return await withTaskGroup(of: DirectoryVisit.self) { group in
            var queue: [String] = [""]
            var running = 0
            var walk = RepositoryWalk()
            while true {
                while running < width, !Task.isCancelled, let next = queue.popLast() {
                    running += 1
                    group.addTask { await self.visit(next) }
                }
                guard let visit = await group.next() else { break }
                running -= 1
                queue.append(contentsOf: visit.subdirectories)
                if let raw = visit.repository {
                    walk.repositories.append(Self.intern(raw, into: &digests))
                    options.progress.send(.init(phase: .listRepositories, done: walk.repositories.count))
                    walk.layersListed.append(raw.layersListed)
                    if raw.hidesReferences { walk.isComplete = false }
                }
                walk.problems.append(contentsOf: visit.problems)
                walk.isComplete = walk.isComplete && visit.isComplete
                if let error = visit.rootError { walk.rootError = error }
            }
            return walk
        }
    }

    /// Turns a raw repository (digest values) into an interned one. Revisions and layer
    /// links are interned as batches in digest order, which keeps reports in a stable order
    /// (not the directory's) and walks the table's sorted base in order.
    static func intern(_ repository: RawRepository, into digests: inout DigestTable) -> Repository {
        var tagHistory: [UInt32] = []
        tagHistory.reserveCapacity((repository.tags + repository.linklessTags).reduce(0) { $0 + $1.history.count })
        let tags = repository.tags.map { tag in
            let start = UInt32(tagHistory.count)
            tagHistory += digests.intern(contentsOf: tag.history)
            return Repository.Tag(
                name: tag.name, current: tag.current.map { digests.intern($0) },
                historyRange: start..<UInt32(tagHistory.count), pushedAt: tag.pushedAt)
        }
        let linklessTags = repository.linklessTags.map { tag in
            let start = UInt32(tagHistory.count)
            tagHistory += digests.intern(contentsOf: tag.history)
            return Repository.LinklessTag(name: tag.name, historyRange: start..<UInt32(tagHistory.count))
        }
        return Repository(
            name: repository.name, hasValidName: repository.hasValidName,
            tags: tags, linklessTags: linklessTags, tagHistory: tagHistory,
            revisions: digests.intern(contentsOf: repository.revisions.sortedDigests()),
            linklessRevisions: repository.linklessRevisions,
            layers: digests.intern(contentsOf: repository.layers.sortedDigests()),
            uploads: repository.uploads, isIncomplete: repository.isIncomplete)
    }

    /// True for the name of a temporary file the registry (3.1+) writes before a rename.
    private static func isTemporary(_ name: String) -> Bool { name.hasSuffix(".tmp") }

    /// Lists one directory of the tree; scans it as a repository if it holds `_manifests`.
    private func visit(_ name: String) async -> DirectoryVisit {
        var visit = DirectoryVisit()
        let path = name.isEmpty ? StorePath.repositories : StorePath.repository(name)
        let entries: [DirectoryEntry]
        do {
            entries = try await backend.list(path)
        } catch {
            if name.isEmpty {
                visit.rootError = error
            } else {
                visit.problems.append(StoreProblem(error))
                visit.isComplete = false
            }
            return visit
        }
        var isRepository = false
        var hasSymlinkedPart = false
        var parts: [String: DirectoryEntry.Kind] = [:]
        for entry in entries {
            let child = name.isEmpty ? entry.name : "\(name)/\(entry.name)"
            let isPart = entry.name == "_manifests" || entry.name == "_layers" || entry.name == "_uploads"
            if isPart {
                // v3 requires _manifests; 2.8 lists repositories by _layers. Either way the
                // directory's links and uploads are ours to account for, whatever their type.
                isRepository = true
                parts[entry.name] = entry.kind
            }
            switch entry.kind {
            case .directory:
                if !isPart && !entry.name.hasPrefix("_") { visit.subdirectories.append(child) }
            case .symlink:
                visit.problems.append(
                    StoreProblem(
                        .invalidStore, "symbolic link in the repository tree is not followed",
                        path: StorePath.repository(child)))
                if entry.name.hasPrefix("_") {
                    hasSymlinkedPart = hasSymlinkedPart || isPart
                } else {
                    // Repositories the registry reaches through it are unknown to this scan.
                    visit.isComplete = false
                }
            case .file, .other, .unknown:
                if isPart {
                    visit.problems.append(
                        StoreProblem(
                            .wrongType,
                            "not a directory where the registry keeps a repository's \(entry.name); what it may reference is kept",
                            path: StorePath.repository(child)))
                } else if !entry.name.hasPrefix("_") {
                    // It may have replaced a namespace or repository directory: what that held is unknown.
                    visit.problems.append(
                        StoreProblem(
                            .wrongType,
                            "not a directory in the repository tree (it may stand where repositories were): no blob is deleted this run",
                            path: StorePath.repository(child)))
                    visit.isComplete = false
                }
            }
        }
        if isRepository {
            var repository = RawRepository(name: name, hasValidName: NameGrammar.isValidRepository(name))
            if !repository.hasValidName {
                visit.problems.append(
                    StoreProblem(
                        .invalidName, "repository name breaks the registry's grammar; kept and not modified", path: path
                    ))
                repository.isIncomplete = true
            }
            // A symlinked `_manifests`, `_layers` or `_uploads`: what the registry reaches through it
            // is read (so it is marked), but nothing in the repository is modified.
            if hasSymlinkedPart { repository.isIncomplete = true }
            await scanRepository(&repository, parts: parts, problems: &visit.problems)
            visit.repository = repository
        }
        return visit
    }

    /// Reads a repository's revisions, tags, layer links and uploads.
    ///
    /// - Parameter parts: the kind of each of `_manifests`, `_layers`, `_uploads` present.
    private func scanRepository(
        _ repository: inout RawRepository, parts: [String: DirectoryEntry.Kind], problems: inout [StoreProblem]
    ) async {
        if let kind = parts["_manifests"] {
            await scanManifests(&repository, kind: kind, problems: &problems)
        }
        if let kind = parts["_layers"] {
            if kind != .directory && kind != .symlink { repository.isIncomplete = true }
            if options.listLayerLinks || repository.isIncomplete {
                await listLayers(&repository, throughSymlink: kind == .symlink, problems: &problems)
            }
        }
        if let kind = parts["_uploads"], kind == .directory || kind == .symlink {
            await scanUploads(&repository, problems: &problems)
        }
    }

    /// Reads `_manifests`: its revisions and tags.
    ///
    /// Revisions that cannot be enumerated (`_manifests`, `revisions` or `revisions/sha256`
    /// unlistable or of the wrong type, or absent behind a symbolic link) set
    /// ``RawRepository/hidesReferences``: which manifests the repository holds is unknown.
    private func scanManifests(
        _ repository: inout RawRepository, kind: DirectoryEntry.Kind, problems: inout [StoreProblem]
    ) async {
        let path = "\(StorePath.repository(repository.name))/_manifests"
        var revisionsKind: DirectoryEntry.Kind? = nil
        var tagsKind: DirectoryEntry.Kind? = nil
        switch kind {
        case .directory:
            do {
                for entry in try await backend.list(path) {
                    if entry.name == "revisions" { revisionsKind = entry.kind }
                    if entry.name == "tags" { tagsKind = entry.kind }
                    switch entry.kind {
                    case .symlink:
                        problems.append(
                            StoreProblem(
                                .invalidStore,
                                "symbolic link in a repository is not followed to modify anything; the repository is kept whole",
                                path: "\(path)/\(entry.name)"))
                        repository.isIncomplete = true
                    case .file, .other, .unknown:
                        guard entry.name == "revisions" || entry.name == "tags" else { break }
                        problems.append(
                            StoreProblem(
                                .wrongType,
                                "not a directory where the registry keeps a repository's \(entry.name); the repository is kept whole",
                                path: "\(path)/\(entry.name)"))
                        repository.isIncomplete = true
                    default:
                        break
                    }
                }
            } catch {
                cannotEnumerateRevisions(error, &repository, problems: &problems)
                return
            }
        case .symlink:
            // Read through it, as the registry would; anything missing behind it is unknown.
            revisionsKind = .symlink
            tagsKind = .symlink
        default:
            // Reported by the visit; the repository's manifests are unknown.
            repository.isIncomplete = true
            repository.hidesReferences = true
            return
        }
        if let revisionsKind {
            let revisions = "\(path)/revisions/sha256"
            if revisionsKind == .directory || revisionsKind == .symlink {
                let listed = await listDigests(
                    revisions, link: "link", requireLink: true, absentIsUnknown: revisionsKind == .symlink,
                    repository: &repository, problems: &problems)
                if let listed {
                    repository.revisions = listed
                } else {
                    repository.hidesReferences = true
                    problems.append(
                        StoreProblem(
                            .invalidStore,
                            "the repository's manifest revisions cannot be listed: the manifests and blobs it holds are unknown, so no blob is deleted this run",
                            path: revisions))
                }
            } else {
                repository.hidesReferences = true
            }
        }
        if tagsKind == .directory || tagsKind == .symlink {
            await scanTags(&repository, problems: &problems)
            if !repository.hidesReferences { reportTagsWithoutRevision(repository, problems: &problems) }
        }
    }

    /// Records that a repository's revisions cannot be listed because of `error`.
    private func cannotEnumerateRevisions(
        _ error: SweepError, _ repository: inout RawRepository, problems: inout [StoreProblem]
    ) {
        var problem = StoreProblem(error)
        problem.message += "; the repository's manifests are unknown, so no blob is deleted this run"
        problems.append(problem)
        repository.isIncomplete = true
        repository.hidesReferences = true
    }

    /// Reports tags whose `current/link` names a manifest without a revision link here: the
    /// registry answers "manifest unknown" for them. Not a reason to keep the repository whole
    /// (mark keeps the manifest the tag names regardless).
    private func reportTagsWithoutRevision(_ repository: RawRepository, problems: inout [StoreProblem]) {
        let named = repository.tags.compactMap(\.current)
        guard !named.isEmpty else { return }
        let revisions = Set(repository.revisions)
        for tag in repository.tags {
            guard let current = tag.current, !revisions.contains(current) else { continue }
            problems.append(
                StoreProblem(
                    .notFound,
                    "tag \(tag.name) names manifest \(current), which has no revision link in this repository: the registry answers 'manifest unknown' for the tag",
                    path: StorePath.revision(repository.name, current) + "/link", digest: current))
        }
    }

    /// Lists a part of a repository; `nil` if it is absent, or unreadable (then reported, and
    /// the repository kept whole).
    private func listPart(_ path: String, repository: inout RawRepository, problems: inout [StoreProblem]) async
        -> [DirectoryEntry]?
    {
        do {
            return try await backend.list(path)
        } catch {
            if error.code != .notFound {
                problems.append(StoreProblem(error))
                repository.isIncomplete = true
            }
            return nil
        }
    }

    /// A view rooted at `path` for many reads below it, and the prefix to give it (empty);
    /// if the directory cannot be opened, the store itself and `path/`.
    private func view(of path: String) async -> (any StorageBackend, String) {
        if let view = try? await backend.subdirectory(path) { return (view, "") }
        return (backend, path + "/")
    }

    /// Lists `_layers/sha256` into the repository.
    ///
    /// A listing that fails (absent behind a symbolic `_layers` included) sets
    /// ``RawRepository/hidesReferences``: the blobs the repository may serve are unknown.
    ///
    /// - Parameter throughSymlink: `_layers` is a symbolic link (then absence is not "empty").
    func listLayers(_ repository: inout RawRepository, throughSymlink: Bool = false, problems: inout [StoreProblem])
        async
    {
        let path = "\(StorePath.repository(repository.name))/_layers/sha256"
        if let layers = await listDigests(
            path, link: "link", absentIsUnknown: throughSymlink, repository: &repository, problems: &problems)
        {
            repository.layers = layers
        } else {
            repository.hidesReferences = true
            problems.append(
                StoreProblem(
                    .invalidStore,
                    "the repository's layer links cannot be listed: the blobs it may serve are unknown, so no blob is deleted this run",
                    path: path))
        }
        repository.layersListed = true
    }

    /// Lists a `…/sha256` directory of digest-named directories (optionally checking each link).
    ///
    /// With `requireLink`, a directory whose link file is gone does not count: the registry's
    /// manifest delete removes the link and leaves the directory (2.8), and so does its GC.
    /// An entry named by a digest that is not a directory (a symbolic link, a file, a FIFO) is
    /// reported, its digest kept, and the repository kept whole.
    ///
    /// - Parameter absentIsUnknown: a missing directory is a failure, not an empty listing
    ///   (the path passes through a symbolic link).
    /// - Returns: the digests, or `nil` if the directory could not be listed (reported, and the
    ///   repository kept whole); an absent directory lists as empty unless `absentIsUnknown`.
    private func listDigests(
        _ path: String, link: String, requireLink: Bool = false, absentIsUnknown: Bool = false,
        repository: inout RawRepository, problems: inout [StoreProblem]
    ) async -> [Digest]? {
        let listing: DigestListing
        do {
            listing = try await backend.listDigests(path)
        } catch {
            if error.code == .notFound && !absentIsUnknown { return [] }
            problems.append(StoreProblem(error))
            repository.isIncomplete = true
            return nil
        }
        var digests: [Digest] = []
        digests.reserveCapacity(listing.digests.count)
        for entry in listing.others {
            if let digest = Digest.parseHex(entry.name) {
                if entry.kind == .symlink {
                    // The registry follows it: trust its name as for a directory, keep the repository whole.
                    problems.append(
                        StoreProblem(
                            .invalidStore,
                            "symbolic link in a repository is not followed; its digest is kept and the repository is kept whole",
                            path: "\(path)/\(entry.name)", digest: digest))
                } else {
                    problems.append(
                        StoreProblem(
                            .wrongType,
                            "not a directory where the registry keeps a digest's link; its digest is kept and the repository is kept whole",
                            path: "\(path)/\(entry.name)", digest: digest))
                }
                repository.isIncomplete = true
                digests.append(digest)
            } else if !Self.isTemporary(entry.name) {
                problems.append(
                    StoreProblem(.invalidStore, "unexpected entry (left alone)", path: "\(path)/\(entry.name)"))
            }
        }
        guard requireLink || options.checkLinks else {
            digests.append(contentsOf: listing.digests)
            return digests
        }
        // Links are read in one batch: one open directory for all of them.
        let display = "\(backend.displayName)/\(path)"
        await backend.forEachDigestFile(in: path, listing.digests, leaf: link, limit: LinkFile.limit) { index, result in
            let digest = listing.digests[index]
            let named: Digest
            do throws(SweepError) {
                named = try LinkFile.parse(result.get(), path: "\(display)/\(digest.hex)/\(link)")
            } catch {
                // Only ENOENT is "gone": the directory was listed as one, so nothing hides the link.
                if requireLink && error.code == .notFound {
                    repository.linklessRevisions.append(digest)
                    return
                }
                problems.append(StoreProblem(error))
                // An unreadable revision link: which manifest the registry serves is unknown.
                if requireLink { repository.isIncomplete = true }
                digests.append(digest)
                return
            }
            if named != digest {
                if requireLink {
                    // The registry serves the blob the link names, which must be marked even
                    // when it differs from the directory's name.
                    problems.append(
                        StoreProblem(
                            .linkMismatch,
                            "revision link names \(named) but its directory is \(digest); both are kept and the repository is kept whole",
                            path: "\(display)/\(digest.hex)/\(link)", digest: digest))
                    repository.isIncomplete = true
                    digests.append(named)
                } else {
                    problems.append(
                        StoreProblem(
                            .linkMismatch, "link names \(named) but its directory is \(digest)",
                            path: "\(display)/\(digest.hex)/\(link)", digest: digest))
                }
            }
            digests.append(digest)
        }
        return digests
    }

    /// Confirms that a `.notFound` below `parent` (a directory known to the caller) means
    /// "absent": stats `parent/child` without following it.
    ///
    /// - Returns: `nil` if `child` is absent or a directory; else the problem (`.wrongType` for
    ///   a symbolic link or non-directory, or the stat's error).
    private func confirmAbsent(_ reader: any StorageBackend, _ path: String, display: String) async -> StoreProblem? {
        do {
            let info = try await reader.stat(path)
            if info.isDirectory { return nil }
            return StoreProblem(
                .wrongType,
                "not a directory where the registry layout has one (a symbolic link is never followed); the repository is kept whole",
                path: display)
        } catch {
            return error.code == .notFound ? nil : StoreProblem(error)
        }
    }

    /// Reads each tag's `current/link` and lists its history.
    ///
    /// A tag directory whose `current/link` is absent (`ENOENT`, with `current` absent or a real
    /// directory) is an unknown tag to the registry: recorded in ``RawRepository/linklessTags``,
    /// not a problem. Any other failure, wrong types included, is a problem that keeps the
    /// repository whole.
    private func scanTags(_ repository: inout RawRepository, problems: inout [StoreProblem]) async {
        let path = "\(StorePath.repository(repository.name))/_manifests/tags"
        guard let entries = await listPart(path, repository: &repository, problems: &problems) else { return }
        let (reader, prefix) = await view(of: path)
        for entry in entries {
            switch entry.kind {
            case .directory:
                break
            case .symlink:
                // The registry resolves the tag through it: which manifest it names is not known here.
                problems.append(
                    StoreProblem(
                        .invalidStore, "symbolic link in a repository is not followed; the repository is kept whole",
                        path: "\(path)/\(entry.name)"))
                repository.isIncomplete = true
                continue
            default:
                if !Self.isTemporary(entry.name) {
                    problems.append(
                        StoreProblem(
                            .wrongType, "not a directory where the registry keeps a tag; the repository is kept whole",
                            path: "\(path)/\(entry.name)"))
                    repository.isIncomplete = true
                }
                continue
            }
            if !NameGrammar.isValidTag(entry.name) {
                problems.append(
                    StoreProblem(.invalidName, "tag name breaks the registry's grammar", path: "\(path)/\(entry.name)"))
            }
            var tag = RawRepository.Tag(name: entry.name, current: nil, history: [])
            var linkless = false
            do {
                if options.readTagTimes {
                    // Taken after the read: the time is never older than the content read (a re-push
                    // in between makes the tag look newer, which only keeps more). Unknown stays nil.
                    (tag.current, tag.pushedAt) = try await LinkFile.readTimed(
                        reader, "\(prefix)\(entry.name)/current/link")
                } else {
                    tag.current = try await LinkFile.read(reader, "\(prefix)\(entry.name)/current/link")
                }
            } catch  where error.code == .notFound {
                // Absent, unless `current` is something else (a dangling symlink): then a problem.
                if let problem = await confirmAbsent(
                    reader, "\(prefix)\(entry.name)/current", display: "\(path)/\(entry.name)/current")
                {
                    problems.append(problem)
                    repository.isIncomplete = true
                } else {
                    linkless = true
                }
            } catch {
                // Which manifest the tag names is unknown: keep everything in this repository.
                problems.append(StoreProblem(error))
                repository.isIncomplete = true
            }
            // A linkless tag's history is read whatever the options: a push writes the history
            // entry first and `current/link` last, so it names the manifest the tag is about to
            // point at, and delete-untagged keeps that manifest.
            if options.readTagHistory || linkless {
                let index = "\(path)/\(entry.name)/index/sha256"
                if let history = await listDigests(index, link: "link", repository: &repository, problems: &problems) {
                    tag.history = history
                    if history.isEmpty,
                        let problem = await confirmAbsent(
                            reader, "\(prefix)\(entry.name)/index", display: "\(path)/\(entry.name)/index")
                    {
                        problems.append(problem)
                        repository.isIncomplete = true
                    }
                }
            }
            if linkless {
                repository.linklessTags.append(tag)
            } else {
                repository.tags.append(tag)
            }
        }
    }

    /// Lists `_uploads/<uuid>` and reads each `startedat`.
    private func scanUploads(_ repository: inout RawRepository, problems: inout [StoreProblem]) async {
        let path = "\(StorePath.repository(repository.name))/_uploads"
        let entries: [DirectoryEntry]
        do {
            entries = try await backend.list(path)
        } catch {
            if error.code != .notFound { problems.append(StoreProblem(error)) }
            return
        }
        for entry in entries {
            guard entry.kind == .directory else {
                problems.append(
                    StoreProblem(
                        .wrongType, "not a directory where the registry keeps an upload (left alone)",
                        path: "\(path)/\(entry.name)"))
                continue
            }
            var upload = Repository.Upload(uuid: entry.name, startedAt: nil)
            let file = "\(path)/\(entry.name)/startedat"
            do {
                let text = try await backend.withContents(of: file, limit: 256) { String(decoding: $0, as: UTF8.self) }
                upload.startedAt = Timestamp.parseRFC3339(text)
                if upload.startedAt == nil {
                    problems.append(StoreProblem(.invalidStore, "upload startedat is not an RFC 3339 time", path: file))
                }
            } catch {
                problems.append(
                    StoreProblem(error.code, "upload has no readable startedat: \(error.message)", path: file))
            }
            repository.uploads.append(upload)
        }
    }
}
