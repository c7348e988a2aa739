/// Finds what a live registry wrote after the scan, so that a sweep keeps it: the step between
/// plan and removal.
///
/// Each ``refresh()`` stats the directories whose entries change when a registry creates
/// something (`repositories/` and every namespace directory, each repository's directory, its
/// `_layers/sha256`, `_manifests/revisions/sha256` and `_manifests/tags`). A directory modified
/// since it was last looked at is listed again and compared with the snapshot:
/// - a new layer link protects its blob;
/// - a new revision protects the manifest its link names, its own digest, and everything that
///   manifest references (index children and `subject` too, recursively);
/// - a new tag, or a tag whose `current/link` was rewritten, protects its manifest the same way;
///   a tag met halfway through a push (history entry written, `current/link` not yet) protects
///   what its history names, is watched until its link lands, and keeps its repository's
///   untagged manifests for this run (``halfwayTags``);
/// - a new repository or namespace protects everything it references.
///
/// Files rewritten in place (a revision or layer link on a re-push) do not change their
/// directory; the sweeper checks those item by item (``Sweeper``) right before removing.
/// What cannot be read blocks blob removal for the rest of the run (``blocksBlobs``).
///
/// ## Performance
/// One `stat` per probed directory (about four per repository) per refresh; listings and reads
/// only for what changed. The protected set holds only digests written after the scan.
///
/// Each refresh reads through a new ``StorageBackend/snapshotView()`` of the store: on a
/// filesystem that is the store itself; an object store lists the repositories tree once, flat
/// and in parallel (one request per 1,000 keys), and answers every probe's `stat` and every
/// re-listing of that refresh from it, instead of several listings per probed directory.
struct Revalidator: Sendable {
    /// The store, read as it is now.
    private let store: any StorageBackend
    /// What the current refresh reads through: a fresh ``StorageBackend/snapshotView()`` of ``store``.
    private var backend: any StorageBackend
    private let snapshot: StoreSnapshot
    private let freshness: Freshness
    private let concurrency: Int
    /// Whether the snapshot holds each repository's layer links (the scan lists them only for link hygiene).
    private let layersListed: Bool

    /// A directory to watch.
    private struct Probe: Sendable {
        /// `linklessTag`: a tag directory the scan found without `current/link`, or its
        /// `current/` directory: a push writes a tag's history entry first and its
        /// `current/link` last, so a scan can meet a tag halfway, and the link's arrival changes
        /// only these two directories.
        enum Kind: Sendable { case namespace, repository, layers, revisions, tags, linklessTag }
        var path: String
        var kind: Kind
        /// The repository's index in the snapshot (not for namespaces).
        var repository: Int
        /// Changes after this time (a ``Timestamp/modificationSplit()``) are new to us.
        var since: Double
    }

    private var probes: [Probe] = []
    /// Repository and namespace directories the scan knew (to tell new subtrees from known ones).
    private let knownDirectories: Set<String>
    /// Digests written after the scan (and everything they reference).
    private(set) var protected: Set<Digest> = []
    /// True once something that changed could not be read: no blob may be removed this run.
    private(set) var blocksBlobs = false
    /// Repositories (names) holding a tag met halfway through a push, by the scan or by a
    /// refresh (a tag without `current/link` that has history, or whose directory is new since
    /// the scan): the manifest the tag will name is not known for sure until its `current/link`
    /// lands, so none of their untagged manifests may go this run.
    private(set) var halfwayTags: Set<String> = []
    /// Tag directories watched by a `linklessTag` probe.
    private var watchedTags: Set<String> = []
    /// Problems met while revalidating.
    private(set) var problems: [StoreProblem] = []
    /// When the last ``refresh()`` began (``Timestamp.modificationSplit()``): a directory modified after
    /// it changed after that refresh looked.
    private(set) var lookedAt = -Double.infinity
    /// Seconds spent in ``refresh()`` so far, and how many refreshes ran.
    private(set) var seconds = 0.0
    private(set) var refreshes = 0
    /// Seconds the last ``refresh()`` took.
    private(set) var lastSeconds = 0.0

    init(
        backend: any StorageBackend, snapshot: StoreSnapshot, freshness: Freshness, concurrency: Int,
        layersListed: Bool = true
    ) {
        self.layersListed = layersListed
        store = backend
        self.backend = backend
        self.snapshot = snapshot
        self.freshness = freshness
        self.concurrency = max(1, concurrency)
        var known: Set<String> = [StorePath.repositories]
        var namespaces: Set<String> = [StorePath.repositories]
        var probes: [Probe] = []
        var watched: Set<String> = []
        for (index, repository) in snapshot.repositories.enumerated() {
            let base = StorePath.repository(repository.name)
            known.insert(base)
            var components = repository.name.split(separator: "/").dropLast()
            while !components.isEmpty {
                let namespace = StorePath.repository(components.joined(separator: "/"))
                known.insert(namespace)
                namespaces.insert(namespace)
                components.removeLast()
            }
            let since = snapshot.startedAt
            probes.append(Probe(path: base, kind: .repository, repository: index, since: since))
            probes.append(Probe(path: "\(base)/_layers/sha256", kind: .layers, repository: index, since: since))
            probes.append(
                Probe(path: "\(base)/_manifests/revisions/sha256", kind: .revisions, repository: index, since: since))
            probes.append(Probe(path: "\(base)/_manifests/tags", kind: .tags, repository: index, since: since))
            for tag in repository.linklessTags {
                let directory = StorePath.tag(repository.name, tag.name)
                watched.insert(directory)
                probes.append(Probe(path: directory, kind: .linklessTag, repository: index, since: since))
                probes.append(Probe(path: directory + "/current", kind: .linklessTag, repository: index, since: since))
            }
        }
        // Namespaces that are not repositories themselves (a repository's own probe lists its directory).
        let repositoryPaths = Set(snapshot.repositories.map { StorePath.repository($0.name) })
        for namespace in namespaces.sorted() where !repositoryPaths.contains(namespace) {
            probes.append(Probe(path: namespace, kind: .namespace, repository: -1, since: snapshot.startedAt))
        }
        self.probes = probes
        knownDirectories = known
        // A tag left without link by an interrupted removal (a sweep removes its history first)
        // has none: only a linkless tag with history is a push under way.
        halfwayTags = Set(
            snapshot.repositories.filter { repository in
                repository.linklessTags.contains { !repository.history(of: $0).isEmpty }
            }.map(\.name))
        watchedTags = watched
    }

    /// Stats every probed directory, and reads again those changed since last looked at.
    ///
    /// Grows ``protected`` and may set ``blocksBlobs``; never throws (what fails is a problem).
    mutating func refresh() async {
        let clock = Timestamp.monotonic()
        defer {
            lastSeconds = Timestamp.monotonic() - clock
            seconds += lastSeconds
            refreshes += 1
        }
        lookedAt = Timestamp.modificationSplit()
        // Made after `lookedAt`: whatever its listings miss is modified after it, so seen next time.
        backend = store.snapshotView()
        let changed = await changedProbes()
        for index in changed.sorted() {
            let probe = probes[index]
            // Anything written from now on is seen at the next refresh.
            probes[index].since = lookedAt
            await reread(probe)
        }
    }

    /// Indices of probes whose directory changed (or could not be stat'ed: then blob removal stops).
    private mutating func changedProbes() async -> [Int] {
        let backend = self.backend
        let probes = self.probes
        let chunk = max(64, probes.count / (concurrency * 4) + 1)
        let results = await withTaskGroup(of: [(Int, SweepError?)].self) { group in
            for start in stride(from: 0, to: probes.count, by: chunk) {
                let range = start..<min(start + chunk, probes.count)
                group.addTask {
                    var out: [(Int, SweepError?)] = []
                    for index in range {
                        do throws(SweepError) {
                            let info = try await backend.stat(probes[index].path)
                            if info.modified > probes[index].since { out.append((index, nil)) }
                        } catch  where error.code == .notFound {
                            // Gone (a sweep or the registry removed it): nothing new can be referenced from it.
                        } catch {
                            out.append((index, error))
                        }
                    }
                    return out
                }
            }
            var all: [(Int, SweepError?)] = []
            for await part in group { all += part }
            return all
        }
        var changed: [Int] = []
        for (index, error) in results {
            if let error {
                block(error, "cannot tell whether \(probes[index].path) changed since the scan")
            } else {
                changed.append(index)
            }
        }
        return changed
    }

    private mutating func block(_ error: SweepError, _ why: String) {
        blocksBlobs = true
        var problem = StoreProblem(error)
        problem.message = "\(why); no blob is removed this run: \(error.message)"
        problems.append(problem)
    }

    /// Lists a changed directory again and protects what is new in it.
    private mutating func reread(_ probe: Probe) async {
        switch probe.kind {
        case .namespace, .repository:
            guard let entries = await list(probe.path, "cannot list \(probe.path) again") else { return }
            for entry in entries where !entry.name.hasPrefix("_") {
                let child = "\(probe.path)/\(entry.name)"
                guard !knownDirectories.contains(child) else { continue }
                await protectSubtree(child)
            }
        case .layers:
            // A new link protects its blob. A link the scan listed that a push rewrote in place
            // (a reuse) is the sweeper's check, blob by blob, of every repository that holds a
            // link to it (stat'ing every known link here cost 480,000 stats a revalidation at 1M
            // blobs once the sweep's own link removals had touched every `_layers/sha256`).
            // Without the scan's listing of this repository's links (`cleanLinks` off), each link
            // is judged by its own modification time.
            let repository = snapshot.repositories[probe.repository]
            let known = layersListed ? Set(repository.layers.map { snapshot.digests[$0] }) : nil
            guard let listing = await listDigests(probe.path) else { return }
            for digest in listing {
                if let known {
                    if !known.contains(digest) { protected.insert(digest) }
                } else if !protected.contains(digest) {
                    let info = try? await backend.stat("\(probe.path)/\(digest.hex)/link")
                    if info.map({ $0.modified > probe.since }) ?? true { protected.insert(digest) }
                }
            }
        case .revisions:
            let repository = snapshot.repositories[probe.repository]
            let known = Set(repository.revisions.map { snapshot.digests[$0] } + repository.linklessRevisions)
            guard let listing = await listDigests(probe.path) else { return }
            for digest in listing where !known.contains(digest) {
                await protectRevision("\(probe.path)/\(digest.hex)/link", directoryDigest: digest)
            }
        case .tags:
            let repository = snapshot.repositories[probe.repository]
            let known = Set(repository.tags.map(\.name))
            guard let entries = await list(probe.path, "cannot list \(probe.path) again") else { return }
            for entry in entries {
                if known.contains(entry.name) {
                    let link = "\(probe.path)/\(entry.name)/current/link"
                    // An existing tag moved by a push rewrites its link in place. A link whose
                    // time cannot be read is read itself (``protectTag`` stops blob removal if
                    // that fails too), never taken as unchanged.
                    let modified: Double?
                    do {
                        modified = try await backend.modificationTime(of: link)
                    } catch {
                        modified = .infinity
                    }
                    guard let modified, modified > probe.since else { continue }
                }
                await protectTag(in: "\(probe.path)/\(entry.name)", repository: repository.name)
            }
        case .linklessTag:
            // The tag a push was writing when the scan (or a refresh) passed: its `current/link` may be there now.
            let directory =
                probe.path.hasSuffix("/current") ? String(probe.path.dropLast("/current".count)) : probe.path
            await protectTag(in: directory, repository: nil)
        }
    }

    /// The entries of `path`; `nil` when it is absent, or when it cannot be listed (then blob
    /// removal stops for the run, with `why` in the problem).
    private mutating func list(_ path: String, _ why: String) async -> [DirectoryEntry]? {
        do {
            return try await backend.list(path)
        } catch  where error.code == .notFound {
            return nil
        } catch {
            block(error, why)
            return nil
        }
    }

    /// Digests listed under a `…/sha256` directory (digest-named symlinks included: the registry follows them).
    private mutating func listDigests(_ path: String) async -> [Digest]? {
        do {
            let listing = try await backend.listDigests(path)
            return listing.digests + listing.others.compactMap { Digest.parseHex($0.name) }
        } catch  where error.code == .notFound {
            return nil
        } catch {
            block(error, "cannot list \(path) again")
            return nil
        }
    }

    /// Protects a revision written after the scan: its directory's digest, the digest its link
    /// names and that manifest's closure.
    private mutating func protectRevision(_ link: String, directoryDigest: Digest) async {
        protected.insert(directoryDigest)
        do {
            let named = try await LinkFile.read(backend, link)
            await protectClosure(of: [named, directoryDigest])
        } catch  where error.code == .notFound {
            // A directory without its link yet (being written) or left by a delete: its digest is kept.
            await protectClosure(of: [directoryDigest])
        } catch {
            block(error, "a revision written after the scan cannot be read")
        }
    }

    /// Protects the manifest the tag in `directory` names (its `current/link`) and its closure.
    ///
    /// A tag without `current/link` is one a push is writing: the registry writes the history
    /// entry (`index/sha256/<digest>/link`, directories first) before `current/link`. What its
    /// history names is protected (the directory names are the digests, so an entry whose link
    /// is not written yet counts too); with `repository`, the tag is new to this revalidator:
    /// it is watched from now on, and its repository joins ``halfwayTags``.
    private mutating func protectTag(in directory: String, repository: String?) async {
        do {
            await protectClosure(of: [try await LinkFile.read(backend, directory + "/current/link")])
            return
        } catch  where error.code == .notFound {
            // Halfway through a push (or left by an interrupted one): below.
        } catch {
            block(error, "a tag written after the scan cannot be read")
            return
        }
        let history = await listDigests(directory + "/index/sha256") ?? []
        if let repository {
            // A push under way: its history entry is written, or its directory is new since the
            // scan (created, the entry not yet). A tag left by an interrupted removal is neither.
            // Unreadable, or gone since it was listed: counted as new (keeps more).
            let created = (try? await backend.modificationTime(of: directory)) ?? .infinity
            if !history.isEmpty || created > freshness.changedSince { halfwayTags.insert(repository) }
            if watchedTags.insert(directory).inserted {
                for path in [directory, directory + "/current"] {
                    probes.append(Probe(path: path, kind: .linklessTag, repository: -1, since: lookedAt))
                }
            }
        }
        await protectClosure(of: history)
    }

    /// Protects everything a repository tree that the scan did not see references.
    private mutating func protectSubtree(_ path: String) async {
        guard let entries = await list(path, "a directory created after the scan cannot be listed") else { return }
        for entry in entries {
            let child = "\(path)/\(entry.name)"
            switch entry.name {
            case "_layers":
                for digest in await listDigests("\(child)/sha256") ?? [] { protected.insert(digest) }
            case "_manifests":
                for digest in await listDigests("\(child)/revisions/sha256") ?? [] {
                    await protectRevision("\(child)/revisions/sha256/\(digest.hex)/link", directoryDigest: digest)
                }
                for tag in await list("\(child)/tags", "tags created after the scan cannot be listed") ?? [] {
                    // A repository the snapshot does not hold: its manifests are in no plan.
                    await protectTag(in: "\(child)/tags/\(tag.name)", repository: nil)
                }
            default:
                if !entry.name.hasPrefix("_") && !knownDirectories.contains(child) { await protectSubtree(child) }
            }
        }
    }

    /// Protects manifests and everything they reference (blobs, index children, subjects),
    /// from the snapshot's graph where it has the manifest, else by reading it.
    private mutating func protectClosure(of roots: [Digest]) async {
        var stack = roots
        while let digest = stack.popLast() {
            guard protected.insert(digest).inserted || roots.contains(digest) else { continue }
            if let id = snapshot.digests.id(of: digest), let m = snapshot.manifests.manifest(of: id),
                snapshot.manifests.kind[m] != ManifestTable.unreadable
            {
                for blob in snapshot.manifests.blobs(m) { protected.insert(snapshot.digests[blob]) }
                for child in snapshot.manifests.children(m) where !protected.contains(snapshot.digests[child]) {
                    stack.append(snapshot.digests[child])
                }
                let subject = snapshot.manifests.subject[m]
                if subject != ManifestTable.none, !protected.contains(snapshot.digests[subject]) {
                    stack.append(snapshot.digests[subject])
                }
                continue
            }
            let parsed: ParsedManifest
            do {
                parsed = try await backend.withContents(
                    of: StorePath.blobData(digest), limit: ManifestParser.maxManifestSize
                ) {
                    bytes throws(SweepError) in try ManifestParser.parse(bytes)
                }
            } catch  where error.code == .notFound {
                continue
            } catch {
                block(error, "manifest \(digest) written after the scan cannot be read or parsed")
                continue
            }
            for blob in parsed.blobs { protected.insert(blob) }
            for next in parsed.children + (parsed.subject.map { [$0] } ?? []) where !protected.contains(next) {
                stack.append(next)
            }
        }
    }

    /// Protects `digest` and its closure (a dead manifest found re-pushed).
    mutating func protectManifest(_ digest: Digest) async {
        await protectClosure(of: [digest])
    }
}
