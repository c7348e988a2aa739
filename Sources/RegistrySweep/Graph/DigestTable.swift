/// An interning table: each distinct digest stored once, named by a dense `UInt32` id.
///
/// Ids are assigned in insertion order starting at 0, so per-digest facts live in flat
/// arrays or bit sets indexed by id. Two kinds of ids:
/// - a **base** bulk-loaded in digest order with ``load(sorted:)`` (a store's blobs, one
///   sorted shard after the other), found through a directory of their leading bits: the
///   digests array is its own index;
/// - every digest interned after that, found by open addressing with linear probing over a
///   slot array kept at most two-thirds full, starting at the slot the digest's leading bits
///   scale to.
///
/// ## Performance
/// Per base digest: 32 bytes plus about 1 byte of directory (a `UInt32` per 4 digests);
/// per other digest: 32 bytes plus 6–12 bytes of slots. Lookup is O(1) expected: one
/// directory entry and a bucket of about 2–4 neighbouring digests, or one probe sequence.
/// ``intern(contentsOf:)`` looks a batch up with independent loads, so the cache misses
/// of a large table overlap instead of following one another.
/// Not thread-safe: build it in one task (or per task and merge), then share it read-only.
package struct DigestTable: Sendable {
    /// The digests, indexed by id.
    package private(set) var digests: [Digest] = []
    /// Ids below this are the sorted base.
    private var baseCount = 0
    /// True once the base's directory is built (``finishLoading()``); no more loading then.
    private var loaded = false
    /// Leading digest bits that pick a directory bucket (0: one bucket).
    private var directoryBits = 0
    /// `directory[b]` is the first base id whose leading `directoryBits` bits are at least
    /// `b`; bucket `b` is `directory[b]..<directory[b + 1]`.
    private var directory: [UInt32] = [0, 0]
    /// Slots for ids from `baseCount` on: 0 is empty, otherwise id + 1.
    private var slots: [UInt32]
    /// Ids that live in `slots`.
    private var slotted = 0

    /// Creates an empty table with room for `capacity` digests.
    package init(capacity: Int = 1024) {
        slots = Array(repeating: 0, count: Self.slotCount(for: 16))
        digests.reserveCapacity(capacity)
    }

    /// Makes room for `capacity` digests in all, so that loading or interning up to that
    /// many does not reallocate the digests.
    package mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > digests.capacity else { return }
        digests.reserveCapacity(capacity)
        HugePages.advise(&digests)
    }

    /// The number of distinct digests.
    package var count: Int { digests.count }

    /// The digest named by `id`.
    package subscript(id: UInt32) -> Digest { digests[Int(id)] }

    /// Appends distinct digests, in ascending order and above every digest loaded before,
    /// as the next ids of the base. Only before anything is interned and before
    /// ``finishLoading()``.
    ///
    /// - Precondition: `batch` is strictly ascending and starts above the last loaded digest
    ///   (a violation would let one digest get two ids, so it stops the process).
    package mutating func load(sorted batch: [Digest]) {
        precondition(!loaded && baseCount == digests.count, "load(sorted:) after interning or finishLoading()")
        var previous = digests.last
        for digest in batch {
            if let previous {
                precondition(previous < digest, "load(sorted:) needs distinct digests in ascending order")
            }
            previous = digest
        }
        precondition(digests.count + batch.count < Int(UInt32.max - 1), "more than 4 billion digests")
        digests.append(contentsOf: batch)
        baseCount = digests.count
    }

    /// Ends loading: builds the base's directory (about one bucket per four digests).
    /// Interning and lookups call it themselves; calling it again does nothing.
    package mutating func finishLoading() {
        guard !loaded else { return }
        loaded = true
        guard baseCount >= 8 else {
            directory = [0, UInt32(baseCount)]  // one bucket
            return
        }
        directoryBits = min(32, Int.bitWidth - (baseCount / 4).leadingZeroBitCount - 1)
        let buckets = 1 << directoryBits
        var fresh = [UInt32](repeating: UInt32(baseCount), count: buckets + 1)
        var next = 0
        for id in 0..<baseCount {
            let bucket = Self.bucket(digests[id], directoryBits)
            while next <= bucket {
                fresh[next] = UInt32(id)
                next += 1
            }
        }
        directory = fresh
    }

    /// The id of `digest`, inserting it if it is new.
    ///
    /// - Complexity: O(1) expected; amortized O(1) with growth.
    @discardableResult
    package mutating func intern(_ digest: Digest) -> UInt32 {
        finishLoading()
        if let id = baseId(of: digest) { return id }
        var slot = Self.start(digest, slots.count)
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if digests[Int(entry &- 1)] == digest { return entry &- 1 }
            slot = slot &+ 1 == slots.count ? 0 : slot &+ 1
        }
        precondition(digests.count < Int(UInt32.max - 1), "more than 4 billion digests")
        let id = UInt32(digests.count)
        digests.append(digest)
        slots[slot] = id &+ 1
        slotted += 1
        if slotted * 3 > slots.count * 2 { rehash(slots.count * 2) }
        return id
    }

    /// The ids of `batch`, in its order, inserting digests that are new (as ``intern(_:)``
    /// would, one after the other).
    ///
    /// Faster than one ``intern(_:)`` per digest on a table larger than the caches: every
    /// digest's directory entry is loaded, then the first digest of every bucket, then every
    /// bucket searched, each pass a loop of independent loads; only digests outside the base
    /// take the probing path.
    package mutating func intern(contentsOf batch: [Digest]) -> [UInt32] {
        finishLoading()
        let unresolved = UInt32.max
        var ids = [UInt32](repeating: unresolved, count: batch.count)
        var leading = [UInt64](repeating: 0, count: baseCount > 0 ? batch.count : 0)
        let bits = directoryBits
        ids.withUnsafeMutableBufferPointer { ids in
            batch.withUnsafeBufferPointer { batch in
                directory.withUnsafeBufferPointer { directory in
                    for i in batch.indices { ids[i] = directory[Self.bucket(batch[i], bits)] }
                    digests.withUnsafeBufferPointer { digests in
                        // Touch each bucket's first digest in a loop without data-dependent
                        // branches, so the misses overlap; the search below then hits the cache.
                        if !leading.isEmpty {
                            let last = digests.count - 1
                            for i in batch.indices { leading[i] = digests[min(Int(ids[i]), last)].w0 }
                        }
                        for i in batch.indices {
                            let digest = batch[i]
                            var id = Int(ids[i])
                            let end = Int(directory[Self.bucket(digest, bits) + 1])
                            ids[i] = unresolved
                            while id < end && digests[id] < digest { id += 1 }
                            if id < end && digests[id] == digest { ids[i] = UInt32(id) }
                        }
                    }
                }
            }
        }
        for i in ids.indices where ids[i] == unresolved { ids[i] = intern(batch[i]) }
        return ids
    }

    /// The id of `digest`, or `nil` if it was never interned.
    ///
    /// - Complexity: O(1) expected.
    package func id(of digest: Digest) -> UInt32? {
        precondition(loaded || baseCount == 0, "finishLoading() must run before lookups")
        if let id = baseId(of: digest) { return id }
        var slot = Self.start(digest, slots.count)
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if digests[Int(entry &- 1)] == digest { return entry &- 1 }
            slot = slot &+ 1 == slots.count ? 0 : slot &+ 1
        }
    }

    /// Bytes held by the table's storage (capacity, not count).
    package var memoryFootprint: Int {
        digests.capacity * MemoryLayout<Digest>.stride + (slots.capacity + directory.capacity)
            * MemoryLayout<UInt32>.stride
    }

    /// The base id of `digest`: a scan of its bucket, which is in digest order.
    @inline(__always)
    private func baseId(of digest: Digest) -> UInt32? {
        guard baseCount > 0 else { return nil }
        let bucket = Self.bucket(digest, directoryBits)
        var id = Int(directory[bucket])
        let end = Int(directory[bucket + 1])
        while id < end {
            let candidate = digests[id]
            if candidate == digest { return UInt32(id) }
            if digest < candidate { return nil }
            id += 1
        }
        return nil
    }

    /// The directory bucket of `digest`: its leading `bits` bits.
    @inline(__always)
    private static func bucket(_ digest: Digest, _ bits: Int) -> Int {
        bits == 0 ? 0 : Int(truncatingIfNeeded: digest.w0 >> UInt64(64 - bits))
    }

    /// Slots for `capacity` slotted digests at two-thirds load.
    private static func slotCount(for capacity: Int) -> Int {
        max(16, capacity + capacity / 2 + 1)
    }

    /// The first slot to probe: the digest's leading 64 bits scaled to `size` (the high
    /// word of their product). SHA-256 output is uniform, so that spreads as well as any hash.
    @inline(__always)
    private static func start(_ digest: Digest, _ size: Int) -> Int {
        Int(truncatingIfNeeded: digest.w0.multipliedFullWidth(by: UInt64(size)).high)
    }

    private mutating func rehash(_ size: Int) {
        var fresh = [UInt32](repeating: 0, count: size)
        for index in baseCount..<digests.count {
            var slot = Self.start(digests[index], size)
            while fresh[slot] != 0 { slot = slot &+ 1 == size ? 0 : slot &+ 1 }
            fresh[slot] = UInt32(index) &+ 1
        }
        HugePages.advise(&fresh)
        slots = fresh
    }
}
