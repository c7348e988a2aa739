import ArgumentParser
import Dispatch
import Foundation
import RegistrySweep
import Synchronization

/// SIGINT and SIGTERM as task cancellation: the library stops at its next safe point (a sweep
/// has then removed only proven garbage, references first) and the command exits 130.
///
/// The first signal cancels; the handlers are then reset, so a second one ends the process at
/// once (still safe: every removal sequence converges on the next run).
enum Interruption {
    /// The exit status of an interrupted command (128 + SIGINT, as shells report it).
    static let exitCode = ExitCode(130)

    /// Runs `body` in a task that SIGINT or SIGTERM cancel.
    ///
    /// - Returns: what `body` returned, and whether a signal cancelled it.
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws(SweepError) -> T) async throws(SweepError)
        -> (value: T, interrupted: Bool)
    {
        let task = Task { () -> Result<T, SweepError> in
            do throws(SweepError) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        }
        let interrupted = Flag()
        let queue = DispatchQueue(label: "regsweep.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                interrupted.value.store(true, ordering: .sequentiallyConsistent)
                // Erased now, so that a second signal, which ends the process, leaves none behind.
                ProgressLine.finishActive()
                printError("regsweep: interrupted; stopping at the next safe point (signal again to stop at once)")
                signal(SIGINT, SIG_DFL)
                signal(SIGTERM, SIG_DFL)
                task.cancel()
            }
            source.resume()
            sources.append(source)
        }
        let result = await task.value
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        return (try result.get(), interrupted.value.load(ordering: .sequentiallyConsistent))
    }

    /// Set by the signal handler, read once the task is done.
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }
}
