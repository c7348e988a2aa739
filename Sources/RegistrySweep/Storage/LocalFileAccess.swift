/// An optional backend capability: objects are files of the local filesystem and can be opened
/// as descriptors, so a reader may memory-map them instead of streaming through the seam.
///
/// ``FileSystemBackend`` provides it. Readers check for it (`backend as? any LocalFileAccess`)
/// and use ``StorageBackend/stream(_:chunkSize:_:)`` on every other backend, so everything
/// they do works on any backend and only gets faster on a local one.
package protocol LocalFileAccess: StorageBackend {
    /// Opens the object at `path` for reading: non-blocking, close-on-exec, never following a
    /// symbolic link. The caller closes the descriptor.
    ///
    /// - Parameters:
    ///   - path: store-relative.
    ///   - display: the path errors name.
    /// - Throws: `.invalidArgument` for an unsafe path, `.notFound`, `.wrongType`, other codes.
    func openForReading(_ path: String, display: @autoclosure () -> String) throws(SweepError) -> Int32

    /// The absolute path of a store-relative path, for messages.
    func absolute(_ path: String) -> String

    /// True if the local `directory` (resolved through symbolic links) is the store's
    /// `docker/` tree or lies inside it: files written there would become part of the store.
    ///
    /// - Throws: `.notFound` if `directory` does not exist, other codes if it cannot be resolved.
    func containsInStoreTree(_ directory: String) throws(SweepError) -> Bool
}

extension FileSystemBackend: LocalFileAccess {
    package func openForReading(_ path: String, display: @autoclosure () -> String) throws(SweepError) -> Int32 {
        guard StorePath.isSafe(path) else {
            throw SweepError(.invalidArgument, "refusing a path that could leave the store root", path: path)
        }
        return try SystemCalls.openFile(rootDescriptor, path, display: display())
    }

    package func containsInStoreTree(_ directory: String) throws(SweepError) -> Bool {
        let tree = try SystemCalls.resolvedPath(root) + "/docker"
        let resolved = try SystemCalls.resolvedPath(directory)
        return resolved == tree || resolved.hasPrefix(tree + "/")
    }
}
