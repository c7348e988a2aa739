/// Carries out a ``SweepPlan`` with bounded concurrency, phase by phase, in the plan's order.
///
/// A failed deletion is recorded and the sweep goes on; each phase completes before the next
/// one starts, so data is never removed while a reference to it could still be in place.
struct Sweeper: Sendable {
    let backend: any StorageBackend
    let options: CollectOptions

    /// Executes the plan.
    ///
    /// - Returns: the deletions that failed.
    func execute(_ plan: SweepPlan) async -> [SweepError] {
        var failures: [SweepError] = []
        failures += await run(plan.tags.map { [$0] })
        // Within one manifest, tag-history entries go before the revision link.
        failures += await run(plan.manifests.map(\.paths))
        failures += await run(plan.links.map { [$0.path] })
        failures += await run(plan.blobs.map { [StorePath.blobDirectory($0.digest)] })
        failures += await run(plan.uploads.map { [$0.path] })
        for repository in plan.repositories {
            do throws(SweepError) {
                try await pruneRepository(repository)
            } catch {
                failures.append(error)
            }
        }
        return failures
    }

    /// Removes a repository's `_manifests`, `_layers`, `_uploads`, then its directory and
    /// each parent up to `repositories/` while they are empty (nested repositories stay).
    func pruneRepository(_ name: String) async throws(SweepError) {
        let base = StorePath.repository(name)
        for part in ["_manifests", "_layers", "_uploads"] { try await backend.removeTree("\(base)/\(part)") }
        var components = name.split(separator: "/").map(String.init)
        while !components.isEmpty {
            let path = StorePath.repository(components.joined(separator: "/"))
            do {
                if try await !backend.removeEmptyDirectory(path) { return }
            } catch where error.code == .notFound {}
            components.removeLast()
        }
    }

    /// Removes each item's paths in order (items in parallel, at most `options.concurrency` at once).
    private func run(_ items: [[String]]) async -> [SweepError] {
        let backend = self.backend
        let pause = options.pauseAfterEachDeletion
        return await withTaskGroup(of: SweepError?.self) { group in
            var failures: [SweepError] = []
            var next = 0
            var running = 0
            while next < items.count || running > 0 {
                while running < options.concurrency && next < items.count {
                    let item = items[next]
                    next += 1
                    running += 1
                    group.addTask {
                        do throws(SweepError) {
                            for path in item { try await backend.removeTree(path) }
                            if pause > 0 { try? await Task.sleep(nanoseconds: UInt64(pause * 1e9)) }
                            return nil
                        } catch {
                            return error
                        }
                    }
                }
                if let result = await group.next() {
                    running -= 1
                    if let failure = result { failures.append(failure) }
                }
            }
            return failures
        }
    }
}
