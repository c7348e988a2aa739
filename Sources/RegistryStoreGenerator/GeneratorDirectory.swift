import RegistrySweep

/// A directory the generator writes into, reached through an open descriptor, and the few
/// system calls the generator makes there.
///
/// The generator knows which directories it is about to create, so it creates them
/// directly (`mkdirat`) instead of trying the file first and creating parents on `ENOENT`,
/// and it names everything relative to a descriptor it keeps open (a blob shard, a
/// repository's `_layers/sha256`), so each call resolves one or two path components.
///
/// ## Performance
/// A digest entry (`<hex>/data` or `<hex>/link`) is exactly `mkdirat`, `openat`, `write`,
/// `close`, with its names and (for links) its content built in a stack buffer: no heap
/// allocation. Creating files and directories on ext4 is the generator's main cost, so the
/// syscall count per file is what matters.
///
/// Not owning: copies share the descriptor; whoever opened it calls ``close()`` once, after
/// every copy is done.
package struct GeneratorDirectory: Sendable {
    /// What an entry directory holds: blobs keep `data`, links keep `link`.
    package enum EntryFile: Sendable {
        case data
        case link

        /// The file name, NUL-terminated.
        var name: StaticString { self == .data ? "data" : "link" }
    }

    /// The open directory.
    let handle: DirectoryHandle
    /// The directory's path, for messages only.
    package let path: String

    /// Opens the directory at `path` (relative to the working directory or absolute).
    ///
    /// - Throws: `.notFound` or `.permissionDenied` (from `openat`).
    package init(opening path: String) throws(SweepError) {
        // "/.": a symlinked root is followed (the final component is "."), as a shell would.
        handle = try DirectoryHandle(opening: path + "/.", display: path)
        self.path = path
    }

    private init(handle: DirectoryHandle, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Releases the descriptor.
    package func close() { handle.close() }

    /// The absolute form of a name below this directory, for messages.
    func display(_ name: String) -> String { "\(path)/\(name)" }

    /// Creates directory `name` below this one; an existing directory is not an error.
    ///
    /// - Throws: `.notFound` if a parent of `name` is missing, else `.io`/`.permissionDenied`.
    package func makeDirectory(_ name: String) throws(SweepError) {
        try handle.makeDirectory(name, display: display(name))
    }

    /// Creates directory `name` below this one only if nothing is there yet.
    ///
    /// - Returns: `false` when `name` already existed (nothing was created).
    /// - Throws: `.notFound` if a parent of `name` is missing, else `.io`/`.permissionDenied`.
    func makeNewDirectory(_ name: String) throws(SweepError) -> Bool {
        try handle.makeNewDirectory(name, display: display(name))
    }

    /// Creates `name` and each missing parent below this directory (components split on `/`).
    func makeDirectories(_ name: String) throws(SweepError) {
        var prefix = ""
        for component in name.split(separator: "/") {
            prefix = prefix.isEmpty ? String(component) : "\(prefix)/\(component)"
            try makeDirectory(prefix)
        }
    }

    /// Creates `name` (if missing) and opens it; the caller closes the result.
    func subdirectory(_ name: String, create: Bool = true) throws(SweepError) -> GeneratorDirectory {
        if create { try makeDirectory(name) }
        return GeneratorDirectory(handle: try handle.openDirectory(name, display: display(name)), path: display(name))
    }

    /// Writes `bytes` to the file `name` (created or truncated); its parent must exist.
    ///
    /// For the few files that are not digest entries (tag `current/link`, uploads).
    package func write(_ name: String, _ bytes: [UInt8]) throws(SweepError) {
        let failure = bytes.withUnsafeBytes { raw -> SweepError? in
            do throws(SweepError) {
                try handle.writeFile(name, raw, display: display(name))
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Writes a blob: directory `<prefix><hex>` and file `<prefix><hex>/data` holding `bytes`.
    ///
    /// - Parameters:
    ///   - digest: names the entry (the caller hashed `bytes`).
    ///   - prefix: a relative path ending in `/` below this directory, or empty.
    ///   - bytes: the content.
    /// - Throws: the failing call's error, naming the path and the digest; an existing entry
    ///   directory is not an error (the same content may be written twice) and an existing
    ///   file is truncated.
    package func writeEntry(_ digest: Digest, prefix: String = "", file: EntryFile, contents bytes: [UInt8])
        throws(SweepError)
    {
        let failure = bytes.withUnsafeBytes { raw in
            writeEntry(digest, prefix: prefix, file: file, contents: raw)
        }
        if let failure { throw failure }
    }

    /// Writes a link: directory `<prefix><hex>` and file `<prefix><hex>/link` holding the
    /// digest text (`sha256:<hex>`, no newline), as the registry does.
    ///
    /// - Throws: as ``writeEntry(_:prefix:file:contents:)``.
    package func writeLink(_ digest: Digest, prefix: String = "") throws(SweepError) {
        let failure = withUnsafeTemporaryAllocation(byteCount: Digest.textLength, alignment: 1) { text in
            // Safe: the allocation holds textLength bytes.
            digest.writeText(into: text)
            return writeEntry(digest, prefix: prefix, file: .link, contents: UnsafeRawBufferPointer(text))
        }
        if let failure { throw failure }
    }

    /// The hot path: `mkdirat(<prefix><hex>)`, then `openat(<prefix><hex>/<file>)`, `write`,
    /// `close`, with the names built in a stack buffer. Returns the first failure, or nil
    /// (returned, not thrown: the temporary allocation's closure does not throw typed errors).
    private func writeEntry(_ digest: Digest, prefix: String, file: EntryFile, contents: UnsafeRawBufferPointer)
        -> SweepError?
    {
        // A copy for `withUTF8`, which holds exclusive access to it while the closure runs
        // (messages read `prefix`, the parameter).
        var prefixCopy = prefix
        return prefixCopy.withUTF8 { prefixBytes in
            let capacity = prefixBytes.count + Digest.hexLength + 1 + file.name.utf8CodeUnitCount + 1
            return withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 1) { name in
                // Safe: capacity covers prefix, 64 hex digits, "/", the file name and its NUL;
                // each copy below writes inside those bounds.
                var end = 0
                for byte in prefixBytes {
                    name[end] = byte
                    end += 1
                }
                digest.writeHex(into: UnsafeMutableRawBufferPointer(rebasing: name[end..<end + Digest.hexLength]))
                end += Digest.hexLength
                name[end] = 0
                let path = UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: CChar.self)
                let entry = { self.display("\(prefix)\(digest.hex)") }
                do throws(SweepError) {
                    try handle.makeDirectory(path, display: entry())
                    name[end] = 0x2F  // "/"
                    end += 1
                    for byte in UnsafeRawBufferPointer(start: file.name.utf8Start, count: file.name.utf8CodeUnitCount) {
                        name[end] = byte
                        end += 1
                    }
                    name[end] = 0
                    try handle.writeFile(path, contents, display: "\(entry())/\(file.name)")
                    return nil
                } catch {
                    var failure = error
                    failure.digest = digest
                    return failure
                }
            }
        }
    }
}
