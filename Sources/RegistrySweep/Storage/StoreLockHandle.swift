import Synchronization

/// Proof that a run holds a store's exclusive lock; the lock is released when the handle is
/// released or deallocated, whichever comes first.
///
/// Backends return one from ``StorageBackend/lock()``. The holder keeps it alive for as long as
/// it modifies the store (`withExtendedLifetime`, or a stored property) and may release it
/// early with ``release()``.
public final class StoreLockHandle: Sendable {
    /// What was locked (a lock file's path, a store's name), for messages.
    public let description: String
    /// The release action, run exactly once; `nil` once run.
    private let action: Mutex<(@Sendable () -> Void)?>

    /// Creates a handle.
    ///
    /// - Parameters:
    ///   - description: what is locked, for messages.
    ///   - release: gives the lock up; called exactly once (by ``release()`` or `deinit`).
    public init(_ description: String, release: @escaping @Sendable () -> Void) {
        self.description = description
        action = Mutex(release)
    }

    /// Gives the lock up now; later calls (and `deinit`) do nothing.
    public func release() {
        let run = action.withLock { action in
            defer { action = nil }
            return action
        }
        run?()
    }

    deinit { release() }
}
