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

    /// The ids in increasing order, in an array of exactly their count. To visit them, iterate
    /// the set itself (no array).
    package var ids: [UInt32] { Array(self) }

    /// Bytes of storage.
    package var memoryFootprint: Int { words.capacity * 8 }

    /// True if both sets hold the same ids, whatever universe each was created with or grew to.
    package static func == (lhs: BitSet, rhs: BitSet) -> Bool {
        let common = Swift.min(lhs.words.count, rhs.words.count)
        return lhs.words[..<common] == rhs.words[..<common]
            && lhs.words[common...].allSatisfy { $0 == 0 } && rhs.words[common...].allSatisfy { $0 == 0 }
    }
}

/// The ids in increasing order, read from the words as the iteration goes (no array).
extension BitSet: Sequence {
    package struct Iterator: IteratorProtocol {
        private let words: [UInt64]
        /// The word being read, and its bits not yet returned.
        private var index = 0
        private var rest: UInt64

        init(_ words: [UInt64]) {
            self.words = words
            rest = words.first ?? 0
        }

        package mutating func next() -> UInt32? {
            while rest == 0 {
                index += 1
                guard index < words.count else { return nil }
                rest = words[index]
            }
            let bit = rest.trailingZeroBitCount
            rest &= rest &- 1
            return UInt32(index << 6 | bit)
        }
    }

    package func makeIterator() -> Iterator { Iterator(words) }

    /// The exact count (one pass over the words), so that `Array(set)` and `map` allocate once.
    package var underestimatedCount: Int { count }
}
