/// The mark phase: which manifests are live in each repository and which blobs any live
/// manifest needs. Pure computation over a snapshot; no I/O except what `isYoung` does.
///
/// Rules (see ``CollectOptions``):
/// - default: every revision of every repository is live (like the reference GC);
/// - `deleteUntagged`: roots are the manifests tags name; also live are children of a live
///   index or list, referrers whose `subject` is live (unless disabled), and revisions younger
///   than the grace period; recursively;
/// - a repository that was not read completely, has an invalid name, or holds a manifest that
///   cannot be read or parsed is kept whole: all its revisions are live and every blob its
///   `_layers` names is marked;
/// - a live manifest marks its own blob and everything it references, through index children
///   recursively; the mark is global (a blob any repository needs lives).
///
/// ## Performance
/// O(revisions + references); memory: one bit per digest for blobs and manifests visited,
/// plus per-repository temporary sets.
struct Marker {
    let snapshot: StoreSnapshot
    let options: CollectOptions
    /// Revisions to treat as dead, by repository name, and tags to ignore as roots
    /// (the delete command); other revisions of those repositories stay live.
    var exclusions = Exclusions()

    /// What an explicit delete removes before marking.
    struct Exclusions {
        var deadRevisions: [String: Set<UInt32>] = [:]
        var removedTags: Set<TagRef> = []
    }

    /// A repository and tag name.
    struct TagRef: Hashable {
        var repository: String
        var tag: String
    }

    /// The outcome of marking.
    struct Result {
        /// Blob digests (ids) that must stay.
        var marked: BitSet
        /// Per repository (same order as the snapshot): its dead revisions' digest ids.
        var deadRevisions: [[UInt32]]
        /// Per repository: true when it is kept whole (nothing in it may be modified).
        var keptWhole: [Bool]
        /// Why repositories were kept whole, for the report.
        var warnings: [String]
    }

    /// Marks the snapshot.
    ///
    /// - Parameter isYoung: whether a revision of a repository was written within the grace
    ///   period (called only for revisions that would otherwise be dead).
    func mark(isYoung: (Repository, UInt32) async -> Bool) async -> Result {
        var marked = BitSet(universe: snapshot.digests.count)
        var visited = BitSet(universe: snapshot.digests.count)
        var dead: [[UInt32]] = []
        var keptWhole: [Bool] = []
        var warnings: [String] = []
        for repository in snapshot.repositories {
            let whole = wholeReason(repository)
            if let whole { warnings.append("\(repository.name): \(whole); kept whole") }
            keptWhole.append(whole != nil)
            let live: [UInt32]
            if whole == nil, let excluded = exclusions.deadRevisions[repository.name] {
                live = repository.revisions.filter { !excluded.contains($0) }
                dead.append(repository.revisions.filter { excluded.contains($0) })
            } else if whole != nil || !options.deleteUntagged {
                live = repository.revisions
                if whole != nil { for layer in repository.layers { marked.insert(layer) } }
                dead.append([])
            } else {
                let (alive, gone) = await liveRevisions(repository, isYoung: isYoung)
                live = alive
                dead.append(gone)
            }
            // One walk per repository (marking is a union: grouping the roots changes nothing).
            // A tag naming a manifest that is not a revision here still keeps that manifest's content.
            let tagged = repository.tags.lazy
                .filter {
                    exclusions.removedTags.isEmpty
                        || !exclusions.removedTags.contains(TagRef(repository: repository.name, tag: $0.name))
                }
                .compactMap(\.current)
            snapshot.closure(from: live, into: &marked, visited: &visited)
            snapshot.closure(from: tagged, into: &marked, visited: &visited)
        }
        return Result(marked: marked, deadRevisions: dead, keptWhole: keptWhole, warnings: warnings)
    }

    /// Why a repository must be kept whole, or `nil`.
    func wholeReason(_ repository: Repository) -> String? {
        if !repository.hasValidName { return "invalid repository name" }
        if repository.isIncomplete { return "not read completely (see problems)" }
        if let bad = repository.revisions.first(where: { snapshot.unreadableManifests.contains($0) }) {
            return "manifest \(snapshot.digests[bad]) cannot be read or parsed"
        }
        return nil
    }

    /// Live and dead revisions of a repository in delete-untagged mode: what its tags (and the
    /// histories of its tags without `current/link`) reach, and
    /// what revisions younger than the grace period reach.
    private func liveRevisions(_ repository: Repository, isYoung: (Repository, UInt32) async -> Bool) async -> (
        [UInt32], [UInt32]
    ) {
        let revisions = Set(repository.revisions)
        var live = Set<UInt32>()
        // A tag met halfway through a push (history written, `current/link` not yet) is about to
        // name the manifest its history holds: that manifest is not proven untagged.
        let halfway = repository.linklessTags.flatMap { repository.history(of: $0) }
        let roots = (repository.tags.compactMap(\.current) + halfway).filter { revisions.contains($0) }
        snapshot.reach(from: roots, in: repository, referrers: options.keepReferrers, into: &live)
        if options.grace > 0 {
            var young: [UInt32] = []
            for id in repository.revisions where !live.contains(id) {
                if await isYoung(repository, id) { young.append(id) }
            }
            snapshot.reach(from: young, in: repository, referrers: options.keepReferrers, into: &live)
        }
        return (repository.revisions.filter { live.contains($0) }, repository.revisions.filter { !live.contains($0) })
    }
}
