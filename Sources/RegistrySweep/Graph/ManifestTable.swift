/// Parsed manifests as flat arrays, indexed by a manifest number; references are digest ids.
///
/// References are stored in one edge array in compressed-row form: manifest `m`'s blobs are
/// `edges[edgeStart[m]..<childStart[m]]` and its children `edges[childStart[m]..<edgeStart[m + 1]]`.
///
/// ## Performance
/// Per manifest: 4 (digest) + 1 (kind) + 4 (subject) + 8 (offsets) bytes, plus 4 bytes per
/// reference; per digest in the store: 4 bytes for the digest-to-manifest index.
public struct ManifestTable: Sendable {
    /// `kind` value for a manifest that could not be read or parsed.
    public static let unreadable: UInt8 = 0xFF
    /// `subject` value for "no subject".
    public static let none: UInt32 = .max

    /// Each manifest's digest id.
    public private(set) var digest: [UInt32] = []
    /// Each manifest's `ManifestKind` raw value, or `unreadable`.
    public private(set) var kind: [UInt8] = []
    /// Each manifest's subject digest id, or `none`.
    public private(set) var subject: [UInt32] = []
    private var edgeStart: [UInt32] = [0]
    private var childStart: [UInt32] = []
    private var edges: [UInt32] = []
    /// Digest id -> manifest number + 1 (0: not a parsed manifest).
    private var byDigest: [UInt32] = []

    /// Creates an empty table.
    public init() {}

    /// Makes room for `manifests` manifests among `digests` digest ids without regrowing
    /// (references still grow as they come).
    public mutating func reserveCapacity(manifests: Int, digests: Int) {
        digest.reserveCapacity(manifests)
        kind.reserveCapacity(manifests)
        subject.reserveCapacity(manifests)
        edgeStart.reserveCapacity(manifests + 1)
        childStart.reserveCapacity(manifests)
        if byDigest.count < digests { byDigest.append(contentsOf: repeatElement(0, count: digests - byDigest.count)) }
    }

    /// The number of manifests recorded (parsed or unreadable).
    public var count: Int { digest.count }

    /// Records a manifest; `parsed == nil` records it as unreadable.
    ///
    /// - Parameters:
    ///   - id: the manifest's digest id.
    ///   - parsed: its kind and references, interned through `intern`.
    mutating func add(_ id: UInt32, kind: UInt8, blobs: [UInt32], children: [UInt32], subject: UInt32) {
        if Int(id) >= byDigest.count { byDigest.append(contentsOf: repeatElement(0, count: Int(id) - byDigest.count + 1)) }
        guard byDigest[Int(id)] == 0 else { return }
        digest.append(id)
        self.kind.append(kind)
        self.subject.append(subject)
        edges.append(contentsOf: blobs)
        childStart.append(UInt32(edges.count))
        edges.append(contentsOf: children)
        edgeStart.append(UInt32(edges.count))
        byDigest[Int(id)] = UInt32(digest.count)
    }

    /// The manifest number of a digest id, if that digest was recorded as a manifest.
    @inline(__always)
    public func manifest(of id: UInt32) -> Int? {
        let index = Int(id)
        guard index < byDigest.count else { return nil }
        let slot = byDigest[index]
        return slot == 0 ? nil : Int(slot - 1)
    }

    /// The blobs manifest `m` references (config, layers, blobs, blobSums).
    public func blobs(_ m: Int) -> ArraySlice<UInt32> { edges[Int(edgeStart[m])..<Int(childStart[m])] }

    /// The child manifests of manifest `m` (index or list entries).
    public func children(_ m: Int) -> ArraySlice<UInt32> { edges[Int(childStart[m])..<Int(edgeStart[m + 1])] }

    /// The kind of manifest `m`, or `nil` if it is unreadable.
    public func manifestKind(_ m: Int) -> ManifestKind? { ManifestKind(rawValue: kind[m]) }

    /// Bytes of storage.
    public var memoryFootprint: Int {
        (digest.capacity + subject.capacity + edgeStart.capacity + childStart.capacity + edges.capacity
            + byDigest.capacity) * 4 + kind.capacity
    }
}
