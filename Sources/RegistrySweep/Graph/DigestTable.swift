/// An interning table: each distinct digest stored once, named by a dense `UInt32` id.
///
/// Ids are assigned in insertion order starting at 0, so per-digest facts live in flat
/// arrays or bit sets indexed by id. Lookup is open addressing with linear probing over
/// a power-of-two slot array kept at most half full, starting at the digest's leading bits.
///
/// ## Performance
/// Per digest: 32 bytes in `digests` plus 4–8 bytes of slots (two to four `UInt32` slots
/// per entry between growths, 1.0–2.0x load headroom), i.e. 36–48 bytes. Insert and
/// lookup are O(1) expected; growth rehashes from the flat array without touching digests.
/// Not thread-safe: build it in one task (or per task and merge), then share it read-only.
public struct DigestTable: Sendable {
    /// The digests, indexed by id.
    public private(set) var digests: [Digest] = []
    /// Slot array: 0 is empty, otherwise id + 1.
    private var slots: [UInt32]
    private var mask: Int

    /// Creates an empty table sized for `capacity` digests without growing.
    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        digests.reserveCapacity(capacity)
    }

    /// Makes room for `capacity` digests in all, so that interning up to that many neither
    /// reallocates the digests nor rehashes.
    public mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > digests.capacity else { return }
        digests.reserveCapacity(capacity)
        HugePages.advise(&digests)
        while slots.count < capacity * 2 { grow() }
    }

    /// The number of distinct digests.
    public var count: Int { digests.count }

    /// The digest named by `id`.
    public subscript(id: UInt32) -> Digest { digests[Int(id)] }

    /// The id of `digest`, inserting it if it is new.
    ///
    /// - Complexity: O(1) expected; amortized O(1) with growth.
    @discardableResult
    public mutating func intern(_ digest: Digest) -> UInt32 {
        var slot = Self.start(digest, mask)
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if digests[Int(entry &- 1)] == digest { return entry &- 1 }
            slot = (slot &+ 1) & mask
        }
        precondition(digests.count < Int(UInt32.max - 1), "more than 4 billion digests")
        let id = UInt32(digests.count)
        digests.append(digest)
        slots[slot] = id &+ 1
        if digests.count * 2 > slots.count { grow() }
        return id
    }

    /// The id of `digest`, or `nil` if it was never interned.
    ///
    /// - Complexity: O(1) expected.
    public func id(of digest: Digest) -> UInt32? {
        var slot = Self.start(digest, mask)
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if digests[Int(entry &- 1)] == digest { return entry &- 1 }
            slot = (slot &+ 1) & mask
        }
    }

    /// Bytes held by the table's storage (capacity, not count).
    public var memoryFootprint: Int {
        digests.capacity * MemoryLayout<Digest>.stride + slots.capacity * MemoryLayout<UInt32>.stride
    }

    /// The first slot to probe: the digest's leading bits. SHA-256 output is uniform, so
    /// they spread as well as any hash; and digests that share a prefix (one blob shard, a
    /// sorted batch) land in one region of the slots, so interning them in order walks the
    /// slot array nearly sequentially instead of missing the cache on every digest.
    @inline(__always)
    private static func start(_ digest: Digest, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: digest.w0 >> UInt64(64 - mask.nonzeroBitCount)) & mask
    }

    private mutating func grow() {
        let size = slots.count * 2
        var fresh = [UInt32](repeating: 0, count: size)
        let newMask = size - 1
        for (index, digest) in digests.enumerated() {
            var slot = Self.start(digest, newMask)
            while fresh[slot] != 0 { slot = (slot &+ 1) & newMask }
            fresh[slot] = UInt32(index) &+ 1
        }
        HugePages.advise(&fresh)
        slots = fresh
        mask = newMask
    }
}
