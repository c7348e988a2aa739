/// An exclusive lock that keeps two regsweep runs from modifying one store at once.
///
/// The lock is `flock` on `<root>/.regsweep.lock` (inside the root, beside `docker/`, where the
/// registry never looks). The kernel drops it if the process dies, so a crash never leaves a
/// stale lock.
public final class StoreLock: @unchecked Sendable {
    // @unchecked Sendable: the descriptor is immutable and only closed in deinit.
    private let fd: Int32
    /// The lock file's name under the root.
    public static let fileName = ".regsweep.lock"

    /// Takes the lock.
    ///
    /// - Throws: `.locked` if another process holds it; I/O errors creating the file.
    public init(root: FileSystemBackend) throws(SweepError) {
        let display = root.absolute(Self.fileName)
        let descriptor = try root.openForLocking(Self.fileName)
        guard try SystemCalls.tryLock(descriptor, display: display) else {
            SystemCalls.close(descriptor)
            throw SweepError(.locked, "another regsweep run holds the store lock; wait for it to finish", path: display)
        }
        fd = descriptor
    }

    deinit { SystemCalls.close(fd) }
}

extension FileSystemBackend {
    /// Opens (creating) a file for `flock`.
    func openForLocking(_ name: String) throws(SweepError) -> Int32 {
        try SystemCalls.openLockFile(rootDescriptor, name, display: absolute(name))
    }
}
