import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A crash-testing hook: kills the process with `SIGKILL` right after its N-th removal.
///
/// Crash tests arm it (the CLI's hidden `--crash-after-removals N`) to stop a run at an exact
/// point of its removal sequence (every `unlink` and `rmdir`, in the order they complete) and
/// check that the next run converges. Disarmed, the default, it costs one atomic load per
/// removal.
package enum CrashPoint {
    private static let remaining = Atomic<Int>(0)

    /// Arms the hook: the `count`-th removal from now is the last one before `SIGKILL`.
    /// 0 disarms it.
    package static func arm(afterRemovals count: Int) {
        remaining.store(max(0, count), ordering: .sequentiallyConsistent)
    }

    /// Called by ``SystemCalls`` after each successful removal (and by an object-store backend after
    /// each acknowledged batch delete).
    package static func removed() {
        guard remaining.load(ordering: .relaxed) > 0 else { return }
        if remaining.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 {
            raise(SIGKILL)
        }
    }
}
