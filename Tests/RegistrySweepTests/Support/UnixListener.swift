import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A bound, listening unix socket that never accepts: connects succeed into the backlog, and nothing
/// ever answers. Used to show the client times out instead of hanging, and (closed) refuses connections.
final class UnixListener {
    /// The socket path.
    let path: String
    /// The listening descriptor, or -1 once closed.
    private(set) var fd: Int32

    /// Binds and listens on a fresh path under /tmp (short: `sun_path` holds 108 bytes).
    ///
    /// - Throws: `POSIXError` when `socket`, `bind` or `listen` fails.
    init(name: String) throws {
        path = "/tmp/rsw-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        // Safe: the path is under 60 bytes and sun_path holds 108; we write it and its NUL inside the array.
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        // Safe: bind(2) reads sizeof(sockaddr_un) bytes from our own address for the duration of the call.
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 8) == 0 else {
            _ = Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
    }

    /// Stops listening but leaves the socket file: a stale socket, as after a crashed daemon.
    func closeKeepingFile() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    deinit {
        closeKeepingFile()
        unlink(path)
    }
}
