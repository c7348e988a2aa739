import RegistrySweep
import Synchronization

/// Gathers the DeleteObjects of concurrent removals into shared requests of up to 1,000 keys.
///
/// A sweep removes many small items at once (a blob is one key, a link one or two), each with
/// its own checks right before it goes; one request per item would make deletes the bulk of a
/// sweep's requests. A caller of ``delete(_:path:)`` waits at most ``window`` for others to
/// join its request (or until the request is full), then gets back the answer for its own keys
/// only: every key's outcome is still checked by its caller, a failed request fails every caller
/// in it, and a caller's next removal (an ordered removal's last key) is only submitted after its
/// earlier keys were acknowledged, so ordering within a removal is kept.
final class DeleteBatcher: Sendable {
    /// How long the first key of a request waits for others.
    static let window: Duration = .milliseconds(4)

    private struct Waiter {
        var keys: [String]
        /// The store path the caller removes, for its errors.
        var path: String?
        var continuation: CheckedContinuation<Result<DeleteObjectsResult, SweepError>, Never>
    }

    private struct State {
        var waiting: [Waiter] = []
        var keys = 0
        /// Bumped when a request takes the waiting callers: a timer started for an earlier
        /// gathering then finds nothing of its own to send.
        var generation = 0
    }

    private let client: S3Client
    private let state = Mutex(State())

    init(client: S3Client) {
        self.client = client
    }

    /// Deletes `keys` (at most 1,000) in a request shared with other callers.
    ///
    /// - Returns: the outcome of `keys` alone: those the store reported deleted, and the failures
    ///   (a key in neither list is a failure, as in ``S3Client/deleteObjects(_:path:)``).
    /// - Throws: the request's error (every caller in it gets it).
    func delete(_ keys: [String], path: String?) async throws(SweepError) -> DeleteObjectsResult {
        precondition(keys.count <= DeleteObjectsRequest.maximumKeys)
        if keys.isEmpty { return DeleteObjectsResult(deleted: [], failures: []) }
        let result = await withCheckedContinuation { continuation in
            let (full, timer) = state.withLock { state -> ([Waiter], Int?) in
                var full: [Waiter] = []
                if state.keys + keys.count > DeleteObjectsRequest.maximumKeys {
                    full = state.waiting
                    state.waiting = []
                    state.keys = 0
                    state.generation += 1
                }
                state.waiting.append(Waiter(keys: keys, path: path, continuation: continuation))
                state.keys += keys.count
                return (full, state.waiting.count == 1 ? state.generation : nil)
            }
            if !full.isEmpty { Task { await self.send(full) } }
            if let generation = timer {
                Task {
                    try? await Task.sleep(for: Self.window)
                    let taken = self.state.withLock { state -> [Waiter] in
                        guard state.generation == generation else { return [] }
                        let taken = state.waiting
                        state.waiting = []
                        state.keys = 0
                        state.generation += 1
                        return taken
                    }
                    if !taken.isEmpty { await self.send(taken) }
                }
            }
        }
        return try result.get()
    }

    /// One DeleteObjects request for every waiter's keys; each waiter resumed with its own part.
    private func send(_ waiters: [Waiter]) async {
        var keys: [String] = []
        var seen: Set<String> = []
        for waiter in waiters {
            for key in waiter.keys where seen.insert(key).inserted { keys.append(key) }
        }
        let outcome: Result<DeleteObjectsResult, SweepError>
        do throws(SweepError) {
            outcome = .success(try await client.deleteObjects(keys, path: waiters[0].path))
        } catch {
            outcome = .failure(error)
        }
        for waiter in waiters {
            switch outcome {
            case .failure(var error):
                error.path = waiter.path
                waiter.continuation.resume(returning: .failure(error))
            case .success(let result):
                let mine = Set(waiter.keys)
                waiter.continuation.resume(
                    returning: .success(
                        DeleteObjectsResult(
                            deleted: result.deleted.filter { mine.contains($0) },
                            failures: result.failures.filter { mine.contains($0.key) })))
            }
        }
    }
}
