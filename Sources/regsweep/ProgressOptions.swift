import ArgumentParser
import RegistrySweep

#if canImport(Glibc)
    import Glibc
#endif

/// `--progress auto|always|never`, shared by scan, gc, delete, retain and verify.
///
/// - `auto` (default): a progress line on standard error when it is a terminal (`isatty(2)`),
///   whatever standard output is (JSON included); nothing otherwise.
/// - `always`: the line on a terminal; plain lines (at most one a second, no escape codes)
///   when standard error is a file or a pipe, e.g. for a log.
/// - `never`: nothing.
///
/// Commands set ``start()``'s observer in the library's options and call ``finish()`` before
/// printing their output (errors and interruptions end the line on their own).
struct ProgressOptions: ParsableArguments {
    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    @Option(
        name: .customLong("progress"),
        help:
            "Progress line on standard error: auto (if it is a terminal), always (also to a file or pipe, as plain lines once a second), never."
    )
    var mode: Mode = .auto

    /// Starts the progress display this option asks for.
    ///
    /// - Returns: the observer for the library's options, or `nil` for no display.
    func start() -> ProgressObserver? {
        let terminal = isatty(2) == 1
        switch mode {
        case .never: return nil
        case .auto: return terminal ? ProgressLine(style: .terminal).observer : nil
        case .always: return ProgressLine(style: terminal ? .terminal : .plain).observer
        }
    }

    /// Erases the progress line (if any) and ends it: call before printing the command's output.
    func finish() {
        ProgressLine.finishActive()
    }
}
