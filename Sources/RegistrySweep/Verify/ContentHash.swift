import Crypto

/// The two content hashes verify uses, for tools and benchmarks.
public enum ContentHash {
    /// SHA-256 of `bytes` (swift-crypto, hardware-accelerated where the CPU has SHA extensions).
    ///
    /// - Complexity: O(n).
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> Digest {
        Digest(bytes: SHA256.hash(data: bytes))
    }

    /// XXH3-64 of `bytes` (Debian's libxxhash), the fast re-check checksum of baselines.
    ///
    /// - Complexity: O(n).
    public static func xxh3(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXH3Hasher.hash(bytes)
    }
}
