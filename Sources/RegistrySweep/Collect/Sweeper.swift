/// Carries out a ``SweepPlan`` phase by phase, in the plan's order, next to a registry that may
/// be writing.
///
/// Before the manifest phase, before the link phase and before each batch of blobs, the
/// ``Revalidator`` looks for what the registry wrote since the scan; whatever that references is
/// kept. Right before each removal, the item itself is checked again:
/// - a dead manifest whose revision link was rewritten after the scan (a re-push) is revived:
///   it and everything it references stay; so are the dead manifests of a repository where a
///   tag was met halfway through a push (``Revalidator/halfwayTags``);
/// - a link whose blob was "gone" is kept if the blob is there now;
/// - a blob some repository links to with a link rewritten after the scan is kept;
/// - every removal goes through ``StorageBackend/removeUnlessYoung(_:modifiedAfter:last:)``:
///   young files stay, and directories go only when empty.
///
/// A failed removal is recorded and the sweep goes on; each phase completes before the next
/// one starts, so data is never removed while a reference to it could still be in place.
struct Sweeper: Sendable {
    let backend: any StorageBackend
    let options: CollectOptions
    let freshness: Freshness
    /// Dead manifests and tags were named by the operator (`delete`): they are kept only when
    /// changed after the scan, not merely young.
    var explicit = false
    /// The blob phase revalidates the store every this many seconds...
    var refreshInterval = 0.25
    /// ...or, on stores so large that one revalidation takes longer than this share of that, as
    /// often as keeps revalidation to this share of the phase (at 1M blobs in 2,500 repositories a
    /// revalidation stats 10,000 directories; every 0.25 s it took 18% of the sweep)...
    var refreshShare = 0.05
    /// ...but at least every this many seconds, however slow a revalidation is (a cold cache).
    var longestRefreshInterval = 2.0

    /// What a sweep did.
    struct Outcome: Sendable {
        var failures: [SweepError] = []
        var skipped: [CollectReport.Skipped] = []
        /// The items of `failures`, with the error as the reason.
        var failedItems: [CollectReport.Skipped] = []
        var removed = CollectReport.Removed()
        /// The task was cancelled: the sweep stopped at a safe point (see ``execute``).
        var cancelled = false
    }

    /// Executes the plan.
    ///
    /// - Parameters:
    ///   - plan: what to remove.
    ///   - revalidator: the store's change detector, refreshed before each phase and blob batch.
    ///   - layerHolders: for each planned blob, the repositories holding a layer link to it.
    ///
    /// Cancellation is honoured between removals: no new removal starts (those under way
    /// finish), no later phase starts, and the outcome says `cancelled`. Phases run in order, so
    /// what was removed is proven garbage with every reference to it gone first.
    func execute(_ plan: SweepPlan, revalidator: inout Revalidator, layerHolders: [Digest: [String]]) async -> Outcome {
        var outcome = Outcome()
        func stopped() -> Bool {
            if Task.isCancelled { outcome.cancelled = true }
            return outcome.cancelled
        }
        let cutoffExplicit = explicit ? freshness.decidedAt : freshness.youngSince

        // 0. Tags the operator deleted; `current/link` last, so that an interrupted removal leaves a tag that still names its manifest.
        let tagResults = await run(plan.tags, .removeTags) { backend, item throws(SweepError) -> String? in
            if let modified = try await backend.modificationTime(of: item.path + "/current/link"),
                modified > freshness.decidedAt
            {
                return "the tag was pushed again after the scan"
            }
            return try await backend.removeUnlessYoung(
                item.path, modifiedAfter: freshness.decidedAt, last: "current/link")
                ? nil : "a file in the tag was written after the scan"
        }
        record(tagResults, kind: .tag, paths: plan.tags.map(\.path), into: &outcome) { $0.removed.tags += 1 }

        // 1. Dead manifests.
        if stopped() { return outcome }
        await revalidator.refresh()
        let manifestLook = revalidator.lookedAt
        let manifests = SweepPlan.dropProtected(plan.manifests, by: revalidator, into: &outcome.skipped)
        let halfwayTags = revalidator.halfwayTags
        let revived = await run(manifests, .removeManifests) { backend, item throws(SweepError) -> String? in
            // A tag being written names its manifest only once `current/link` lands: until then
            // any untagged manifest of its repository may be the one.
            if halfwayTags.contains(item.repository) {
                return
                    "a tag in \(item.repository) is being written (no current/link yet); its untagged manifests wait for the next run"
            }
            let link = StorePath.revision(item.repository, item.digest) + "/link"
            if let modified = try await backend.modificationTime(of: link), modified > cutoffExplicit {
                return "its revision link was written again after the scan (a re-push)"
            }
            // A tag created in its repository since the revalidation may name it (this phase does
            // not touch `tags/`; its own revision removals change `revisions/sha256`, so that is not asked).
            if let modified = try await backend.modificationTime(
                of: StorePath.repository(item.repository) + "/_manifests/tags"),
                modified > manifestLook
            {
                return "\(item.repository) was written to during the run; its untagged manifests wait for the next run"
            }
            for path in item.paths {
                if try await !backend.removeUnlessYoung(path, modifiedAfter: cutoffExplicit, last: "link") {
                    return "a link of it was written after the scan"
                }
            }
            return nil
        }
        for (index, result) in revived.enumerated() {
            if case .success(.some(let reason)) = result, reason != Self.notStarted {
                await revalidator.protectManifest(manifests[index].digest)
            }
        }
        record(revived, kind: .manifest, paths: manifests.map(\.path), into: &outcome) {
            $0.removed.manifests += 1
        }

        // 2. Links.
        if stopped() { return outcome }
        await revalidator.refresh()
        let links = SweepPlan.dropProtected(plan.links, by: revalidator, into: &outcome.skipped)
        let linkResults = await run(links, .removeLinks) { backend, item throws(SweepError) -> String? in
            // A tag the scan met halfway through a push (history written, `current/link` not yet).
            if item.ref.kind == .tagWithoutLink,
                try await backend.modificationTime(of: item.path + "/current/link") != nil
            {
                return "the tag was completed after the scan"
            }
            if item.blobGone, let digest = item.digest,
                try await backend.modificationTime(of: StorePath.blobData(digest)) != nil
            {
                return "its blob is in the store after all (written after the blob listing)"
            }
            // A repository pushed to during the run may have a new manifest that needs the link.
            let base = StorePath.repository(item.ref.repository)
            // (Not `revisions/sha256`: this phase itself removes revision directories left without link.)
            for (part, since) in [("_manifests/tags", manifestLook), ("_uploads", freshness.changedSince)] {
                if let modified = try await backend.modificationTime(of: "\(base)/\(part)"), modified > since {
                    return "\(item.ref.repository) was written to during the run; its links wait for the next run"
                }
            }
            return try await backend.removeUnlessYoung(item.path, modifiedAfter: freshness.youngSince, last: "link")
                ? nil : "written within the grace period or after the scan"
        }
        record(linkResults, kind: .link, paths: links.map(\.path), into: &outcome) { $0.removed.links += 1 }
        // Repositories this sweep changed, and when it was done with them: later changes are someone else's.
        let linksEnd = Timestamp.modificationSplit()
        let ownChangesEnd: [String: Double] = Dictionary(
            (plan.tags.map(\.repository) + plan.manifests.map(\.repository) + links.map(\.ref.repository)).map {
                ($0, linksEnd)
            }, uniquingKeysWith: { first, _ in first })

        // 3. Blobs, in small chunks; the store is revalidated every `refreshInterval` seconds (or
        // less often on stores where that would cost more than `refreshShare`), and each blob is checked against its holders right before
        // it goes (see `removeBlob`). Blobs whose holders changed since the last revalidation are
        // tried again after a fresh one.
        var index = 0
        var lastClock = -Double.infinity
        var retries: [SweepPlan.BlobItem] = []
        let chunkSize = max(1, options.concurrency) * 4
        func removeBlobs(_ items: [SweepPlan.BlobItem], final: Bool, outcome: inout Outcome, revalidator: Revalidator)
            async -> [SweepPlan.BlobItem]
        {
            let lastLook = revalidator.lookedAt
            let blobs = SweepPlan.dropProtected(items, by: revalidator, into: &outcome.skipped)
            let results = await run(blobs, nil) { backend, item throws(SweepError) -> String? in
                try await removeBlob(
                    item, backend: backend, holders: layerHolders[item.digest] ?? [], lastLook: lastLook,
                    ownChangesEnd: ownChangesEnd)
            }
            var again: [SweepPlan.BlobItem] = []
            var recorded: [Result<String?, SweepError>] = []
            var paths: [String] = []
            for (position, result) in results.enumerated() {
                if case .success(Self.retry) = result {
                    if !final {
                        again.append(blobs[position])
                        continue
                    }
                    recorded.append(.success("its repositories kept changing during the run"))
                } else {
                    recorded.append(result)
                    if case .success(.none) = result { outcome.removed.bytes += blobs[position].bytes }
                }
                paths.append(blobs[position].path)
            }
            record(recorded, kind: .blob, paths: paths, into: &outcome) { $0.removed.blobs += 1 }
            return again
        }
        while index < plan.blobs.count || !retries.isEmpty {
            if stopped() { return outcome }
            options.progress.send(
                .init(
                    phase: .removeBlobs, done: outcome.removed.blobs, total: plan.blobs.count,
                    bytes: outcome.removed.bytes))
            let interval = min(
                longestRefreshInterval,
                max(refreshInterval, revalidator.lastSeconds * (1 - refreshShare) / refreshShare))
            if !retries.isEmpty || Timestamp.monotonic() - lastClock >= interval {
                lastClock = Timestamp.monotonic()
                await revalidator.refresh()
                if !retries.isEmpty {
                    let again = retries
                    retries = []
                    _ = await removeBlobs(again, final: true, outcome: &outcome, revalidator: revalidator)
                    continue
                }
            }
            let chunk = Array(plan.blobs[index..<min(index + chunkSize, plan.blobs.count)])
            index += chunk.count
            retries += await removeBlobs(chunk, final: false, outcome: &outcome, revalidator: revalidator)
        }

        options.progress.send(
            .init(
                phase: .removeBlobs, done: outcome.removed.blobs, total: plan.blobs.count, bytes: outcome.removed.bytes)
        )
        if stopped() { return outcome }

        // 4. Uploads, by their age alone (`startedat`, as the registry's own purger judges them).
        let uploadResults = await run(plan.uploads, .removeUploads) { backend, item throws(SweepError) -> String? in
            try await backend.removeUnlessYoung(item.path, modifiedAfter: .infinity, last: nil)
                ? nil : "not empty after removal"
        }
        record(uploadResults, kind: .upload, paths: plan.uploads.map(\.path), into: &outcome) {
            $0.removed.uploads += 1
        }
        let abortResults = await run(plan.incompleteUploads, nil) { backend, upload throws(SweepError) -> String? in
            do throws(SweepError) {
                try await backend.abortIncompleteUpload(upload)
            } catch  where error.code == .notFound {}
            return nil
        }
        record(abortResults, kind: .upload, paths: plan.incompleteUploads.map(\.path), into: &outcome) {
            $0.removed.incompleteUploads += 1
        }

        // 5. Repositories left empty: only what is old goes, directories only when empty. A
        // repository something was kept in (a manifest revived, a link or tag kept) is not empty.
        let keptIn = Set(outcome.skipped.compactMap { StorePath.repositoryName(in: $0.path) })
        for (done, repository) in plan.repositories.enumerated() {
            if stopped() { return outcome }
            options.progress.send(.init(phase: .removeRepositories, done: done, total: plan.repositories.count))
            if keptIn.contains(repository) {
                outcome.skipped.append(
                    .init(
                        kind: .repository, path: StorePath.repository(repository),
                        reason: "something in it was kept during the run (see the other skipped items)"))
                continue
            }
            do throws(SweepError) {
                if let reason = try await pruneRepository(repository) {
                    outcome.skipped.append(
                        .init(kind: .repository, path: StorePath.repository(repository), reason: reason))
                } else {
                    outcome.removed.repositories += 1
                }
            } catch {
                outcome.failures.append(error)
                outcome.failedItems.append(
                    .init(kind: .repository, path: StorePath.repository(repository), reason: error.description))
            }
        }
        return outcome
    }

    /// What `removeBlob` answers when a holder changed since the last revalidation.
    static let retry = "\u{0}retry"

    /// Removes one blob unless a repository linking to it shows a change: a layer link rewritten
    /// after the scan (a push reusing the blob rewrites it in place, its directory unchanged)
    /// keeps the blob; a holder whose revisions changed since the last revalidation (a manifest
    /// pushed there may reference it) asks for a revalidation first (``retry``).
    private func removeBlob(
        _ item: SweepPlan.BlobItem, backend: any StorageBackend, holders: [String], lastLook: Double,
        ownChangesEnd: [String: Double]
    ) async throws(SweepError) -> String? {
        for repository in holders {
            let base = StorePath.repository(repository)
            // Every check of this repository through one view of it as it is now (an object store
            // lists the repository once instead of once per path).
            let view = backend.liveView(below: base)
            if let link = try await view.modificationTime(of: StorePath.layerLink(repository, item.digest) + "/link"),
                freshness.isYoung(link)
            {
                return "\(repository) linked it again after the scan"
            }
            // A repository written to during the run (an upload, a new link, revision or tag that
            // this sweep did not make) may be in the middle of a push that reuses the blob.
            let baseline = max(freshness.changedSince, ownChangesEnd[repository] ?? freshness.changedSince)
            for part in ["_uploads", "_layers/sha256", "_manifests/tags"] {
                if let modified = try await view.modificationTime(of: "\(base)/\(part)"), modified > baseline {
                    return
                        "\(repository) was written to during the run (\(part)); its unreferenced blobs wait for the next run"
                }
            }
            if let revisions = try await view.modificationTime(of: "\(base)/_manifests/revisions/sha256"),
                revisions > lastLook
            {
                return Self.retry
            }
        }
        return try await backend.removeUnlessYoung(
            StorePath.blobDirectory(item.digest), modifiedAfter: freshness.youngSince, last: nil)
            ? nil : "written within the grace period or after the scan"
    }

    /// Removes a repository's `_manifests`, `_layers`, `_uploads` (old files only, directories
    /// only when empty), then its directory and each parent up to `repositories/` while they
    /// are empty (nested repositories stay).
    ///
    /// - Returns: why the repository stays, or `nil` once it is gone.
    func pruneRepository(_ name: String) async throws(SweepError) -> String? {
        let base = StorePath.repository(name)
        // Empty at the scan is not empty now: a push may have written a revision or a tag since
        // (the scan can even meet a push halfway, its revision there and its tag not yet, when
        // that revision looks dead). Whatever they are, they are not this prune's to remove.
        for part in ["_manifests/tags", "_manifests/revisions/sha256"] {
            do {
                if try await !backend.list("\(base)/\(part)").isEmpty {
                    return "\(part) is not empty (written during the run, or kept)"
                }
            } catch  where error.code == .notFound {}
        }
        for part in ["_manifests", "_layers", "_uploads"] {
            if try await !backend.removeUnlessYoung("\(base)/\(part)", modifiedAfter: freshness.youngSince, last: nil) {
                return "something in \(part) was written within the grace period or after the scan"
            }
        }
        var components = name.split(separator: "/").map(String.init)
        var first = true
        while !components.isEmpty {
            let path = StorePath.repository(components.joined(separator: "/"))
            do {
                if try await !backend.removeEmptyDirectory(path) {
                    return first ? "the repository directory is not empty (nested repositories or new content)" : nil
                }
            } catch  where error.code == .notFound {}
            first = false
            components.removeLast()
        }
        return nil
    }

    /// Adds each result to the outcome: removed (counted by `count`), skipped, or failed.
    private func record(
        _ results: [Result<String?, SweepError>], kind: CollectReport.ItemKind, paths: [String],
        into outcome: inout Outcome,
        count: (inout Outcome) -> Void
    ) {
        for (index, result) in results.enumerated() {
            switch result {
            case .success(.none): count(&outcome)
            case .success(Self.notStarted): outcome.cancelled = true
            case .success(.some(let reason)):
                outcome.skipped.append(.init(kind: kind, path: paths[index], reason: reason))
            case .failure(let error):
                outcome.failures.append(error)
                outcome.failedItems.append(.init(kind: kind, path: paths[index], reason: error.description))
            }
        }
    }

    /// What ``run(_:_:_:)`` answers for an item it did not start because the task was cancelled.
    static let notStarted = "\u{0}not started"

    /// Runs `body` on each item (at most `options.concurrency` at once), in order of start;
    /// once the task is cancelled, starts no more (those not started answer ``notStarted``).
    ///
    /// - Parameter phase: the progress phase to report (done/total), or `nil`.
    /// - Returns: per item, in the items' order: `nil` (done), a reason it was kept, or its error.
    private func run<Item: Sendable>(
        _ items: [Item], _ phase: ProgressEvent.Phase?,
        _ body: @escaping @Sendable (any StorageBackend, Item) async throws(SweepError) -> String?
    ) async -> [Result<String?, SweepError>] {
        let progress = phase == nil ? nil : options.progress
        let every = max(64, items.count / 100)
        let backend = self.backend
        let pause = options.pauseAfterEachDeletion
        let width = max(1, options.concurrency)
        return await withTaskGroup(of: (Int, Result<String?, SweepError>).self) { group in
            var results = [Result<String?, SweepError>](repeating: .success(Self.notStarted), count: items.count)
            var next = 0
            var running = 0
            var done = 0
            while next < items.count || running > 0 {
                while running < width && next < items.count && !Task.isCancelled {
                    let index = next
                    let item = items[index]
                    next += 1
                    running += 1
                    group.addTask {
                        do throws(SweepError) {
                            let kept = try await body(backend, item)
                            if pause > 0 && kept == nil { try? await Task.sleep(nanoseconds: UInt64(pause * 1e9)) }
                            return (index, .success(kept))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                guard let (index, result) = await group.next() else { break }
                running -= 1
                results[index] = result
                done += 1
                if let progress, let phase, done % every == 0 || done == items.count {
                    progress(.init(phase: phase, done: done, total: items.count))
                }
            }
            return results
        }
    }
}
