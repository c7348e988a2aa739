import Synchronization

/// A whole store held in memory, with fault injection: for embedders' tests and ours.
///
/// Implements the full ``StorageBackend`` contract as ``FileSystemBackend`` does on disk:
/// paths are relative and never leave the root; `.notFound` only for an absent path;
/// `.wrongType` for a file listed as a directory, a directory read as a file, a symbolic link
/// (kept as a node, never followed) or a special file read as a file; `removeTree` and
/// `removeEmptyDirectory` behave like `unlinkat`/`rmdir`; ``lock()`` is exclusive per backend.
///
/// Modification times follow the kernel's rules, stamped by a clock the backend owns (the real
/// clock, consistent with ``Timestamp/now()``, unless a test fixes it with ``setClock(_:)``):
/// adding or removing an entry stamps its directory, rewriting a file stamps only the file.
///
/// Faults (``Fault``) make chosen operations at chosen paths throw a chosen ``SweepError``,
/// from the first call or after N calls.
///
/// Safe for concurrent use: the tree, the clock, the faults and the lock live behind one
/// `Mutex`; bodies given file contents run outside it, on a copy-on-write snapshot.
///
/// ## Performance
/// A lookup is one hash probe; a listing sorts the directory's names (O(n log n)). Memory is
/// the content of every file plus about 100 bytes per node.
public final class InMemoryBackend: StorageBackend, Sendable {
    /// Everything mutable.
    struct State: Sendable {
        var tree = InMemoryTree()
        var faults = FaultTable()
        var locked = false
    }

    /// A name for messages; error paths are `<name>/<path>`.
    public let displayName: String
    let state = Mutex(State())

    /// Creates an empty store (only the root directory).
    ///
    /// - Parameter name: the name messages use for the root.
    public init(name: String = "memory") {
        displayName = name
    }

    /// The path messages use for a store-relative path.
    func display(_ path: String) -> String { path.isEmpty ? displayName : "\(displayName)/\(path)" }

    /// Throws `.invalidArgument` for a path that could leave the root (as ``FileSystemBackend``).
    func checked(_ path: String) throws(SweepError) -> String {
        guard path.isEmpty || StorePath.isSafe(path) else {
            throw SweepError(.invalidArgument, "refusing a path that could leave the store root", path: path)
        }
        return path
    }

    /// Runs `body` on the state after the faults for `operation` at `path` had their say.
    private func access<R>(
        _ operation: Fault.Operation, _ path: String, _ body: (inout State) throws(SweepError) -> R
    ) throws(SweepError) -> R {
        let path = try checked(path)
        let display = display(path)
        return try state.withLock { state throws(SweepError) -> R in
            if let error = state.faults.check(operation, path, display: display) { throw error }
            return try body(&state)
        }
    }

    // MARK: Reading

    public func list(_ path: String) async throws(SweepError) -> [DirectoryEntry] {
        try access(.list, path) { state throws(SweepError) in
            let names = try state.tree.directory(path, display: display)
            return names.sorted().map { name in
                DirectoryEntry(
                    name: name, kind: state.tree.nodes[path.isEmpty ? name : "\(path)/\(name)"]?.kind ?? .unknown)
            }
        }
    }

    public func withContents<R>(
        of path: String, limit: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) async throws(SweepError) -> R {
        let bytes = try fileBytes(path, limit: limit)
        return try JSONCursor.withBytes(bytes, body)
    }

    /// The bytes of the file at `path` (a copy-on-write reference), after the read faults.
    private func fileBytes(_ path: String, limit: Int) throws(SweepError) -> [UInt8] {
        try access(.read, path) { state throws(SweepError) in
            guard case .file(let bytes) = try state.tree.file(path, display: display).content else { return [] }
            guard bytes.count <= limit else {
                throw SweepError(
                    .invalidArgument, "file is \(bytes.count) bytes, more than the \(limit)-byte limit",
                    path: display(path))
            }
            return bytes
        }
    }

    public func stream(
        _ path: String, chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws(SweepError) -> Void
    ) async throws(SweepError) -> FileInfo {
        let node = try access(.read, path) { state throws(SweepError) in try state.tree.file(path, display: display) }
        guard case .file(let bytes) = node.content else { return Self.info(node) }
        let step = max(chunkSize, 1)
        try JSONCursor.withBytes(bytes) { raw throws(SweepError) in
            var offset = 0
            while offset < raw.count {
                let end = min(offset + step, raw.count)
                try body(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
            }
        }
        return Self.info(node)
    }

    public func stat(_ path: String) async throws(SweepError) -> FileInfo {
        try access(.stat, path) { state throws(SweepError) in Self.info(try state.tree.node(path, display: display)) }
    }

    /// The file information of a node (a symbolic link's own, never its target's).
    static func info(_ node: InMemoryTree.Node) -> FileInfo {
        let size: Int
        switch node.content {
        case .file(let bytes): size = bytes.count
        case .symlink(let target): size = target.utf8.count
        case .directory, .special: size = 0
        }
        return FileInfo(
            size: size, modified: Double(node.modified) / 1e9, isFile: node.kind == .file,
            isDirectory: node.kind == .directory, modifiedNanoseconds: node.modified)
    }

    /// A view rooted at `directory`, which must be a directory now (opening it counts as a list).
    public func subdirectory(_ directory: String) async throws(SweepError) -> any StorageBackend {
        _ = try access(.list, directory) { state throws(SweepError) in
            try state.tree.directory(directory, display: display)
        }
        return PrefixedBackend(base: self, prefix: directory)
    }

    // MARK: Removing

    public func removeFile(_ path: String) async throws(SweepError) {
        try access(.remove, path) { state throws(SweepError) in
            let node = try state.tree.node(path, display: display)
            if case .directory = node.content {
                throw SweepError(.wrongType, "is a directory, not removed as a file", path: display(path))
            }
            state.tree.remove(path)
        }
    }

    /// Removes `path` and everything below it, depth first; a missing `path` is not an error.
    ///
    /// - Throws: `.invalidStore` without removing anything if a parent is not a directory (as
    ///   ``FileSystemBackend/removeTree(_:)``); the first failing removal (faults included).
    public func removeTree(_ path: String) async throws(SweepError) {
        let path = try checked(path)
        try state.withLock { state throws(SweepError) in
            do throws(SweepError) {
                _ = try state.tree.node(path, display: display)
            } catch  where error.code == .notFound {
                return
            } catch {
                throw SweepError(
                    .invalidStore, "not removed: a parent is a symbolic link or not a directory, and is never followed",
                    path: error.path)
            }
            try Self.removeBelow(path, &state, display: display)
        }
    }

    private static func removeBelow(_ path: String, _ state: inout State, display: (String) -> String)
        throws(SweepError)
    {
        if case .directory(let names) = state.tree.nodes[path]?.content {
            for name in names.sorted() {
                try removeBelow(path.isEmpty ? name : "\(path)/\(name)", &state, display: display)
            }
        }
        if let error = state.faults.check(.remove, path, display: display(path)) { throw error }
        if !path.isEmpty { state.tree.remove(path) }
    }

    public func removeEmptyDirectory(_ path: String) async throws(SweepError) -> Bool {
        try access(.remove, path) { state throws(SweepError) in
            let names = try state.tree.directory(path, display: display)
            guard names.isEmpty else { return false }
            guard !path.isEmpty else {
                throw SweepError(.invalidArgument, "refusing to remove the store root", path: display(path))
            }
            state.tree.remove(path)
            return true
        }
    }

    // MARK: Locking

    /// Takes this backend's exclusive lock.
    ///
    /// - Throws: `.locked` while another handle holds it.
    public func lock() async throws(SweepError) -> StoreLockHandle {
        try state.withLock { state throws(SweepError) in
            guard !state.locked else {
                throw SweepError(
                    .locked, "another regsweep run holds the store lock; wait for it to finish", path: displayName)
            }
            state.locked = true
        }
        return StoreLockHandle(displayName) { self.state.withLock { $0.locked = false } }
    }

    /// True while a lock handle is held.
    public var isLocked: Bool { state.withLock { $0.locked } }
}
