/// Executing a reviewed plan: the reviewed plan bounds what goes, a fresh plan proves it.
extension SweepPlan {
    /// Makes a freshly computed plan one to review: drops what the registry wrote since the scan
    /// (as a dry run does) and records where and how it was made.
    mutating func prepareForReview(
        backend: any StorageBackend, snapshot: StoreSnapshot, options: CollectOptions, origin: Origin
    ) async {
        var revalidator = Revalidator(
            backend: backend, snapshot: snapshot, freshness: Freshness(snapshot: snapshot, options: options),
            concurrency: options.concurrency, layersListed: snapshot.layersListed)
        await revalidator.refresh()
        _ = keepProtected(revalidator)
        problems += revalidator.problems
        self.origin = origin
    }

    /// Throws unless this plan may be executed on `backend` now.
    ///
    /// - Parameters:
    ///   - operation: `gc` or `delete`: a plan is executed by the command that made it.
    ///   - maxAge: seconds; an older plan is refused.
    /// - Throws: `.invalidArgument` for a plan of another version, operation or store, one
    ///   made in the future, or one older than `maxAge`.
    func checkExecutable(on backend: any StorageBackend, operation: String, maxAge: Double, now: Double)
        throws(SweepError)
    {
        guard version == Self.currentVersion else {
            throw SweepError(
                .invalidArgument,
                "the plan is of format version \(version); this regsweep reads version \(Self.currentVersion): make the plan again"
            )
        }
        guard let origin else {
            throw SweepError(
                .invalidArgument, "the plan does not say which store and operation it was made for; make it again")
        }
        guard origin.operation == operation else {
            throw SweepError(.invalidArgument, "the plan was made by \(origin.operation), not \(operation)")
        }
        guard origin.store == backend.displayName else {
            throw SweepError(
                .invalidArgument, "the plan was made for the store \(origin.store), not this one; nothing was changed",
                path: backend.displayName)
        }
        let age = now - origin.scannedAt
        guard age >= -60 else {
            throw SweepError(
                .invalidArgument,
                "the plan was made in the future (\(Timestamp.formatRFC3339(origin.scannedAt))); check the clock")
        }
        guard age <= maxAge else {
            throw SweepError(
                .invalidArgument,
                "the plan is \(DurationText.format(age)) old, older than the limit of \(DurationText.format(maxAge)); make it again (or allow an older plan)"
            )
        }
    }

    /// The items of this (fresh) plan that `reviewed` also lists; nothing else is removed.
    ///
    /// - Returns: the restricted plan, the reviewed items that are no longer eligible (kept,
    ///   with the reason), and how many fresh items the reviewed plan did not list (kept too:
    ///   nobody reviewed them).
    func restricted(to reviewed: SweepPlan) -> (
        plan: SweepPlan, noLongerEligible: [CollectReport.Skipped], unreviewed: Int
    ) {
        var plan = self
        var unreviewed = 0
        func keep<Item>(_ items: [Item], _ allowed: [Item], key: (Item) -> String) -> [Item] {
            let keys = Set(allowed.map(key))
            let kept = items.filter { keys.contains(key($0)) }
            unreviewed += items.count - kept.count
            return kept
        }
        plan.tags = keep(tags, reviewed.tags) { $0.path }
        plan.manifests = keep(manifests, reviewed.manifests) { StorePath.revision($0.repository, $0.digest) }
        plan.links = keep(links, reviewed.links) { $0.path }
        plan.blobs = keep(blobs, reviewed.blobs) { $0.digest.description }
        plan.uploads = keep(uploads, reviewed.uploads) { $0.path }
        plan.incompleteUploads = keep(incompleteUploads, reviewed.incompleteUploads) { "\($0.path)?\($0.id)" }
        plan.repositories = keep(repositories, reviewed.repositories) { $0 }

        var gone: [CollectReport.Skipped] = []
        let reason = "no longer eligible: the store changed since the plan was made"
        func missing<Item>(
            _ items: [Item], in fresh: [Item], kind: CollectReport.ItemKind, key: (Item) -> String,
            path: (Item) -> String
        ) {
            let keys = Set(fresh.map(key))
            for item in items where !keys.contains(key(item)) {
                gone.append(.init(kind: kind, path: path(item), reason: reason))
            }
        }
        missing(reviewed.tags, in: tags, kind: .tag, key: { $0.path }, path: { $0.path })
        missing(
            reviewed.manifests, in: manifests, kind: .manifest, key: { StorePath.revision($0.repository, $0.digest) },
            path: { StorePath.revision($0.repository, $0.digest) })
        missing(reviewed.links, in: links, kind: .link, key: { $0.path }, path: { $0.path })
        missing(
            reviewed.blobs, in: blobs, kind: .blob, key: { $0.digest.description },
            path: { StorePath.blobDirectory($0.digest) })
        missing(reviewed.uploads, in: uploads, kind: .upload, key: { $0.path }, path: { $0.path })
        missing(
            reviewed.incompleteUploads, in: incompleteUploads, kind: .upload, key: { "\($0.path)?\($0.id)" },
            path: { $0.path })
        missing(
            reviewed.repositories, in: repositories, kind: .repository, key: { $0 }, path: { StorePath.repository($0) })
        return (plan, gone, unreviewed)
    }
}
