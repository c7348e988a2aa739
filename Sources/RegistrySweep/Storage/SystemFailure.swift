#if canImport(Glibc)
    import Glibc
#endif

/// What a failed system call's `errno` means, for code above `Storage/` that must tell
/// failures apart.
///
/// `errno` values are interpreted in two places only: `SweepError.system` (the error code and
/// message) and here (the distinctions callers act on). Callers match these cases, never a
/// raw `errno`.
package enum SystemFailure: Sendable, Hashable {
    /// `ENOENT`: no such file or directory (for `connect`: no socket file).
    case noSuchFile
    /// `EEXIST`: the path already exists.
    case alreadyExists
    /// `ENOTDIR`, `EISDIR`, `ELOOP`: a node of another type than the call needs (a file where a
    /// directory belongs, a directory opened as a file, a symbolic link met with `O_NOFOLLOW`).
    case wrongFileType
    /// `EACCES`, `EPERM`.
    case permissionDenied
    /// `ECONNREFUSED`: nothing listens on the socket.
    case connectionRefused
    /// `EAGAIN` (`EWOULDBLOCK`), `EINPROGRESS`: a socket's send or receive timeout expired.
    case timedOut
    /// Any other `errno`, kept for messages.
    case other(Int32)

    /// Classifies an `errno` value.
    ///
    /// - Parameter errno: the value a failed call left in `errno`.
    package init(errno: Int32) {
        switch errno {
        case ENOENT: self = .noSuchFile
        case EEXIST: self = .alreadyExists
        case ENOTDIR, EISDIR, ELOOP: self = .wrongFileType
        case EACCES, EPERM: self = .permissionDenied
        case ECONNREFUSED: self = .connectionRefused
        case EAGAIN, EWOULDBLOCK, EINPROGRESS: self = .timedOut
        default: self = .other(errno)
        }
    }
}

extension SweepError {
    /// The failing system call's `errno` as a ``SystemFailure``; `nil` when no system call failed.
    package var systemFailure: SystemFailure? { errno.map(SystemFailure.init(errno:)) }
}
