import Synchronization

/// An async counting semaphore: at most `width` holders at once; waiters resume in arrival order.
final class RequestLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }
    private let state: Mutex<State>

    /// A limiter of `width` (at least 1) holders.
    init(width: Int) { state = Mutex(State(available: max(1, width))) }

    /// Waits for a slot. Pair every call with one ``release()``.
    func acquire() async {
        if tryAcquire() { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Takes a slot if one is free now (never one a waiter is owed). Pair `true` with one
    /// ``release()``.
    func tryAcquire() -> Bool {
        state.withLock { state -> Bool in
            guard state.available > 0 else { return false }
            state.available -= 1
            return true
        }
    }

    /// Gives a slot back, to the longest waiter if any.
    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.head < state.waiters.count {
                let next = state.waiters[state.head]
                state.head += 1
                if state.head > 1024 && state.head * 2 > state.waiters.count {
                    state.waiters.removeFirst(state.head)
                    state.head = 0
                }
                return next
            }
            state.available += 1
            return nil
        }
        next?.resume()
    }
}
