#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unix-domain stream sockets: the only socket code in the package (the Docker Engine API client uses it).
///
/// Same rules as the file wrappers: `EINTR` is retried, descriptors are close-on-exec, and a failure
/// becomes a `SweepError` through `SweepError.system` (so `errno` is interpreted in one place). A timeout
/// (`SO_RCVTIMEO` / `SO_SNDTIMEO` expiring) surfaces as `errno` `EAGAIN`; callers word it for the operator.
extension SystemCalls {
    /// Opens an `AF_UNIX` stream socket, sets send and receive timeouts, and connects it to `path`.
    ///
    /// On Linux `SO_SNDTIMEO` also bounds a `connect` that blocks on a full listen backlog.
    ///
    /// - Parameters:
    ///   - path: the socket file; at most 107 bytes (`sun_path` holds 108 with the NUL).
    ///   - timeout: seconds each later send or receive may block.
    /// - Returns: the connected descriptor; the caller closes it with `close(_:)`.
    /// - Throws: `.invalidArgument` for a path that does not fit, otherwise the mapped `socket`/`connect` errno.
    package static func connectUnixSocket(_ path: String, timeout: Double) throws(SweepError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity, !pathBytes.contains(0) else {
            throw SweepError(.invalidArgument, "not a usable unix socket path (1 to \(capacity - 1) bytes)", path: path)
        }
        // Safe: sun_path is a fixed C array of `capacity` bytes; we write count < capacity bytes plus the NUL.
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }

        #if os(Linux)
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
            let type = SOCK_STREAM
        #endif
        let fd = socket(AF_UNIX, type, 0)
        if fd < 0 { throw SweepError.system("socket", errno: Glibc.errno, path: path) }

        var interval = timeval()
        interval.tv_sec = .init(timeout.rounded(.down))
        interval.tv_usec = .init(((timeout - timeout.rounded(.down)) * 1_000_000).rounded())
        let size = socklen_t(MemoryLayout<timeval>.size)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &interval, size)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &interval, size)
        #if canImport(Darwin)
            var one: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif

        while true {
            // Safe: connect(2) reads exactly sizeof(sockaddr_un) bytes from the address we own for the call;
            // rebinding to the generic `sockaddr` header is how the C API is meant to be used.
            let result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            if result == 0 { return fd }
            let error = Glibc.errno
            if error == EINTR { continue }
            close(fd)
            throw SweepError.system("connect", errno: error, path: path)
        }
    }

    /// Sends all of `bytes` on a connected socket; a closed peer gives `EPIPE`, never `SIGPIPE`.
    ///
    /// - Throws: the mapped `send` errno (`EAGAIN` when the send timeout expired).
    package static func sendAll(_ fd: Int32, _ bytes: [UInt8], display: String) throws(SweepError) {
        #if os(Linux)
            let flags = Int32(MSG_NOSIGNAL)
        #else
            let flags: Int32 = 0
        #endif
        var done = 0
        while done < bytes.count {
            // Safe: done < bytes.count, so base + done and the remaining length stay inside the array.
            let sent = bytes.withUnsafeBytes { raw in send(fd, raw.baseAddress! + done, raw.count - done, flags) }
            if sent >= 0 {
                done += sent
                continue
            }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw SweepError.system("send", errno: error, path: display)
        }
    }

    /// Receives what is available, up to `maximum` bytes; an empty result means the peer closed.
    ///
    /// - Throws: the mapped `recv` errno (`EAGAIN` when the receive timeout expired).
    package static func receive(_ fd: Int32, maximum: Int = 65_536, display: String) throws(SweepError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            // Safe: recv writes at most buffer.count bytes into the array's own storage.
            let count = buffer.withUnsafeMutableBytes { raw in recv(fd, raw.baseAddress, raw.count, 0) }
            if count >= 0 {
                buffer.removeSubrange(count...)
                return buffer
            }
            let error = Glibc.errno
            if error == EINTR { continue }
            throw SweepError.system("recv", errno: error, path: display)
        }
    }
}
