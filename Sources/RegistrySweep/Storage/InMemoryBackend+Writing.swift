extension InMemoryBackend {
    /// Writes a file (creating missing parent directories); a rewrite stamps only the file, a
    /// new file also its directory.
    ///
    /// - Throws: `.invalidArgument` for an unsafe path, `.wrongType` if `path` is a directory or
    ///   a parent is not one.
    public func write(_ path: String, _ bytes: [UInt8]) throws(SweepError) {
        try change(path) { tree, display throws(SweepError) in try tree.write(path, .file(bytes), display: display) }
    }

    /// Writes a file holding `text` as UTF-8, like the byte-array `write(_:_:)`.
    public func write(_ path: String, _ text: String) throws(SweepError) {
        try write(path, Array(text.utf8))
    }

    /// Creates `path` and its missing parents as directories.
    public func makeDirectories(_ path: String) throws(SweepError) {
        try change(path) { tree, display throws(SweepError) in try tree.makeDirectories(path, display: display) }
    }

    /// Creates a symbolic link at `path` (never followed by this backend: reading, listing or
    /// descending through it is `.wrongType`).
    public func makeSymbolicLink(_ path: String, to target: String) throws(SweepError) {
        try change(path) { tree, display throws(SweepError) in try tree.write(path, .symlink(target), display: display)
        }
    }

    /// Creates a special file at `path`: a FIFO, socket or device stand-in that lists as
    /// `.other` and reads as `.wrongType`.
    public func makeSpecialFile(_ path: String) throws(SweepError) {
        try change(path) { tree, display throws(SweepError) in try tree.write(path, .special, display: display) }
    }

    /// Sets a node's modification time.
    ///
    /// - Parameters:
    ///   - path: the node.
    ///   - seconds: seconds since 1970.
    /// - Throws: `.notFound` if `path` is absent.
    public func setModificationTime(_ path: String, seconds: Double) throws(SweepError) {
        try change(path) { tree, display throws(SweepError) in
            var node = try tree.node(path, display: display)
            node.modified = Int64((seconds * 1e9).rounded())
            tree.nodes[path] = node
        }
    }

    /// Fixes the clock that stamps changes at `seconds` since 1970; `nil` returns to the real
    /// clock (``Timestamp/now()``).
    public func setClock(_ seconds: Double?) {
        state.withLock { $0.tree.fixedClock = seconds.map { Int64(($0 * 1e9).rounded()) } }
    }

    /// Moves the clock forward by `seconds` (fixing it first at the real time if it was not).
    public func advanceClock(by seconds: Double) {
        state.withLock { state in
            state.tree.fixedClock = state.tree.now() + Int64((seconds * 1e9).rounded())
        }
    }

    /// The time the next change would be stamped with, seconds since 1970.
    public var now: Double {
        state.withLock { Double($0.tree.now()) / 1e9 }
    }

    /// The content of the regular file at `path`, or `nil` if there is none (no fault applies).
    public func contents(of path: String) -> [UInt8]? {
        state.withLock { state in
            if case .file(let bytes) = state.tree.nodes[path]?.content { return bytes }
            return nil
        }
    }

    /// Every node below the root by store-relative path, with its kind (no fault applies).
    public func nodes() -> [String: DirectoryEntry.Kind] {
        state.withLock { state in
            var result: [String: DirectoryEntry.Kind] = [:]
            for (path, node) in state.tree.nodes where !path.isEmpty { result[path] = node.kind }
            return result
        }
    }

    /// The paths of every regular file, sorted (no fault applies).
    public func filePaths() -> [String] {
        nodes().filter { $0.value == .file }.keys.sorted()
    }

    /// Applies a change to the tree under the lock; faults do not apply to setup.
    private func change(
        _ path: String, _ body: (inout InMemoryTree, (String) -> String) throws(SweepError) -> Void
    ) throws(SweepError) {
        let path = try checked(path)
        guard !path.isEmpty else { throw SweepError(.invalidArgument, "the root cannot be written", path: displayName) }
        try state.withLock { state throws(SweepError) in try body(&state.tree, display) }
    }
}
