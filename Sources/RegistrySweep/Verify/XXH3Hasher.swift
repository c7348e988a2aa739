import CXXHash

/// XXH3 64-bit checksums through libxxhash's streaming API: the only code that calls `CXXHash`.
///
/// XXH3 is not a cryptographic hash: it detects accidental damage (bit rot, truncation,
/// torn writes) at memory speed, which is what `verify --fast` needs once a blob's content
/// was proven by SHA-256 and recorded in a ``VerifyBaseline``. It uses the default seed
/// (0) and secret, so values are stable across machines and libxxhash versions (XXH3's
/// output has been frozen since 0.8.0).
///
/// One instance per worker: the state is mutable and not thread-safe. A `final class`
/// so the C state has exactly one owner and is freed exactly once, in `deinit`.
///
/// ## Performance
/// One 576-byte C state (heap, 64-byte aligned by libxxhash), reused across blobs with
/// ``reset()``. Throughput is bounded by memory bandwidth (tens of GB/s per core).
package final class XXH3Hasher {
    /// The opaque `XXH3_state_t *` libxxhash allocated.
    private let state: OpaquePointer

    /// Allocates a state, ready to hash.
    package init() {
        // XXH3_createState only fails when malloc does; there is no way to go on without memory.
        guard let state = XXH3_createState() else { fatalError("out of memory allocating an XXH3 state") }
        self.state = state
        reset()
    }

    deinit {
        // Safe: `state` came from XXH3_createState and is freed only here.
        _ = XXH3_freeState(state)
    }

    /// Starts a new checksum (forgets what was fed before).
    package func reset() {
        // Returns XXH_ERROR only for a NULL state, which `init` rules out.
        _ = XXH3_64bits_reset(state)
    }

    /// Feeds the next bytes.
    ///
    /// - Parameter bytes: any length, including empty.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        // Safe: `base` points at `bytes.count` readable bytes for the duration of the call;
        // XXH3_64bits_update fails only for a NULL input with a non-zero length.
        _ = XXH3_64bits_update(state, base, bytes.count)
    }

    /// The checksum of everything fed since the last ``reset()``; the state stays usable.
    package func digest() -> UInt64 {
        XXH3_64bits_digest(state)
    }

    /// The checksum of one buffer, without a state (for the baseline's trailer and tests).
    ///
    /// - Parameter bytes: the data.
    /// - Returns: the same value as ``reset()``, ``update(_:)`` with `bytes`, ``digest()``.
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        // Safe: XXH3_64bits reads exactly `count` bytes from `baseAddress`; a NULL pointer
        // is accepted for length 0.
        XXH3_64bits(bytes.baseAddress, bytes.count)
    }
}
