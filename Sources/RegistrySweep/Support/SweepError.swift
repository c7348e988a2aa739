#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one error type of RegistrySweep: what failed, where, and why.
///
/// Every failure the library throws is a `SweepError`. It names the store path and digest
/// involved, and, when the cause is a system call, the call and its `errno`. An error that
/// wraps another (an HTTP failure under an `.io` on a path, a parse error under an
/// `.invalidConfig`) keeps it as ``cause``. Its `description` is a sentence meant for an
/// operator: what is wrong and, where it helps, what to do, followed by the cause chain.
///
/// What a scan finds wrong with a store is not thrown: it is a ``StoreProblem``, made from an
/// error with ``StoreProblem/init(_:brokenTags:)`` where one was caught.
///
/// ## Equality
/// Two errors are equal when their code, message, path, digest, syscall and errno are equal
/// and their causes are both absent or have the same `String(describing:)` (an arbitrary
/// `Error` is not `Equatable`); hashing follows the same fields.
public struct SweepError: Error, Sendable, Hashable, CustomStringConvertible {
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
    /// The underlying error this one wraps, if any (itself possibly a `SweepError` with a cause).
    public var cause: (any Error)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - message: what went wrong, as a sentence for an operator.
    ///   - path: the path involved.
    ///   - digest: the digest involved.
    ///   - syscall: the failing system call.
    ///   - errno: the `errno` it set.
    ///   - cause: the underlying error, kept whole (its description ends this one's).
    public init(
        _ code: Code, _ message: String, path: String? = nil, digest: Digest? = nil,
        syscall: String? = nil, errno: Int32? = nil, cause: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.digest = digest
        self.syscall = syscall
        self.errno = errno
        self.cause = cause
    }

    /// The chain of causes, nearest first: ``cause``, its cause if it is a `SweepError`, and so on.
    public var causes: [any Error] {
        var chain: [any Error] = []
        var next = cause
        while let error = next {
            chain.append(error)
            next = (error as? SweepError)?.cause
        }
        return chain
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
            message +=
                " (a node of the store is not of the type the registry layout requires; what it may hold is kept)"
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

    /// A one-line description: `code: message [path, digest, syscall errno]`, then
    /// `: caused by <cause>` for the cause (whose own description continues the chain).
    public var description: String {
        var parts: [String] = []
        if let path { parts.append(path) }
        if let digest { parts.append(digest.description) }
        if let syscall, let errno { parts.append("\(syscall) errno \(errno)") }
        let context = parts.isEmpty ? "" : " [\(parts.joined(separator: ", "))]"
        let caused = cause.map { ": caused by \(String(describing: $0))" } ?? ""
        return "\(code.rawValue): \(message)\(context)\(caused)"
    }

    /// Equal code, message, path, digest, syscall and errno, and causes both absent or
    /// described alike (see the type's "Equality").
    public static func == (lhs: SweepError, rhs: SweepError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.path == rhs.path && lhs.digest == rhs.digest
            && lhs.syscall == rhs.syscall && lhs.errno == rhs.errno
            && lhs.cause.map { String(describing: $0) } == rhs.cause.map { String(describing: $0) }
    }

    /// Hashes the fields ``==(_:_:)`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(path)
        hasher.combine(digest)
        hasher.combine(syscall)
        hasher.combine(errno)
        hasher.combine(cause.map { String(describing: $0) })
    }
}
