import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The test helper every spawned program goes through: statuses, signals, streams, environment
/// and descriptors must be exactly what the fixtures rely on.
@Suite struct ChildProcessTests {
    @Test func exitStatusAndBothStreamsLargerThanAPipe() throws {
        // 200 kB and 150 kB: more than a pipe holds (64 KiB), on both streams at once.
        let outcome = try ChildProcess.run(
            "/bin/sh", ["-c", "head -c 200000 /dev/zero; head -c 150000 /dev/zero >&2; exit 7"])
        #expect(outcome.termination == .exited(7))
        #expect(outcome.status == 7)
        #expect(outcome.output.count == 200_000)
        #expect(outcome.error.count == 150_000)
    }

    @Test func standardErrorCanFollowStandardOutput() throws {
        let outcome = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2"], error: .sameAsOutput)
        #expect(outcome.outputText == "out\nerr\n")
        #expect(outcome.error.isEmpty)
    }

    @Test func aKilledChildReportsTheSignal() throws {
        let child = try ChildProcess.spawn("/bin/sleep", ["30"])
        #expect(child.isRunning)
        #expect(child.wait(seconds: 0.05) == nil)
        child.send(SIGKILL)
        #expect(child.wait() == .signaled(SIGKILL))
        #expect(child.wait().exitCode == nil)
        #expect(!child.isRunning)
        child.send(SIGKILL)  // reaped: nothing is sent to a pid that may be reused
    }

    @Test func theEnvironmentIsExactlyTheOneGiven() throws {
        let outcome = try ChildProcess.run("/usr/bin/env", [], environment: ["REGSWEEP_CHILD": "1"])
        #expect(outcome.outputText == "REGSWEEP_CHILD=1\n")
    }

    @Test func descriptorsOtherThanTheStandardOnesAreNotInherited() throws {
        // A descriptor without close-on-exec, as a careless fixture might leave open.
        let opened = open("/dev/null", O_RDONLY)
        try #require(opened >= 0)
        let fd = fcntl(opened, F_DUPFD, 200)
        close(opened)
        try #require(fd >= 200)
        defer { close(fd) }
        // `[` is a shell builtin: nothing else is opened while it checks.
        let outcome = try ChildProcess.run(
            "/bin/sh",
            ["-c", "[ -e /proc/$$/fd/\(fd) ] && echo inherited || echo closed; [ -e /proc/$$/fd/2 ] && echo stderr"])
        #expect(outcome.outputText == "closed\nstderr\n")
    }

    @Test func aMissingProgramThrows() {
        #expect(throws: ChildProcessError.self) { try ChildProcess.run("/nonexistent/program", []) }
    }

    @Test func outputAppendsToAFile() throws {
        let path = "/tmp/regsweep-child-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { unlink(path) }
        for word in ["one", "two"] {
            let child = try ChildProcess.spawn("/bin/echo", [word], output: .appended(to: path))
            #expect(child.wait() == .exited(0))
        }
        let read = try ChildProcess.run("/bin/cat", [path])
        #expect(read.outputText == "one\ntwo\n")
    }
}
