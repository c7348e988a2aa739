/// Parsed manifests as flat arrays, indexed by a manifest number; references are digest ids.
///
/// References are stored in one edge array in compressed-row form: manifest `m`'s blobs are
/// `edges[edgeStart[m]..<childStart[m]]` and its children `edges[childStart[m]..<edgeStart[m + 1]]`.
///
/// Finding a digest's manifest goes through a bit per digest id (set for manifests) and,
/// once ``seal()`` has run, the rank of the id among the set bits: manifest numbers in id
/// order, kept in one array.
///
/// ## Performance
/// Per manifest: 4 (digest) + 1 (kind) + 4 (subject) + 8 (offsets) + 4 (rank order) bytes,
/// plus 4 bytes per reference; per digest in the store: 1.5 bits (membership and rank
/// counts). ``manifest(of:)`` is O(1): one bit, one count, one popcount, one load.
package struct ManifestTable: Sendable {
    /// `kind` value for a manifest that could not be read or parsed.
    package static let unreadable: UInt8 = 0xFF
    /// `subject` value for "no subject".
    package static let none: UInt32 = .max

    /// Each manifest's digest id.
    package private(set) var digest: [UInt32] = []
    /// Each manifest's `ManifestKind` raw value, or `unreadable`.
    package private(set) var kind: [UInt8] = []
    /// Each manifest's subject digest id, or `none`.
    package private(set) var subject: [UInt32] = []
    private var edgeStart: [UInt32] = [0]
    private var childStart: [UInt32] = []
    private var edges: [UInt32] = []
    /// One bit per digest id: set if that digest is recorded as a manifest.
    private var present: [UInt64] = []
    /// After ``seal()``: for each word of `present`, the set bits in the words before it.
    private var rankBase: [UInt32] = []
    /// After ``seal()``: manifest numbers in digest-id order (index = rank of the id).
    private var byRank: [UInt32] = []
    /// Whether ``seal()`` has run since the last ``add``.
    private var sealed = false

    /// Creates an empty table.
    package init() {}

    /// Makes room for `manifests` manifests among `digests` digest ids without regrowing
    /// (references still grow as they come).
    package mutating func reserveCapacity(manifests: Int, digests: Int) {
        digest.reserveCapacity(manifests)
        kind.reserveCapacity(manifests)
        subject.reserveCapacity(manifests)
        edgeStart.reserveCapacity(manifests + 1)
        childStart.reserveCapacity(manifests)
        let words = (digests + 63) >> 6
        if present.count < words { present.append(contentsOf: repeatElement(0, count: words - present.count)) }
    }

    /// The number of manifests recorded (parsed or unreadable).
    package var count: Int { digest.count }

    /// Records a manifest; `parsed == nil` records it as unreadable.
    ///
    /// - Parameters:
    ///   - id: the manifest's digest id.
    ///   - parsed: its kind and references, interned through `intern`.
    mutating func add(
        _ id: UInt32, kind: UInt8, blobs: ArraySlice<UInt32>, children: ArraySlice<UInt32>, subject: UInt32
    ) {
        let word = Int(id >> 6)
        let bit: UInt64 = 1 << UInt64(id & 63)
        if word >= present.count { present.append(contentsOf: repeatElement(0, count: word - present.count + 1)) }
        guard present[word] & bit == 0 else { return }
        present[word] |= bit
        sealed = false
        digest.append(id)
        self.kind.append(kind)
        self.subject.append(subject)
        edges.append(contentsOf: blobs)
        childStart.append(UInt32(edges.count))
        edges.append(contentsOf: children)
        edgeStart.append(UInt32(edges.count))
    }

    /// Builds the digest-to-manifest index; required before ``manifest(of:)`` once
    /// manifests were added (the scanner seals the table it returns).
    package mutating func seal() {
        rankBase = []
        rankBase.reserveCapacity(present.count)
        var total: UInt32 = 0
        for word in present {
            rankBase.append(total)
            total += UInt32(word.nonzeroBitCount)
        }
        byRank = [UInt32](repeating: 0, count: digest.count)
        for (m, id) in digest.enumerated() { byRank[rank(id)] = UInt32(m) }
        sealed = true
    }

    /// The number of manifest ids below `id` (`id` itself must be one).
    @inline(__always)
    private func rank(_ id: UInt32) -> Int {
        let word = Int(id >> 6)
        let below = present[word] & ((1 << UInt64(id & 63)) &- 1)
        return Int(rankBase[word]) + below.nonzeroBitCount
    }

    /// The manifest number of a digest id, if that digest was recorded as a manifest.
    @inline(__always)
    package func manifest(of id: UInt32) -> Int? {
        let word = Int(id >> 6)
        guard word < present.count, present[word] & (1 << UInt64(id & 63)) != 0 else { return nil }
        precondition(sealed, "ManifestTable.seal() must run before manifest(of:)")
        return Int(byRank[rank(id)])
    }

    /// The blobs manifest `m` references (config, layers, blobs, blobSums).
    package func blobs(_ m: Int) -> ArraySlice<UInt32> { edges[Int(edgeStart[m])..<Int(childStart[m])] }

    /// The child manifests of manifest `m` (index or list entries).
    package func children(_ m: Int) -> ArraySlice<UInt32> { edges[Int(childStart[m])..<Int(edgeStart[m + 1])] }

    /// The blobs then the children of manifest `m` (both, adjacent in the edge list).
    package func references(_ m: Int) -> ArraySlice<UInt32> { edges[Int(edgeStart[m])..<Int(edgeStart[m + 1])] }

    /// The kind of manifest `m`, or `nil` if it is unreadable.
    package func manifestKind(_ m: Int) -> ManifestKind? { ManifestKind(rawValue: kind[m]) }

    /// Bytes of storage.
    package var memoryFootprint: Int {
        (digest.capacity + subject.capacity + edgeStart.capacity + childStart.capacity + edges.capacity
            + rankBase.capacity + byRank.capacity) * 4 + present.capacity * 8 + kind.capacity
    }
}
