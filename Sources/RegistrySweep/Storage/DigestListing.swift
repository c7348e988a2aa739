/// A directory listing split for the store's digest-named directories (blob shards,
/// `revisions/sha256`, `_layers/sha256`, tag `index/sha256`): the entries that are
/// directories named by 64 lowercase hex digits, as digests, and every other entry as is.
///
/// Listing this way never builds a `String` for a digest-named entry, which is what
/// almost every entry of a large store is.
public struct DigestListing: Sendable {
    /// The directories named by a hex digest, in directory order.
    public var digests: [Digest] = []
    /// Every other entry (files, symlinks, other names), in directory order.
    public var others: [DirectoryEntry] = []

    /// An empty listing.
    public init() {}

    /// Splits a listing made of ordinary entries (for backends without a faster path).
    public init(_ entries: [DirectoryEntry]) {
        digests.reserveCapacity(entries.count)
        for entry in entries {
            if entry.kind == .directory, let digest = Digest.parseHex(entry.name) {
                digests.append(digest)
            } else {
                others.append(entry)
            }
        }
    }
}
