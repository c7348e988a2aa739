/// A repository as listed, before its digests are interned.
struct RawRepository: Sendable {
    struct Tag: Sendable {
        var name: String
        var current: Digest?
        var history: [Digest]
    }
    var name: String
    var hasValidName: Bool
    var tags: [Tag] = []
    var revisions: [Digest] = []
    var linklessRevisions: [Digest] = []
    var layers: [Digest] = []
    var layersListed = false
    var uploads: [Repository.Upload] = []
    var isIncomplete = false
}

/// What visiting one directory of the repository tree found.
private struct DirectoryVisit: Sendable {
    var subdirectories: [String] = []
    /// False if part of the tree below could not be seen (unlistable, or reached through a symlink).
    var isComplete = true
    var repository: RawRepository?
    var problems: [SweepError] = []
}

extension StoreScanner {
    /// Walks `repositories/` with a bounded task group, following the reference rules: a
    /// directory holding `_manifests` (v3's rule) or `_layers` (2.8's rule) or `_uploads` is a repository, `_*` directories are not descended,
    /// every other directory is (names nest), symlinks are reported and never followed.
    /// Each repository is interned into `digests` as its visit completes, so digest values
    /// are held for only the few repositories being read at once.
    ///
    /// - Returns: the repositories, whether each one's layer links were listed, the
    ///   problems, and whether the whole tree was seen.
    func walkRepositories(into digests: inout DigestTable) async -> ([Repository], [Bool], [SweepError], Bool) {
        let width = options.concurrency
        return await withTaskGroup(of: DirectoryVisit.self) { group in
            var queue: [String] = [""]
            var running = 0
            var repositories: [Repository] = []
            var layersListed: [Bool] = []
            var problems: [SweepError] = []
            var complete = true
            while true {
                while running < width, let next = queue.popLast() {
                    running += 1
                    group.addTask { await self.visit(next) }
                }
                guard let visit = await group.next() else { break }
                running -= 1
                queue.append(contentsOf: visit.subdirectories)
                if let raw = visit.repository {
                    repositories.append(Self.intern(raw, into: &digests))
                    layersListed.append(raw.layersListed)
                }
                problems.append(contentsOf: visit.problems)
                complete = complete && visit.isComplete
            }
            return (repositories, layersListed, problems, complete)
        }
    }

    /// Turns a raw repository (digest values) into an interned one. Revisions and layer
    /// links are interned as batches in digest order, which keeps reports in a stable order
    /// (not the directory's) and walks the table's sorted base in order.
    static func intern(_ repository: RawRepository, into digests: inout DigestTable) -> Repository {
        var tagHistory: [UInt32] = []
        tagHistory.reserveCapacity(repository.tags.reduce(0) { $0 + $1.history.count })
        let tags = repository.tags.map { tag in
            let start = UInt32(tagHistory.count)
            tagHistory += digests.intern(contentsOf: tag.history)
            return Repository.Tag(
                name: tag.name, current: tag.current.map { digests.intern($0) },
                historyRange: start..<UInt32(tagHistory.count))
        }
        return Repository(
            name: repository.name, hasValidName: repository.hasValidName,
            tags: tags, tagHistory: tagHistory,
            revisions: digests.intern(contentsOf: repository.revisions.sorted()),
            linklessRevisions: repository.linklessRevisions,
            layers: digests.intern(contentsOf: repository.layers.sorted()),
            uploads: repository.uploads, isIncomplete: repository.isIncomplete)
    }

    /// Lists one directory of the tree; scans it as a repository if it holds `_manifests`.
    private func visit(_ name: String) async -> DirectoryVisit {
        var visit = DirectoryVisit()
        let path = name.isEmpty ? StorePath.repositories : StorePath.repository(name)
        let entries: [DirectoryEntry]
        do {
            entries = try await backend.list(path)
        } catch {
            if !(name.isEmpty && error.code == .notFound) {
                visit.problems.append(error)
                visit.isComplete = false
            }
            return visit
        }
        var isRepository = false
        var hasSymlinkedPart = false
        for entry in entries {
            let child = name.isEmpty ? entry.name : "\(name)/\(entry.name)"
            switch entry.kind {
            case .directory:
                if entry.name == "_manifests" || entry.name == "_layers" || entry.name == "_uploads" {
                    // v3 requires _manifests; 2.8 lists repositories by _layers. Either way the
                    // directory's links and uploads are ours to account for.
                    isRepository = true
                } else if !entry.name.hasPrefix("_") {
                    visit.subdirectories.append(child)
                }
            case .symlink:
                visit.problems.append(SweepError(.invalidStore, "symbolic link in the repository tree is not followed", path: StorePath.repository(child)))
                if entry.name == "_manifests" { isRepository = true }
                if entry.name.hasPrefix("_") {
                    hasSymlinkedPart = true
                } else {
                    // Repositories the registry reaches through it are unknown to this scan.
                    visit.isComplete = false
                }
            default:
                break
            }
        }
        if isRepository {
            var repository = RawRepository(name: name, hasValidName: NameGrammar.isValidRepository(name))
            if !repository.hasValidName {
                visit.problems.append(SweepError(.invalidName, "repository name breaks the registry's grammar; kept and not modified", path: path))
                repository.isIncomplete = true
            }
            // A symlinked `_manifests`, `_layers` or `_uploads`: what the registry reaches through it
            // is read (so it is marked), but nothing in the repository is modified.
            if hasSymlinkedPart { repository.isIncomplete = true }
            await scanRepository(&repository, entries: entries, problems: &visit.problems)
            visit.repository = repository
        }
        return visit
    }

    /// Reads a repository's revisions, tags, layer links and uploads.
    private func scanRepository(_ repository: inout RawRepository, entries: [DirectoryEntry], problems: inout [SweepError]) async {
        let base = StorePath.repository(repository.name)
        let names = Set(entries.map(\.name))
        if entries.contains(where: { $0.name == "_manifests" && $0.kind == .directory }) {
            await checkManifestsDirectory(&repository, problems: &problems)
        }
        if names.contains("_manifests") {
            repository.revisions = await listDigests(
                "\(base)/_manifests/revisions/sha256", link: "link", requireLink: true, repository: &repository, problems: &problems)
            await scanTags(&repository, problems: &problems)
        }
        if names.contains("_layers") && (options.listLayerLinks || repository.isIncomplete) {
            await listLayers(&repository, problems: &problems)
        }
        if names.contains("_uploads") {
            await scanUploads(&repository, problems: &problems)
        }
    }

    /// Lists a part of a repository; `nil` if it is absent, or unreadable (then reported, and
    /// the repository kept whole).
    private func listPart(_ path: String, repository: inout RawRepository, problems: inout [SweepError]) async
        -> [DirectoryEntry]?
    {
        do {
            return try await backend.list(path)
        } catch {
            if error.code != .notFound {
                problems.append(error)
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
    func listLayers(_ repository: inout RawRepository, problems: inout [SweepError]) async {
        repository.layers = await listDigests(
            "\(StorePath.repository(repository.name))/_layers/sha256", link: "link", repository: &repository,
            problems: &problems)
        repository.layersListed = true
    }

    /// Reports symlinks directly under `_manifests` (`revisions`, `tags`): reads would follow them, so
    /// the repository is kept whole and never modified through them.
    private func checkManifestsDirectory(_ repository: inout RawRepository, problems: inout [SweepError]) async {
        let path = "\(StorePath.repository(repository.name))/_manifests"
        do {
            for entry in try await backend.list(path) where entry.kind == .symlink {
                problems.append(SweepError(.invalidStore, "symbolic link in a repository is not followed to modify anything; the repository is kept whole", path: "\(path)/\(entry.name)"))
                repository.isIncomplete = true
            }
        } catch {
            problems.append(error)
            repository.isIncomplete = true
        }
    }

    /// Lists a `…/sha256` directory of digest-named directories (optionally checking each link).
    ///
    /// With `requireLink`, a directory whose link file is gone does not count: the registry's
    /// manifest delete removes the link and leaves the directory (2.8), and so does its GC.
    private func listDigests(
        _ path: String, link: String, requireLink: Bool = false, repository: inout RawRepository,
        problems: inout [SweepError]
    ) async -> [Digest] {
        let listing: DigestListing
        do {
            listing = try await backend.listDigests(path)
        } catch {
            if error.code != .notFound {
                problems.append(error)
                repository.isIncomplete = true
            }
            return []
        }
        var digests: [Digest] = []
        digests.reserveCapacity(listing.digests.count)
        for entry in listing.others {
            if entry.kind == .symlink, let digest = Digest.parseHex(entry.name) {
                // The registry follows it: trust its name as for a directory, keep the repository whole.
                problems.append(SweepError(.invalidStore, "symbolic link in a repository is not followed; its digest is kept and the repository is kept whole", path: "\(path)/\(entry.name)", digest: digest))
                repository.isIncomplete = true
                digests.append(digest)
            } else if !entry.name.hasSuffix(".tmp") {
                problems.append(SweepError(.invalidStore, "unexpected entry (left alone)", path: "\(path)/\(entry.name)"))
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
                if requireLink && error.code == .notFound {
                    repository.linklessRevisions.append(digest)
                    return
                }
                problems.append(error)
                // An unreadable revision link: which manifest the registry serves is unknown.
                if requireLink { repository.isIncomplete = true }
                digests.append(digest)
                return
            }
            if named != digest {
                if requireLink {
                    // The registry serves the blob the link names, which must be marked even
                    // when it differs from the directory's name.
                    problems.append(SweepError(
                        .linkMismatch, "revision link names \(named) but its directory is \(digest); both are kept and the repository is kept whole",
                        path: "\(display)/\(digest.hex)/\(link)", digest: digest))
                    repository.isIncomplete = true
                    digests.append(named)
                } else {
                    problems.append(SweepError(.linkMismatch, "link names \(named) but its directory is \(digest)", path: "\(display)/\(digest.hex)/\(link)", digest: digest))
                }
            }
            digests.append(digest)
        }
        return digests
    }

    /// Reads each tag's `current/link` and lists its history.
    private func scanTags(_ repository: inout RawRepository, problems: inout [SweepError]) async {
        let path = "\(StorePath.repository(repository.name))/_manifests/tags"
        guard let entries = await listPart(path, repository: &repository, problems: &problems) else { return }
        let (reader, prefix) = await view(of: path)
        for entry in entries where entry.kind == .directory || entry.kind == .symlink {
            if entry.kind == .symlink {
                // The registry resolves the tag through it: which manifest it names is not known here.
                problems.append(SweepError(.invalidStore, "symbolic link in a repository is not followed; the repository is kept whole", path: "\(path)/\(entry.name)"))
                repository.isIncomplete = true
                continue
            }
            if !NameGrammar.isValidTag(entry.name) {
                problems.append(SweepError(.invalidName, "tag name breaks the registry's grammar", path: "\(path)/\(entry.name)"))
            }
            var tag = RawRepository.Tag(name: entry.name, current: nil, history: [])
            do {
                tag.current = try await LinkFile.read(reader, "\(prefix)\(entry.name)/current/link")
            } catch {
                // Which manifest the tag names is unknown: keep everything in this repository.
                var problem = error
                if problem.code == .notFound { problem.message = "tag has no current/link" }
                problems.append(problem)
                repository.isIncomplete = true
            }
            if options.readTagHistory {
                tag.history = await listDigests("\(path)/\(entry.name)/index/sha256", link: "link", repository: &repository, problems: &problems)
            }
            repository.tags.append(tag)
        }
    }

    /// Lists `_uploads/<uuid>` and reads each `startedat`.
    private func scanUploads(_ repository: inout RawRepository, problems: inout [SweepError]) async {
        let path = "\(StorePath.repository(repository.name))/_uploads"
        let entries: [DirectoryEntry]
        do {
            entries = try await backend.list(path)
        } catch {
            if error.code != .notFound { problems.append(error) }
            return
        }
        for entry in entries where entry.kind == .directory {
            var upload = Repository.Upload(uuid: entry.name, startedAt: nil)
            let file = "\(path)/\(entry.name)/startedat"
            do {
                let text = try await backend.withContents(of: file, limit: 256) { String(decoding: $0, as: UTF8.self) }
                upload.startedAt = Timestamp.parseRFC3339(text)
                if upload.startedAt == nil {
                    problems.append(SweepError(.invalidStore, "upload startedat is not an RFC 3339 time", path: file))
                }
            } catch {
                problems.append(SweepError(error.code, "upload has no readable startedat: \(error.message)", path: file))
            }
            repository.uploads.append(upload)
        }
    }
}
