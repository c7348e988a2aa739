/// One repository of a store as the scanner found it.
///
/// Digests are ids into the snapshot's table (package-internal); read them as digests through
/// the snapshot: ``StoreSnapshot/revisions(of:)``, ``StoreSnapshot/layers(of:)``,
/// ``StoreSnapshot/current(of:)``, ``StoreSnapshot/history(of:in:)``.
public struct Repository: Sendable {
    /// A tag: its current manifest and its history (`index/`).
    public struct Tag: Sendable {
        /// The tag name (the directory name).
        public var name: String
        /// The manifest `current/link` names; `nil` when it could not be read (see the problems).
        package var current: UInt32?
        /// Where the tag's history (`index/sha256/*`) lies in the repository's
        /// ``Repository/tagHistory``; read it with ``Repository/history(of:)``.
        package var historyRange: Range<UInt32>
        /// When the tag was last pushed: the modification time of its `current/link` (the
        /// registry rewrites it on every push of the tag; on object stores, its last-modified
        /// time), seconds since 1970. `nil` unless the scan was asked for it
        /// (``ScanOptions/readTagTimes``) and could stat the link.
        public var pushedAt: Double? = nil
    }

    /// A tag directory without `current/link`: the registry answers "unknown tag" for it (a
    /// tag delete or a push interrupted midway leaves one, and a push under way shows one for a
    /// moment: it writes the history entry first, `current/link` last). Not in
    /// ``Repository/tags``; its history is always read, and with `--delete-untagged` the
    /// manifests it names stay live (the one being tagged is among them).
    public struct LinklessTag: Sendable {
        /// The tag name (the directory name).
        public var name: String
        /// Where the tag's history (`index/sha256/*`) lies in the repository's
        /// ``Repository/tagHistory``; read it with ``Repository/history(of:)-(LinklessTag)``.
        package var historyRange: Range<UInt32>
    }

    /// An upload in progress (`_uploads/<uuid>`).
    public struct Upload: Sendable {
        /// The upload's directory name.
        public var uuid: String
        /// `startedat`, seconds since 1970, when readable.
        public var startedAt: Double?
    }

    /// The repository name (path under `repositories/`).
    public var name: String
    /// False if the name breaks the registry's grammar (reported; the repository is kept).
    public var hasValidName: Bool
    /// Tags, in directory order.
    public var tags: [Tag]
    /// Tag directories whose `current/link` is absent (`ENOENT`), in directory order: unknown
    /// tags to the registry, garbage once old enough. Only an absent link puts a tag here; a
    /// `current/link` that cannot be read or is of the wrong type is a problem, and the tag's
    /// repository is kept whole.
    public var linklessTags: [LinklessTag] = []
    /// Every tag's (and linkless tag's) history, one run per tag (see ``Tag/historyRange``): one array for the
    /// repository instead of one per tag.
    package var tagHistory: [UInt32]
    /// Manifest revisions (`_manifests/revisions/sha256/*`).
    package var revisions: [UInt32]
    /// Revision directories whose `link` file is gone (left by the registry's manifest delete).
    public var linklessRevisions: [Digest]
    /// Layer links (`_layers/sha256/*`).
    package var layers: [UInt32]
    /// Uploads in progress.
    public var uploads: [Upload]
    /// True when a part of the repository could not be listed or read: mark must keep
    /// everything it might reference and sweep must not modify it.
    public var isIncomplete: Bool

    /// Every digest in `tag`'s history (`index/sha256/*`).
    package func history(of tag: Tag) -> ArraySlice<UInt32> {
        tagHistory[Int(tag.historyRange.lowerBound)..<Int(tag.historyRange.upperBound)]
    }

    /// Every digest in a linkless tag's history (`index/sha256/*`).
    package func history(of tag: LinklessTag) -> ArraySlice<UInt32> {
        tagHistory[Int(tag.historyRange.lowerBound)..<Int(tag.historyRange.upperBound)]
    }
}
