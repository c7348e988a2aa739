/// How far a long operation has come: what it is doing, how much of it is done.
///
/// Scan, plan, sweep, delete and verify send these to the ``ProgressObserver`` in their options,
/// from one task at a time, at most once per batch of work (a blob shard, a repository, a chunk
/// of removals or reads), never per file: rendering and throttling are the observer's business.
public struct ProgressEvent: Sendable, Hashable {
    /// The stage of the operation.
    public enum Phase: String, Sendable, Hashable, Codable {
        /// Listing `blobs/sha256/XX/` shards (total: 256).
        case listBlobs
        /// Walking the repository tree (total unknown until done).
        case listRepositories
        /// Reading and parsing manifests.
        case readManifests
        /// Reading blob sizes and times.
        case statBlobs
        /// Marking live content.
        case mark
        /// Planning removals (ages and sizes of what may go).
        case plan
        /// Looking for what a live registry wrote since the scan.
        case revalidate
        /// Removing tags, manifests, links, blobs, uploads, repositories.
        case removeTags, removeManifests, removeLinks, removeBlobs, removeUploads, removeRepositories
        /// Hashing blobs.
        case verify
    }

    /// The stage.
    public var phase: Phase
    /// Items done in this phase.
    public var done: Int
    /// Items in this phase, when known.
    public var total: Int?
    /// Bytes done in this phase, where bytes are what it works through (blobs removed, hashed).
    public var bytes: Int?

    /// Creates an event.
    public init(phase: Phase, done: Int, total: Int? = nil, bytes: Int? = nil) {
        self.phase = phase
        self.done = done
        self.total = total
        self.bytes = bytes
    }
}

/// Receives ``ProgressEvent``s: the one progress mechanism of every operation's options.
///
/// Nothing is computed for progress when no observer is set. Observers take no part in the
/// options' equality or encoding (two options differing only in their observer are equal, and
/// an encoded options value has none).
public struct ProgressObserver: Sendable, Hashable, Codable {
    private let handler: @Sendable (ProgressEvent) -> Void

    /// Creates an observer; `handler` is called from one task at a time, and must return quickly.
    public init(_ handler: @escaping @Sendable (ProgressEvent) -> Void) {
        self.handler = handler
    }

    /// Sends an event.
    public func callAsFunction(_ event: ProgressEvent) { handler(event) }

    /// Observers are not compared: always equal.
    public static func == (lhs: ProgressObserver, rhs: ProgressObserver) -> Bool { true }
    /// Observers are not hashed.
    public func hash(into hasher: inout Hasher) {}

    /// Decoding yields an observer that ignores every event (observers are not encoded).
    public init(from decoder: any Decoder) throws { handler = { _ in } }
    /// Encodes nothing (an empty value).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encodeNil()
    }
}

extension Optional where Wrapped == ProgressObserver {
    /// Sends an event if there is an observer; the event is built only then.
    func send(_ event: @autoclosure () -> ProgressEvent) {
        if let observer = self { observer(event()) }
    }
}
