import RegistrySweep
import Synchronization

/// A real backend with one hook: `onStat` runs right before each `stat` of the store (the
/// sweep's last look at an item before removing it), so that a race test can replay a
/// registry's write at the exact moment between a run's check and its removal.
///
/// Everything else, the lock included, is the base backend's; its views are this backend, so
/// every read of a run passes the hook.
struct StatHookBackend<Base: StorageBackend>: ForwardingBackend {
    let base: Base
    let onStat: @Sendable (String) -> Void

    func stat(_ path: String) async throws(SweepError) -> FileInfo {
        onStat(path)
        return try await base.stat(path)
    }
    func lock() async throws(SweepError) -> StoreLockHandle { try await base.lock() }
}

/// Runs an action once, the first time it is asked to (from any thread).
final class OneShot: Sendable {
    private let fired = Mutex(false)
    private let action: @Sendable () -> Void

    init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    /// Runs the action unless it already ran; true if this call ran it.
    @discardableResult
    func fire() -> Bool {
        guard
            fired.withLock({ done in
                defer { done = true }
                return !done
            })
        else { return false }
        action()
        return true
    }

    var hasFired: Bool { fired.withLock { $0 } }
}
