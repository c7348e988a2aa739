#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one error type of RegistrySweep: what failed, where, and why.
///
/// Every failure the library reports, thrown or collected as a problem during a scan,
/// is a `SweepError`. It names the store path and digest involved, and, when the
/// cause is a system call, the call and its `errno`. Its `description` is a sentence
/// meant for an operator: what is wrong and, where it helps, what to do.
public struct SweepError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Stable: scripts and JSON consumers may match on it.
    public enum Code: String, Sendable, Hashable, CaseIterable, Codable {
        /// A system call failed (see `syscall` and `errno`).
        case io
        /// A path does not exist (`ENOENT` only: nothing is there).
        case notFound
        /// A layout node is of the wrong type: a file where a directory belongs or the reverse,
        /// a symbolic link (never followed), a FIFO, socket or device where a file belongs.
        /// Something is there, so it is never taken for "absent": what it may hold is kept.
        case wrongType
        /// Permission denied.
        case permissionDenied
        /// A digest string is not `sha256:` followed by 64 lowercase hex digits.
        case invalidDigest
        /// A digest uses an algorithm this tool does not handle.
        case unsupportedAlgorithm
        /// A link file is empty (an interrupted write).
        case emptyLink
        /// A link file's content is not a valid digest.
        case corruptLink
        /// A link file names another digest than its path.
        case linkMismatch
        /// A manifest is not valid JSON, is truncated, empty, or too large.
        case invalidManifest
        /// A manifest is valid JSON of a kind this tool does not know.
        case unknownManifestKind
        /// A blob referenced by a link or a manifest is absent from `blobs/`.
        case missingBlob
        /// A blob's content does not hash to its digest.
        case digestMismatch
        /// A repository path component or tag does not follow the name grammar.
        case invalidName
        /// The store root is not a registry store.
        case invalidStore
        /// A configuration file is unreadable or lacks the filesystem root directory.
        case invalidConfig
        /// Another regsweep run holds the store lock.
        case locked
        /// A repository or tag asked for does not exist.
        case unknownReference
        /// A baseline file is damaged or of another version.
        case invalidBaseline
        /// A Docker data root or engine answer could not be understood.
        case invalidImageStore
        /// The Docker engine could not be reached or refused a request.
        case engine
        /// The work was cancelled.
        case cancelled
        /// An argument is outside what the operation accepts.
        case invalidArgument
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence saying what went wrong.
    public var message: String
    /// The store-relative or absolute path involved, if any.
    public var path: String?
    /// The digest involved, if any.
    public var digest: Digest?
    /// The failing system call (`"openat"`, `"read"`, …), if any.
    public var syscall: String?
    /// The `errno` the system call set, if any.
    public var errno: Int32?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - message: what went wrong, as a sentence for an operator.
    ///   - path: the path involved.
    ///   - digest: the digest involved.
    ///   - syscall: the failing system call.
    ///   - errno: the `errno` it set.
    public init(
        _ code: Code, _ message: String, path: String? = nil, digest: Digest? = nil,
        syscall: String? = nil, errno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.digest = digest
        self.syscall = syscall
        self.errno = errno
    }

    /// Maps a failed system call's `errno` to an error; the single place errno is interpreted.
    ///
    /// - Parameters:
    ///   - syscall: the call's name.
    ///   - errno: the value of `errno` right after the call.
    ///   - path: the path the call worked on.
    package static func system(_ syscall: String, errno: Int32, path: String) -> SweepError {
        let code: Code
        switch errno {
        case ENOENT: code = .notFound
        // ENOTDIR: a path component is not a directory; EISDIR: a directory read as a file;
        // ELOOP: a symbolic link met with O_NOFOLLOW; ESPIPE: pread on a FIFO; ENXIO: open of a
        // socket (or a device without a driver). Each means "something of the wrong type is there".
        case ENOTDIR, EISDIR, ELOOP, ESPIPE, ENXIO: code = .wrongType
        case EACCES, EPERM: code = .permissionDenied
        default: code = .io
        }
        let reason = String(cString: strerror(errno))
        var message = "\(syscall) failed: \(reason)"
        switch code {
        case .permissionDenied:
            message += " (run as the user that owns the store, or fix its permissions)"
        case .wrongType:
            message += " (a node of the store is not of the type the registry layout requires; what it may hold is kept)"
        default:
            break
        }
        return SweepError(code, message, path: path, syscall: syscall, errno: errno)
    }

    /// Throws `.cancelled` if the current task was cancelled: the check at a safe point.
    ///
    /// - Parameter what: the operation, for the message ("the scan").
    package static func checkCancellation(_ what: @autoclosure () -> String) throws(SweepError) {
        if Task.isCancelled {
            throw SweepError(.cancelled, "\(what()) was cancelled; nothing was changed")
        }
    }

    /// A one-line description: `code: message (path, digest, syscall errno)`.
    public var description: String {
        var parts: [String] = []
        if let path { parts.append(path) }
        if let digest { parts.append(digest.description) }
        if let syscall, let errno { parts.append("\(syscall) errno \(errno)") }
        let context = parts.isEmpty ? "" : " [\(parts.joined(separator: ", "))]"
        return "\(code.rawValue): \(message)\(context)"
    }
}
