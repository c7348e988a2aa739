import Foundation

/// Stopping the servers tests start (registry, SeaweedFS), and stopping them when the test
/// process itself dies.
extension ChildProcess {
    /// SIGTERM, up to `grace` seconds for the process to exit, then SIGKILL; returns once it is
    /// gone. Does not throw.
    func terminate(grace: Double) {
        send(SIGTERM)
        if wait(seconds: grace) != nil { return }
        send(SIGKILL)
        _ = wait()
    }

    /// Starts a `/bin/sh` loop that, once this test process is gone (a crash or SIGKILL would
    /// otherwise leave the server running), sends `pid` SIGTERM and, with `killAfter`, SIGKILL
    /// that many seconds later. Nil if it cannot start. Does not throw.
    ///
    /// - Parameters:
    ///   - pid: the server's process.
    ///   - name: the loop's process name (`$0`), for `ps`.
    ///   - killAfter: seconds between SIGTERM and SIGKILL, or `nil` for SIGTERM only.
    static func watchdog(for pid: Int32, name: String, killAfter: Int? = nil) -> ChildProcess? {
        let stop =
            killAfter.map { "{ kill -TERM \"$2\" 2>/dev/null; sleep \($0); kill -KILL \"$2\" 2>/dev/null; }" }
            ?? "kill -TERM \"$2\" 2>/dev/null"
        return try? ChildProcess.spawn(
            "/bin/sh",
            [
                "-c",
                "while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 1; done; "
                    + "kill -0 \"$1\" 2>/dev/null || \(stop)",
                name, String(getpid()), String(pid),
            ])
    }

    /// Stops a ``watchdog(for:name:killAfter:)`` loop: SIGKILL, since sh defers SIGTERM until its
    /// `sleep 1` ends (the orphaned `sleep` ends within a second; nothing waits for it).
    func stopWatchdog() {
        send(SIGKILL)
        _ = wait()
    }
}
