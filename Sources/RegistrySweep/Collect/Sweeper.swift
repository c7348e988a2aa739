/// Carries out a ``SweepPlan`` phase by phase, in the plan's order, next to a registry that may
/// be writing.
///
/// Before the manifest phase, before the link phase and before each batch of blobs, the
/// ``Revalidator`` looks for what the registry wrote since the scan; whatever that references is
/// kept. Right before each removal, the item itself is checked again:
/// - a dead manifest whose revision link was rewritten after the scan (a re-push) is revived:
///   it and everything it references stay;
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
    /// Blobs are removed in batches of this many, with a revalidation before each.
    var blobBatch = 1000

    /// What a sweep did.
    struct Outcome: Sendable {
        var failures: [SweepError] = []
        var skipped: [CollectReport.Skipped] = []
        var removed = CollectReport.Removed()
        var removedBlobs: [Digest] = []
    }

    /// Executes the plan.
    ///
    /// - Parameters:
    ///   - plan: what to remove.
    ///   - revalidator: the store's change detector, refreshed before each phase and blob batch.
    ///   - layerHolders: for each planned blob, the repositories holding a layer link to it.
    func execute(_ plan: SweepPlan, revalidator: inout Revalidator, layerHolders: [Digest: [String]]) async -> Outcome {
        var outcome = Outcome()
        let cutoffExplicit = explicit ? freshness.changedSince : freshness.youngSince

        // 0. Tags the operator deleted; `current/link` last, so that an interrupted removal leaves a tag that still names its manifest.
        let tagResults = await run(plan.tags) { backend, item throws(SweepError) -> String? in
            if let info = try? await backend.stat(item.path + "/current/link"), info.modified > freshness.changedSince {
                return "the tag was pushed again after the scan"
            }
            return try await backend.removeUnlessYoung(item.path, modifiedAfter: freshness.changedSince, last: "current/link")
                ? nil : "a file in the tag was written after the scan"
        }
        record(tagResults, kind: "tag", paths: plan.tags.map(\.path), into: &outcome) { $0.removed.tags += 1 }

        // 1. Dead manifests.
        await revalidator.refresh()
        var manifests: [SweepPlan.ManifestItem] = []
        for item in plan.manifests {
            let revision = StorePath.revision(item.repository, item.digest)
            if revalidator.protected.contains(item.digest) {
                outcome.skipped.append(.init(kind: "manifest", path: revision, reason: "referenced by something written after the scan"))
            } else {
                manifests.append(item)
            }
        }
        let revived = await run(manifests) { backend, item throws(SweepError) -> String? in
            let link = StorePath.revision(item.repository, item.digest) + "/link"
            if let info = try? await backend.stat(link), info.modified > cutoffExplicit {
                return "its revision link was written again after the scan (a re-push)"
            }
            for path in item.paths {
                if try await !backend.removeUnlessYoung(path, modifiedAfter: cutoffExplicit, last: "link") {
                    return "a link of it was written after the scan"
                }
            }
            return nil
        }
        for (index, result) in revived.enumerated() {
            if case .success(.some) = result { await revalidator.protectManifest(manifests[index].digest) }
        }
        record(revived, kind: "manifest", paths: manifests.map { StorePath.revision($0.repository, $0.digest) }, into: &outcome) {
            $0.removed.manifests += 1
        }

        // 2. Links.
        await revalidator.refresh()
        var links: [SweepPlan.LinkItem] = []
        for item in plan.links {
            if revalidator.protected.contains(item.digest) {
                outcome.skipped.append(.init(kind: "link", path: item.path, reason: "names something written after the scan"))
            } else {
                links.append(item)
            }
        }
        let linkResults = await run(links) { backend, item throws(SweepError) -> String? in
            if item.blobGone, (try? await backend.stat(StorePath.blobData(item.digest))) != nil {
                return "its blob is in the store after all (written after the blob listing)"
            }
            return try await backend.removeUnlessYoung(item.path, modifiedAfter: freshness.youngSince, last: "link")
                ? nil : "written within the grace period or after the scan"
        }
        record(linkResults, kind: "link", paths: links.map(\.path), into: &outcome) { $0.removed.links += 1 }

        // 3. Blobs, in batches, each after a revalidation.
        var start = 0
        while start < plan.blobs.count {
            let batch = Array(plan.blobs[start..<min(start + blobBatch, plan.blobs.count)])
            start += batch.count
            await revalidator.refresh()
            await protectRelinked(batch, holders: layerHolders, revalidator: &revalidator)
            var blobs: [SweepPlan.BlobItem] = []
            for item in batch {
                let path = StorePath.blobDirectory(item.digest)
                if revalidator.blocksBlobs {
                    outcome.skipped.append(.init(kind: "blob", path: path, reason: "the store changed in a way this run could not read (see problems)"))
                } else if revalidator.protected.contains(item.digest) {
                    outcome.skipped.append(.init(kind: "blob", path: path, reason: "referenced by something written after the scan"))
                } else {
                    blobs.append(item)
                }
            }
            let results = await run(blobs) { backend, item throws(SweepError) -> String? in
                try await backend.removeUnlessYoung(StorePath.blobDirectory(item.digest), modifiedAfter: freshness.youngSince)
                    ? nil : "written within the grace period or after the scan"
            }
            for (index, result) in results.enumerated() {
                if case .success(.none) = result {
                    outcome.removed.bytes += blobs[index].bytes
                    outcome.removedBlobs.append(blobs[index].digest)
                }
            }
            record(results, kind: "blob", paths: blobs.map { StorePath.blobDirectory($0.digest) }, into: &outcome) {
                $0.removed.blobs += 1
            }
        }

        // 4. Uploads, by their age alone (`startedat`, as the registry's own purger judges them).
        let uploadResults = await run(plan.uploads) { backend, item throws(SweepError) -> String? in
            try await backend.removeUnlessYoung(item.path, modifiedAfter: .infinity) ? nil : "not empty after removal"
        }
        record(uploadResults, kind: "upload", paths: plan.uploads.map(\.path), into: &outcome) { $0.removed.uploads += 1 }

        // 5. Repositories left empty: only what is old goes, directories only when empty.
        for repository in plan.repositories {
            do throws(SweepError) {
                if let reason = try await pruneRepository(repository) {
                    outcome.skipped.append(.init(kind: "repository", path: StorePath.repository(repository), reason: reason))
                } else {
                    outcome.removed.repositories += 1
                }
            } catch {
                outcome.failures.append(error)
            }
        }
        return outcome
    }

    /// Protects blobs of `batch` that some repository links to through a link rewritten after
    /// the scan (a push reusing a blob rewrites the link in place: its directory does not change).
    private func protectRelinked(
        _ batch: [SweepPlan.BlobItem], holders: [Digest: [String]], revalidator: inout Revalidator
    ) async {
        var links: [(Digest, String)] = []
        for item in batch {
            for repository in holders[item.digest] ?? [] {
                links.append((item.digest, StorePath.layerLink(repository, item.digest) + "/link"))
            }
        }
        guard !links.isEmpty else { return }
        let young = await run(links, pausing: false) { backend, link throws(SweepError) -> String? in
            guard let info = try? await backend.stat(link.1) else { return nil }
            return freshness.isYoung(info.modified) ? "young" : nil
        }
        for (index, result) in young.enumerated() {
            if case .success(.some) = result { revalidator.protect(links[index].0) }
        }
    }

    /// Removes a repository's `_manifests`, `_layers`, `_uploads` (old files only, directories
    /// only when empty), then its directory and each parent up to `repositories/` while they
    /// are empty (nested repositories stay).
    ///
    /// - Returns: why the repository stays, or `nil` once it is gone.
    func pruneRepository(_ name: String) async throws(SweepError) -> String? {
        let base = StorePath.repository(name)
        for part in ["_manifests", "_layers", "_uploads"] {
            if try await !backend.removeUnlessYoung("\(base)/\(part)", modifiedAfter: freshness.youngSince) {
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
            } catch where error.code == .notFound {}
            first = false
            components.removeLast()
        }
        return nil
    }

    /// Adds each result to the outcome: removed (counted by `count`), skipped, or failed.
    private func record(
        _ results: [Result<String?, SweepError>], kind: String, paths: [String], into outcome: inout Outcome,
        count: (inout Outcome) -> Void
    ) {
        for (index, result) in results.enumerated() {
            switch result {
            case .success(.none): count(&outcome)
            case .success(.some(let reason)): outcome.skipped.append(.init(kind: kind, path: paths[index], reason: reason))
            case .failure(let error): outcome.failures.append(error)
            }
        }
    }

    /// Runs `body` on each item (at most `options.concurrency` at once), in order of start.
    ///
    /// - Returns: per item, in the items' order: `nil` (done), a reason it was kept, or its error.
    private func run<Item: Sendable>(
        _ items: [Item], pausing: Bool = true, _ body: @escaping @Sendable (any StorageBackend, Item) async throws(SweepError) -> String?
    ) async -> [Result<String?, SweepError>] {
        let backend = self.backend
        let pause = pausing ? options.pauseAfterEachDeletion : 0
        let width = max(1, options.concurrency)
        return await withTaskGroup(of: (Int, Result<String?, SweepError>).self) { group in
            var results = [Result<String?, SweepError>](repeating: .success(nil), count: items.count)
            var next = 0
            var running = 0
            while next < items.count || running > 0 {
                while running < width && next < items.count {
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
                if let (index, result) = await group.next() {
                    running -= 1
                    results[index] = result
                }
            }
            return results
        }
    }
}
