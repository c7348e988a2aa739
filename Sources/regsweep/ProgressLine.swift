import Dispatch
import RegistrySweep
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The progress display on standard error: the library's ``ProgressEvent``s through a
/// ``ProgressMeter`` (the decisions and the text), written with one `write(2)` per draw.
///
/// - ``Style/terminal``: one line, redrawn in place at most ten times a second as
///   `"\r" + text + "\u{1B}[K"` (erase to the end of the line), cut to the terminal's width
///   (`TIOCGWINSZ` at each draw, 80 columns if unknown) so that it never wraps.
/// - ``Style/plain``: for `--progress always` when standard error is not a terminal (a log
///   file, a pipe): one plain line ending in `"\n"` at most once a second, no escape codes.
///
/// ``finish()`` ends it: the terminal line is erased (`"\r\u{1B}[K"`) and nothing is drawn
/// after. Commands call it before printing their output; `printError` calls
/// ``finishActive()`` before every error or interruption message. A terminal line also
/// installs a SIGINT and SIGTERM handler where none is set (scan, verify): it erases the line
/// and lets the signal end the process as before; `Interruption.run` replaces it with its own.
///
/// Thread-safe: events come from library tasks, deferred draws from a Dispatch queue; the
/// state and every write are under one lock, so lines never interleave and nothing is drawn
/// after ``finish()``. An event that does not draw costs the lock, a clock read and the meter's
/// comparison.
final class ProgressLine: Sendable {
    /// How the line is written.
    enum Style: Sendable {
        /// Redrawn in place on a terminal.
        case terminal
        /// A plain line per draw, for files and pipes.
        case plain
    }

    /// The line of the running command, which ``finishActive()`` ends.
    private static let active = Mutex<ProgressLine?>(nil)
    /// Something is on the terminal line: read by the signal handler (lock-free).
    private static let onScreen = Atomic<Bool>(false)
    /// Set by the signal handler: nothing is drawn any more.
    private static let dying = Atomic<Bool>(false)
    /// Draws under way on the terminal; the signal handler waits for them before it erases.
    private static let drawing = Atomic<Int>(0)

    /// How this line is written.
    let style: Style
    private let state: Mutex<State>

    private struct State {
        var meter: ProgressMeter
        /// Something is on the terminal line.
        var drawn = false
        var finished = false
    }

    /// Creates a line and makes it the active one (see ``finishActive()``).
    init(style: Style) {
        self.style = style
        state = Mutex(State(meter: ProgressMeter(interval: style == .terminal ? 0.1 : 1)))
        Self.active.withLock { $0 = self }
        if style == .terminal { Self.installSignalHandlers() }
    }

    /// The observer to set in a library operation's options.
    var observer: ProgressObserver {
        ProgressObserver { event in self.receive(event) }
    }

    /// Erases the line and draws nothing more. Idempotent.
    func finish() {
        state.withLock { state in
            guard !state.finished else { return }
            state.finished = true
            if state.drawn { Self.write("\r\u{1B}[K") }
            state.drawn = false
            Self.onScreen.store(false, ordering: .sequentiallyConsistent)
        }
    }

    /// Ends the active line, if any (before writing anything else to standard error).
    static func finishActive() {
        active.withLock { $0?.finish() }
    }

    private func receive(_ event: ProgressEvent) {
        let now = Timestamp.monotonic()
        let decision = state.withLock { state -> ProgressMeter.Decision in
            guard !state.finished else { return .wait }
            return render(state.meter.receive(event, now: now), &state)
        }
        schedule(decision, now: now)
    }

    private func flush() {
        let now = Timestamp.monotonic()
        let decision = state.withLock { state -> ProgressMeter.Decision in
            guard !state.finished else { return .wait }
            return render(state.meter.flush(now: now), &state)
        }
        schedule(decision, now: now)
    }

    /// Draws when the meter says so (under the lock); returns what is left to do.
    private func render(_ decision: ProgressMeter.Decision, _ state: inout State) -> ProgressMeter.Decision {
        guard case .draw(let text) = decision else { return decision }
        switch style {
        case .terminal:
            let line = "\r" + ProgressText.truncated(text, toColumns: Self.columns()) + "\u{1B}[K"
            // Announced before `dying` is read: a handler that sets `dying` after this read
            // sees the draw and waits for it, so nothing is drawn after its erase.
            Self.drawing.add(1, ordering: .sequentiallyConsistent)
            if !Self.dying.load(ordering: .sequentiallyConsistent) {
                Self.write(line)
                state.drawn = true
                Self.onScreen.store(true, ordering: .sequentiallyConsistent)
            }
            Self.drawing.subtract(1, ordering: .sequentiallyConsistent)
        case .plain:
            Self.write(text + "\n")
        }
        return .wait
    }

    /// Asks for a flush when the meter wants one.
    private func schedule(_ decision: ProgressMeter.Decision, now: Double) {
        guard case .flush(let time) = decision else { return }
        let delay = max(0, time - now)
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { self.flush() }
    }

    /// Erases the line on SIGINT and SIGTERM, for commands that leave those signals at their
    /// default action (the process then still ends by the signal).
    private static func installSignalHandlers() {
        // Initialized here, not in the handler.
        _ = (onScreen.load(ordering: .relaxed), dying.load(ordering: .relaxed), drawing.load(ordering: .relaxed))
        for number in [SIGINT, SIGTERM] {
            var current = sigaction()
            sigaction(number, nil, &current)
            // Someone handles or ignores it already (`Interruption.run`): leave theirs.
            if current.__sigaction_handler.sa_handler == nil { signal(number, eraseAndDie) }
        }
    }

    /// The signal handler: async-signal-safe calls only (atomics, `nanosleep`, `write`,
    /// `signal`, `raise`), no allocation. It stops further draws, waits (at most 100 ms: the
    /// handler may be running on the drawing thread itself) for a draw under way on another
    /// thread, then erases the line.
    private static let eraseAndDie: @convention(c) (Int32) -> Void = { number in
        dying.store(true, ordering: .sequentiallyConsistent)
        var pause = timespec(tv_sec: 0, tv_nsec: 1_000_000)
        var waited = 0
        while waited < 100 && drawing.load(ordering: .sequentiallyConsistent) > 0 {
            nanosleep(&pause, nil)
            waited += 1
        }
        if onScreen.load(ordering: .sequentiallyConsistent) {
            let erase: (UInt8, UInt8, UInt8, UInt8) = (0x0D, 0x1B, 0x5B, 0x4B)  // "\r\u{1B}[K"
            withUnsafeBytes(of: erase) { _ = Glibc.write(2, $0.baseAddress, $0.count) }
        }
        signal(number, SIG_DFL)
        raise(number)
    }

    /// The width of the terminal on standard error, or 80 when it cannot be told.
    private static func columns() -> Int {
        var size = winsize()
        // Safe: TIOCGWINSZ writes one `winsize` through the pointer, which lives for the call.
        let result = withUnsafeMutablePointer(to: &size) { ioctl(2, UInt(TIOCGWINSZ), $0) }
        return result == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }

    /// One `write(2)` to standard error (a short or failed write only loses a frame).
    private static func write(_ text: String) {
        FileHandleShim.writeStderr(text)
    }
}
