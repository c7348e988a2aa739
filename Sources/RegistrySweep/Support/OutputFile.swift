/// A file the operator asked a run to write (a metrics file, a CSV report), written whole or
/// not at all.
///
/// The content goes to a temporary file in the target's directory
/// (`<name>.<pid>.<random>.tmp`, a name node_exporter's textfile collector ignores: it reads only
/// `*.prom`), is `fsync`ed, then renamed over the target: a reader (a scrape, a `cat` in a
/// cron mail) sees the old file or the new one, never a part of one. On failure the temporary
/// file is removed and the target is left as it was. The directory is never created: a typo in
/// it is reported, not silently honoured. A symbolic link at the target is replaced, not
/// followed (`rename` replaces the name).
public enum OutputFile {
    /// Writes `text` to `path` atomically and durably (see the type's description).
    ///
    /// - Parameters:
    ///   - text: the whole content, written as UTF-8.
    ///   - path: the file (absolute, or relative to the working directory).
    /// - Throws: `.invalidArgument` for a path that names no file (empty, ends in `/`, `.` or
    ///   `..`); otherwise the failure's own code (`.notFound` when the directory does not exist,
    ///   `.permissionDenied`, `.wrongType`, `.io`), with a message naming `path` and the failing
    ///   system call as its cause. Nothing is left behind.
    /// - Complexity: O(n) in the length of `text`; the writes run on ``IOExecutor/shared``.
    public static func write(_ text: String, to path: String) async throws(SweepError) {
        let (directory, name) = try split(path)
        do {
            try await writeBytes(Array(text.utf8), directory: directory, name: name)
        } catch {
            throw SweepError(
                error.code,
                "could not write the file (its directory must exist and be writable by this user); "
                    + "it was left as it was",
                path: path, cause: error)
        }
    }

    /// Writes `bytes` to `name` in `directory` (as ``split(_:subject:)`` gives them) atomically
    /// and durably, with the errors as they come: the one writer of ``write(_:to:)`` and of
    /// verify's baseline file.
    ///
    /// - Throws: as ``write(_:to:)``, without its added message.
    static func writeBytes(_ bytes: [UInt8], directory: String, name: String) async throws(SweepError) {
        let backend = try FileSystemBackend(root: directory)
        try await backend.executor.run { () throws(SweepError) in
            let failure: SweepError? = bytes.withUnsafeBytes { raw in
                do throws(SweepError) {
                    try backend.writeAtomically(name, raw, durable: true, createDirectories: false)
                    return nil
                } catch {
                    return error
                }
            }
            if let failure { throw failure }
        }
    }

    /// Splits a file path into its directory (`.` when none) and its last component.
    ///
    /// - Parameter subject: how `path` is named in the error ("the path", "the baseline path").
    /// - Throws: `.invalidArgument` for a path that names no file (empty, `/`, ends in `/`,
    ///   `.` or `..`).
    static func split(_ path: String, subject: String = "the path") throws(SweepError) -> (
        directory: String, name: String
    ) {
        let name: String
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            name = String(path[path.index(after: slash)...])
            let head = String(path[..<slash])
            directory = head.isEmpty ? "/" : head
        } else {
            name = path
            directory = "."
        }
        guard !name.isEmpty, name != ".", name != ".." else {
            let detail = subject == "the path" ? "a file, not a directory" : "a file"
            throw SweepError(.invalidArgument, "\(subject) must name \(detail)", path: path)
        }
        return (directory, name)
    }
}
