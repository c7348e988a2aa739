extension VerifyBaseline {
    /// The largest baseline file read: 2^36 bytes, about 1.2 billion records.
    static let maximumFileSize = 1 << 36

    /// Reads and checks the baseline at `path`.
    ///
    /// The file is opened through a ``FileSystemBackend`` rooted at its directory, so the
    /// final component is never followed if it is a symbolic link.
    ///
    /// - Parameter path: the file (absolute, or relative to the working directory).
    /// - Returns: the baseline.
    /// - Throws: `.invalidBaseline` if the file is absent or damaged (see
    ///   ``decode(_:path:)``); `.permissionDenied` or `.io` if it cannot be read.
    /// - Complexity: O(n); the file is memory-mapped, not copied.
    public static func load(path: String) async throws(SweepError) -> VerifyBaseline {
        let (directory, name) = try split(path)
        do {
            let backend = try FileSystemBackend(root: directory)
            return try await backend.withContents(of: name, limit: maximumFileSize) { bytes throws(SweepError) in
                try decode(bytes, path: path)
            }
        } catch  where error.code == .notFound {
            throw SweepError(
                .invalidBaseline,
                "no baseline file: run a full verification that writes this baseline first to record one",
                path: path)
        }
    }

    /// Writes this baseline to `path` atomically and durably.
    ///
    /// The image goes to a temporary file in the same directory, is `fsync`ed, then renamed
    /// over `path`: a reader sees the old baseline or the new one, never a mix. The directory
    /// must exist. The baseline is the operator's explicit output: nothing else is written.
    ///
    /// - Parameter path: the file (absolute, or relative to the working directory).
    /// - Throws: `.notFound` if the directory does not exist, `.permissionDenied`, `.io`.
    /// - Complexity: O(n); the writes run on ``IOExecutor/shared``.
    public func write(to path: String) async throws(SweepError) {
        let (directory, name) = try Self.split(path)
        try await OutputFile.writeBytes(encoded(), directory: directory, name: name)
    }

    /// Splits a baseline path into its directory (`.` when none) and its last component.
    ///
    /// - Throws: `.invalidArgument` for a path that names no file.
    static func split(_ path: String) throws(SweepError) -> (directory: String, name: String) {
        try OutputFile.split(path, subject: "the baseline path")
    }
}
