import Dispatch
import RegistrySweep

// gc-profile STORE [--delete-untagged]: the work of `regsweep gc STORE --dry-run --grace 0`,
// with a synchronous main, for valgrind.
//
// valgrind 3.19 crashes when an async `main` (the CLI's) parks the main thread in
// libdispatch's `dispatch_main` (a SIGSEGV inside valgrind on `sigsuspend`); this harness
// runs the same library calls from a task and blocks the main thread on a semaphore instead.
//
//   swift build -c release --product gc-profile
//   objcopy --strip-debug .build/release/gc-profile /tmp/gc-profile   # valgrind 3.19 cannot read Swift's DWARF
//   valgrind --tool=callgrind --callgrind-out-file=gc.callgrind /tmp/gc-profile STORE
//   callgrind_annotate gc.callgrind | swift demangle --simplified | head -40
#if canImport(Glibc)
    import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: gc-profile STORE [--delete-untagged]")
    exit(2)
}

/// The outcome, handed from the task to the main thread (which waits on `done` first).
final class Outcome: @unchecked Sendable {
    var lines: [String] = []
    var failure: SweepError?
}

let outcome = Outcome()
let done = DispatchSemaphore(value: 0)
Task.detached {
    do throws(SweepError) {
        var options = CollectOptions()
        options.dryRun = true
        options.grace = 0
        options.deleteUntagged = arguments.contains("--delete-untagged")
        let report = try await Collector(backend: FileSystemBackend(root: arguments[1]), options: options).run()
        outcome.lines = report.distributionLines
    } catch {
        outcome.failure = error
    }
    done.signal()
}
done.wait()
if let failure = outcome.failure {
    print("gc-profile: \(failure)")
    exit(3)
}
for line in outcome.lines.suffix(3) { print(line) }
