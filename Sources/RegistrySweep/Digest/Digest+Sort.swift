extension Array where Element == Digest {
    /// Sorts the digests in ``Digest`` order, faster than `sort()` for digests spread evenly
    /// over their range (SHA-256 values, or a blob shard's, which share their first byte).
    ///
    /// One counting pass on the eight bits of `w0` just below the bits every digest shares,
    /// then each bucket on its own: by insertion when it is small (evenly spread input gives
    /// a few per bucket), by `sort()` when it holds more than 32 (skewed input, such as planted
    /// names, costs about what a plain `sort()` costs). Duplicates are kept.
    ///
    /// - Complexity: O(n) expected for evenly spread digests; O(n log n) at worst.
    package mutating func sortDigests() {
        guard count > 16 else { return sort() }
        let first = self[0].w0
        var differing: UInt64 = 0
        for digest in self { differing |= digest.w0 ^ first }
        // All share w0: the buckets below would be one (rare; only planted names do this).
        guard differing != 0 else { return sort() }
        // Bits at and above `shift + 8` are the same in every digest, so bucket order is digest order.
        let shift = UInt64(Swift.max(0, 64 - differing.leadingZeroBitCount - 8))
        var starts = [Int](repeating: 0, count: 257)
        for digest in self { starts[Int(truncatingIfNeeded: (digest.w0 >> shift) & 0xFF) + 1] += 1 }
        for bucket in 0..<256 { starts[bucket + 1] += starts[bucket] }
        var fill = starts
        let source = self
        withUnsafeMutableBufferPointer { out in
            for digest in source {
                let bucket = Int(truncatingIfNeeded: (digest.w0 >> shift) & 0xFF)
                out[fill[bucket]] = digest
                fill[bucket] += 1
            }
            for bucket in 0..<256 where starts[bucket + 1] - starts[bucket] > 1 {
                let range = starts[bucket]..<starts[bucket + 1]
                if range.count > 32 {
                    out[range].sort()
                    continue
                }
                for index in (range.lowerBound + 1)..<range.upperBound {
                    let digest = out[index]
                    var place = index
                    while place > range.lowerBound && digest < out[place - 1] {
                        out[place] = out[place - 1]
                        place -= 1
                    }
                    out[place] = digest
                }
            }
        }
    }

    /// The digests in ``Digest`` order (see ``sortDigests()``).
    package func sortedDigests() -> [Digest] {
        var sorted = self
        sorted.sortDigests()
        return sorted
    }
}
