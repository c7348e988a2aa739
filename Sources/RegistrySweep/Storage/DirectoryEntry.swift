#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One entry of a directory listing: its name and what kind of file it is.
public struct DirectoryEntry: Sendable, Hashable {
    /// The kind of a directory entry, from `d_type` (no `stat` needed).
    public enum Kind: Sendable, Hashable {
        case file, directory, symlink, other, unknown

        init(dType: UInt8) {
            switch Int32(dType) {
            case Int32(DT_REG): self = .file
            case Int32(DT_DIR): self = .directory
            case Int32(DT_LNK): self = .symlink
            case Int32(DT_UNKNOWN): self = .unknown
            default: self = .other
            }
        }

        init(mode: mode_t) {
            switch mode & S_IFMT {
            case S_IFREG: self = .file
            case S_IFDIR: self = .directory
            case S_IFLNK: self = .symlink
            default: self = .other
            }
        }
    }

    /// The entry's name (one path component).
    public var name: String
    /// What it is.
    public var kind: Kind

    /// Creates an entry.
    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

/// Size and modification time of a file.
public struct FileInfo: Sendable, Hashable {
    /// Size in bytes.
    public var size: Int
    /// Modification time, seconds since 1970 (with fraction).
    public var modified: Double
    /// Modification time, nanoseconds since 1970, exact (for change detection).
    public var modifiedNanoseconds: Int64
    /// The device the file lives on (`st_dev`): equal devices allow `rename` between them.
    public var device: UInt64
    /// True for a regular file.
    public var isFile: Bool
    /// True for a directory.
    public var isDirectory: Bool
    /// The store's own fingerprint of the content, 0 when it has none: an object store's ETag,
    /// folded to 64 bits (``FileInfo/contentTag(of:)``).
    ///
    /// Not a content hash: an S3 ETag is the MD5 of a single-part upload and something else for
    /// a multipart one, and a store computes it, not us. Only `verify --trust-etag` relies on it,
    /// when the operator asks.
    public var contentTag: UInt64

    /// Creates file information.
    ///
    /// - Parameters:
    ///   - size: bytes.
    ///   - modified: modification time, seconds since 1970.
    ///   - isFile: a regular file.
    ///   - isDirectory: a directory.
    ///   - modifiedNanoseconds: the exact modification time; derived from `modified` when `nil`.
    ///   - device: the device identifier (`st_dev`), 0 when unknown.
    ///   - contentTag: the store's fingerprint of the content, 0 when it has none.
    public init(
        size: Int, modified: Double, isFile: Bool, isDirectory: Bool, modifiedNanoseconds: Int64? = nil,
        device: UInt64 = 0, contentTag: UInt64 = 0
    ) {
        self.contentTag = contentTag
        self.size = size
        self.modified = modified
        self.modifiedNanoseconds = modifiedNanoseconds ?? Int64((modified * 1e9).rounded())
        self.device = device
        self.isFile = isFile
        self.isDirectory = isDirectory
    }

    init(_ info: stat) {
        size = Int(info.st_size)
        modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        device = UInt64(info.st_dev)
        isFile = info.st_mode & S_IFMT == S_IFREG
        isDirectory = info.st_mode & S_IFMT == S_IFDIR
        contentTag = 0
    }
}

extension FileInfo {
    /// A store's content fingerprint (an ETag, as the store wrote it) folded to 64 bits with
    /// FNV-1a; never 0 (0 means "none").
    public static func contentTag(of text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash == 0 ? 1 : hash
    }
}
