#if canImport(Glibc)
    import Glibc
#endif

/// An open directory that writers name paths relative to, so each call resolves one or two
/// path components instead of the whole path.
///
/// The descriptor (`O_DIRECTORY`, close-on-exec, opened without following a final symlink)
/// stays inside this type: code outside `Storage/` creates directories and writes files
/// through it, never through a raw descriptor.
///
/// Not owning: copies share the descriptor; whoever opened it calls ``close()`` once, after
/// every copy is done.
package struct DirectoryHandle: Sendable {
    /// The open directory, or `AT_FDCWD` for ``workingDirectory``.
    private let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The process's working directory (`AT_FDCWD`): relative paths resolve from it and absolute
    /// paths work as given. Never closed.
    package static let workingDirectory = DirectoryHandle(descriptor: AT_FDCWD)

    /// Opens the directory `path`, relative to the working directory or absolute.
    ///
    /// - Parameters:
    ///   - path: the directory; a final symbolic link is not followed (append `/.` to follow it).
    ///   - display: the path for messages.
    /// - Throws: the mapped `openat` error (`.notFound`, `.permissionDenied`, `.wrongType`).
    package init(opening path: String, display: @autoclosure () -> String) throws(SweepError) {
        descriptor = try SystemCalls.openDirectory(AT_FDCWD, path, display: display())
    }

    /// Opens the directory `path` below this one; the caller closes the result.
    ///
    /// - Throws: as ``init(opening:display:)``.
    package func openDirectory(_ path: String, display: @autoclosure () -> String) throws(SweepError) -> DirectoryHandle
    {
        DirectoryHandle(descriptor: try SystemCalls.openDirectory(descriptor, path, display: display()))
    }

    /// Releases the descriptor (nothing for ``workingDirectory``).
    package func close() {
        if descriptor != AT_FDCWD { SystemCalls.close(descriptor) }
    }

    /// Creates directory `path` below this one (mode 0755); an existing directory is not an error.
    ///
    /// - Parameter path: a C string; a `String` converts implicitly, hot paths pass a buffer.
    /// - Throws: `.notFound` if a parent is missing, else the mapped `mkdirat` error.
    package func makeDirectory(_ path: UnsafePointer<CChar>, display: @autoclosure () -> String) throws(SweepError) {
        try SystemCalls.makeDirectory(descriptor, path, display: display())
    }

    /// Creates directory `path` below this one only if nothing is there yet.
    ///
    /// - Returns: `false` when `path` already existed (nothing was created).
    /// - Throws: the mapped `mkdirat` error for every other failure.
    package func makeNewDirectory(_ path: String, display: @autoclosure () -> String) throws(SweepError) -> Bool {
        do {
            try SystemCalls.makeDirectory(descriptor, path, display: display(), exclusive: true)
            return true
        } catch  where error.systemFailure == .alreadyExists {
            return false
        }
    }

    /// Creates (or truncates) file `path` below this one (mode 0644, final symlink not
    /// followed), writes all of `contents` and closes it; a close error is reported, since the
    /// data may be lost.
    ///
    /// ## Performance
    /// Exactly `openat`, `write` (once for a small file) and `close`: no heap allocation.
    /// - Throws: the mapped error of the call that failed.
    package func writeFile(
        _ path: UnsafePointer<CChar>, _ contents: UnsafeRawBufferPointer, display: @autoclosure () -> String
    )
        throws(SweepError)
    {
        let fd = try SystemCalls.createFile(descriptor, path, display: display())
        do throws(SweepError) {
            try SystemCalls.writeAll(fd, contents, display: display())
        } catch {
            SystemCalls.close(fd)
            throw error
        }
        try SystemCalls.closeWritten(fd, display: display())
    }
}
