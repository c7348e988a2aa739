#if canImport(Glibc)
    import Glibc
#endif

/// The process-wide `SIGBUS` handler: the only signal handler the package installs.
///
/// Reading a mapped page that no longer exists (the file was truncated after it was mapped)
/// or that the kernel cannot read (EIO) raises `SIGBUS`. ``install(_:)`` installs a handler
/// (`SA_SIGINFO`) that passes the faulting address to a Swift-level decision (see
/// `BusErrorGuard`); when that returns `false` the fault is not ours, so the handler
/// reinstalls the action that was in place before (default: terminate with a core dump) and
/// returns, and the faulting access repeats under that action, exactly as without a handler.
///
/// The handler runs on the faulting thread. It reads only memory initialized before it was
/// installed and calls `sigaction` and whatever the decision calls: it allocates nothing,
/// takes no lock and does no reference counting.
package enum BusErrorSignal {
    /// Decides about one fault, given the faulting address: `true` if it was repaired and the
    /// access may resume. Runs inside the signal handler: must not allocate, lock or retain.
    package typealias Decision = @convention(c) (UInt) -> Bool

    /// The installed decision; written once, before the handler is installed.
    nonisolated(unsafe) fileprivate static var decision: Decision?

    /// The `SIGBUS` action before ours, restored for faults that are not ours.
    ///
    /// Raw memory, never freed, so the handler can reach it without the Swift runtime.
    nonisolated(unsafe) fileprivate static let previous: UnsafeMutablePointer<sigaction> = {
        let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
        previous.initialize(to: sigaction())
        return previous
    }()

    /// `sigaction(2)`: Swift's Glibc import shadows the function with the struct of the same
    /// name, so it is looked up once by symbol (`nil` if the C library lacks it).
    fileprivate static let setAction: SetAction? = dlsym(nil, "sigaction").map { unsafeBitCast($0, to: SetAction.self) }
    fileprivate typealias SetAction =
        @convention(c) (Int32, UnsafePointer<sigaction>?, UnsafeMutablePointer<sigaction>?) -> Int32

    /// Installs `decision` as the `SIGBUS` handler's, keeping the previous action.
    ///
    /// Call once per process (callers keep the result in a `static let`); not thread-safe
    /// itself.
    /// - Parameter decision: a C-convention function (a global Swift function without captures).
    /// - Returns: `true` if the handler is installed; `false` if `sigaction` is missing or failed.
    package static func install(_ decision: Decision) -> Bool {
        // Touch everything the handler reads before it can run.
        _ = previous
        guard let setAction else { return false }
        Self.decision = decision
        var action = sigaction()
        action.__sigaction_handler.sa_sigaction = busErrorHandler
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        return withUnsafePointer(to: &action) { action in setAction(SIGBUS, action, previous) } == 0
    }
}

/// The signal handler: see ``BusErrorSignal``. Nothing here may allocate or lock.
private func busErrorHandler(
    _ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?
) {
    if let info, let decision = BusErrorSignal.decision {
        if decision(UInt(bitPattern: info.pointee._sifields._sigfault.si_addr)) { return }
    }
    // Not ours (or unrecoverable): the previous action handles the repeated fault.
    // Safe: `setAction` is non-nil, or the handler would not have been installed.
    _ = BusErrorSignal.setAction?(SIGBUS, BusErrorSignal.previous, nil)
}
