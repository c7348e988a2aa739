/// The nodes of an ``InMemoryBackend``: a flat table from store-relative path to node, with
/// each directory's entry names, and the clock that stamps modifications.
///
/// Invariant: a path is in `nodes` only if every ancestor is, as a directory (the root is the
/// empty path). So a lookup is one hash probe; only a miss walks up to tell "absent" from "a
/// parent is not a directory".
///
/// Memory per node: the path string, the node (a byte array for a file, a set of names for a
/// directory) and 8 bytes of modification time.
struct InMemoryTree: Sendable {
    /// What a node holds.
    enum Content: Sendable, Equatable {
        case file([UInt8])
        case directory(Set<String>)
        /// A symbolic link with its target (never followed).
        case symlink(String)
        /// A FIFO, socket or device stand-in: there, but not readable as a file.
        case special
    }

    /// One node.
    struct Node: Sendable {
        var content: Content
        /// Modification time, nanoseconds since 1970.
        var modified: Int64

        var kind: DirectoryEntry.Kind {
            switch content {
            case .file: .file
            case .directory: .directory
            case .symlink: .symlink
            case .special: .other
            }
        }
    }

    /// Every node by path; `""` is the root directory.
    var nodes: [String: Node]
    /// The fixed time (nanoseconds since 1970) stamped on changes, or `nil` for the real clock.
    var fixedClock: Int64?

    init() {
        nodes = [:]
        nodes[""] = Node(content: .directory([]), modified: now())
    }

    /// "Now" for modification times: the fixed clock, else ``Timestamp/now()``.
    func now() -> Int64 { fixedClock ?? Int64((Timestamp.now() * 1e9).rounded()) }

    // MARK: Lookup

    /// The node at `path`.
    ///
    /// - Throws: `.notFound` if it is absent, `.wrongType` if a parent is not a directory.
    func node(_ path: String, display: (String) -> String) throws(SweepError) -> Node {
        if let node = nodes[path] { return node }
        var parent = path
        while let slash = parent.lastIndex(of: "/") {
            parent = String(parent[..<slash])
            if let node = nodes[parent] {
                if case .directory = node.content { break }
                throw SweepError(
                    .wrongType,
                    "a parent is not a directory (a symbolic link is never followed); what it may hold is kept",
                    path: display(parent))
            }
        }
        throw SweepError(.notFound, "no such file or directory", path: display(path))
    }

    /// The entry names of the directory at `path`.
    ///
    /// - Throws: as ``node(_:display:)``, or `.wrongType` if it is not a directory.
    func directory(_ path: String, display: (String) -> String) throws(SweepError) -> Set<String> {
        guard case .directory(let names) = try node(path, display: display).content else {
            throw SweepError(
                .wrongType, "not a directory where the registry layout has one (a symbolic link is never followed)",
                path: display(path))
        }
        return names
    }

    /// The bytes of the regular file at `path`.
    ///
    /// - Throws: as ``node(_:display:)``, or `.wrongType` if it is not a regular file.
    func file(_ path: String, display: (String) -> String) throws(SweepError) -> Node {
        let node = try node(path, display: display)
        guard case .file = node.content else { throw FileSystemBackend.notARegularFile(display(path)) }
        return node
    }

    // MARK: Changes

    /// Splits `path` into its parent and last component (`""` is the root's parent).
    static func split(_ path: String) -> (parent: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }

    /// Creates `path` and its missing parents as directories, stamping each new directory and
    /// each parent that gained an entry.
    ///
    /// - Throws: `.wrongType` if `path` or a parent exists and is not a directory.
    mutating func makeDirectories(_ path: String, display: (String) -> String) throws(SweepError) {
        if path.isEmpty { return }
        if let node = nodes[path] {
            guard case .directory = node.content else {
                throw SweepError(.wrongType, "exists and is not a directory", path: display(path))
            }
            return
        }
        let (parent, name) = Self.split(path)
        try makeDirectories(parent, display: display)
        insert(name, in: parent, node: Node(content: .directory([]), modified: now()))
    }

    /// Adds `node` as `parent/name` (the parent exists as a directory) and stamps the parent.
    mutating func insert(_ name: String, in parent: String, node: Node) {
        let path = parent.isEmpty ? name : "\(parent)/\(name)"
        nodes[path] = node
        if case .directory(var names) = nodes[parent]?.content {
            names.insert(name)
            nodes[parent] = Node(content: .directory(names), modified: now())
        }
    }

    /// Removes the node at `path` (not its descendants: callers remove those first) and stamps
    /// its parent.
    mutating func remove(_ path: String) {
        nodes[path] = nil
        let (parent, name) = Self.split(path)
        if case .directory(var names) = nodes[parent]?.content {
            names.remove(name)
            nodes[parent] = Node(content: .directory(names), modified: now())
        }
    }

    /// Writes a file, creating missing parents: a new file stamps its directory, a rewrite
    /// stamps only the file (as a registry's in-place rewrite does).
    ///
    /// - Throws: `.wrongType` if `path` is a directory or a parent is not one.
    mutating func write(_ path: String, _ content: Content, display: (String) -> String) throws(SweepError) {
        let (parent, name) = Self.split(path)
        try makeDirectories(parent, display: display)
        if let existing = nodes[path] {
            if case .directory = existing.content {
                throw SweepError(.wrongType, "is a directory; a file cannot replace it", path: display(path))
            }
            nodes[path] = Node(content: content, modified: now())
        } else {
            insert(name, in: parent, node: Node(content: content, modified: now()))
        }
    }
}
