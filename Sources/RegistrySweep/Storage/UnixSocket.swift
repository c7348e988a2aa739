/// A connected `AF_UNIX` stream socket: the descriptor stays inside `Storage/`.
///
/// Built on the wrappers in `SystemCalls+Socket.swift` (`EINTR` retried, close-on-exec, no
/// `SIGPIPE`, failures as `SweepError` with the `errno`; a timeout is errno `EAGAIN`, which
/// ``SystemFailure/timedOut`` names). Not owning: whoever connected it calls ``close()`` once.
package struct UnixSocket: Sendable {
    /// The connected descriptor.
    private let descriptor: Int32
    /// The socket path, for messages.
    package let path: String

    /// Connects to the socket at `path`, with send and receive timeouts.
    ///
    /// - Parameters:
    ///   - path: the socket file; at most 107 bytes.
    ///   - timeout: seconds each connect, send or receive may block.
    /// - Throws: `.invalidArgument` for a path that does not fit, otherwise the mapped
    ///   `socket`/`connect` error.
    package init(connectingTo path: String, timeout: Double) throws(SweepError) {
        descriptor = try SystemCalls.connectUnixSocket(path, timeout: timeout)
        self.path = path
    }

    /// Sends all of `bytes`; a closed peer is `EPIPE`, never `SIGPIPE`.
    ///
    /// - Throws: the mapped `send` error (errno `EAGAIN` when the send timeout expired).
    package func sendAll(_ bytes: [UInt8]) throws(SweepError) {
        try SystemCalls.sendAll(descriptor, bytes, display: path)
    }

    /// Receives what is available, up to `maximum` bytes; empty when the peer closed.
    ///
    /// - Throws: the mapped `recv` error (errno `EAGAIN` when the receive timeout expired).
    package func receive(maximum: Int = 65_536) throws(SweepError) -> [UInt8] {
        try SystemCalls.receive(descriptor, maximum: maximum, display: path)
    }

    /// Closes the socket.
    package func close() {
        SystemCalls.close(descriptor)
    }
}
