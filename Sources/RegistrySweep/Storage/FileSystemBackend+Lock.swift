extension FileSystemBackend {
    /// Takes the store lock: `flock` on `<root>/.regsweep.lock` (``StoreLock``).
    ///
    /// - Returns: the handle; the lock file's descriptor is closed (and the lock dropped) when
    ///   it is released.
    /// - Throws: `.locked` if another process holds it; I/O errors creating the file.
    public func lock() async throws(SweepError) -> StoreLockHandle {
        let lock = try StoreLock(root: self)
        return StoreLockHandle(absolute(StoreLock.fileName)) { withExtendedLifetime(lock) {} }
    }
}
