/// A fixed-universe set of `UInt32` ids, one bit each.
///
/// ## Performance
/// `(universe + 63) / 64` words; insert, remove and test are O(1). Grows on demand
/// when an id beyond the current universe is inserted.
package struct BitSet: Sendable, Equatable {
    private var words: [UInt64]

    /// Creates an empty set for ids below `universe`.
    package init(universe: Int = 0) {
        words = Array(repeating: 0, count: (universe + 63) >> 6)
    }

    /// True if `id` is in the set.
    @inline(__always)
    package func contains(_ id: UInt32) -> Bool {
        let word = Int(id >> 6)
        return word < words.count && words[word] & (1 << UInt64(id & 63)) != 0
    }

    /// Adds `id`; returns true if it was not there before.
    @discardableResult
    @inline(__always)
    package mutating func insert(_ id: UInt32) -> Bool {
        let word = Int(id >> 6)
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
        let bit: UInt64 = 1 << UInt64(id & 63)
        let was = words[word] & bit != 0
        words[word] |= bit
        return !was
    }

    /// Removes `id`.
    package mutating func remove(_ id: UInt32) {
        let word = Int(id >> 6)
        if word < words.count { words[word] &= ~(1 << UInt64(id & 63)) }
    }

    /// Adds every id of `other`.
    package mutating func formUnion(_ other: BitSet) {
        if other.words.count > words.count {
            words.append(contentsOf: repeatElement(0, count: other.words.count - words.count))
        }
        for index in other.words.indices { words[index] |= other.words[index] }
    }

    /// The number of ids in the set.
    package var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    /// True if the set holds no id.
    package var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The ids in increasing order.
    package var ids: [UInt32] {
        var result: [UInt32] = []
        for (index, word) in words.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                let bit = rest.trailingZeroBitCount
                result.append(UInt32(index << 6 | bit))
                rest &= rest &- 1
            }
        }
        return result
    }

    /// Bytes of storage.
    package var memoryFootprint: Int { words.capacity * 8 }

    /// True if both sets hold the same ids, whatever universe each was created with or grew to.
    package static func == (lhs: BitSet, rhs: BitSet) -> Bool {
        let common = min(lhs.words.count, rhs.words.count)
        return lhs.words[..<common] == rhs.words[..<common]
            && lhs.words[common...].allSatisfy { $0 == 0 } && rhs.words[common...].allSatisfy { $0 == 0 }
    }
}
