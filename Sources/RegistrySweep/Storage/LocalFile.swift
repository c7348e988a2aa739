/// Whole-file reads of small local files outside any store (configuration files), where
/// symbolic links are followed: the store's no-link rule protects the store, not these.
package enum LocalFile {
    /// Reads the regular file at `path` (absolute, or relative to the working directory),
    /// following symbolic links.
    ///
    /// - Parameters:
    ///   - path: the file.
    ///   - limit: the largest size accepted.
    /// - Returns: its bytes.
    /// - Throws: `.notFound`, `.permissionDenied`, `.wrongType` if it is not a regular file
    ///   (a directory, a FIFO: never blocked on), `.invalidArgument` if larger than `limit`,
    ///   `.io`.
    /// - Complexity: O(size): one `fstat`, then `pread` to the end.
    package static func read(_ path: String, limit: Int) throws(SweepError) -> [UInt8] {
        let fd = try SystemCalls.openFollowingLinks(path, display: path)
        defer { SystemCalls.close(fd) }
        let info = try SystemCalls.stat(fd, display: path)
        guard info.isFile else {
            throw SweepError(.wrongType, "not a regular file", path: path)
        }
        guard info.size <= limit else {
            throw SweepError(
                .invalidArgument, "file is \(info.size) bytes, more than the \(limit)-byte limit", path: path)
        }
        var bytes = [UInt8](repeating: 0, count: info.size + 1)
        var filled = 0
        let failure: SweepError? = bytes.withUnsafeMutableBytes { buffer in
            do throws(SweepError) {
                while filled < buffer.count {
                    let count = try SystemCalls.read(
                        fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: filled, display: path)
                    if count == 0 { break }
                    filled += count
                }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        guard filled <= limit else {
            throw SweepError(.invalidArgument, "file grew past the \(limit)-byte limit while read", path: path)
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}
