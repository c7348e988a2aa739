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

    /// Creates file information.
    ///
    /// - Parameters:
    ///   - size: bytes.
    ///   - modified: modification time, seconds since 1970.
    ///   - isFile: a regular file.
    ///   - isDirectory: a directory.
    ///   - modifiedNanoseconds: the exact modification time; derived from `modified` when `nil`.
    ///   - device: the device identifier (`st_dev`), 0 when unknown.
    public init(
        size: Int, modified: Double, isFile: Bool, isDirectory: Bool, modifiedNanoseconds: Int64? = nil,
        device: UInt64 = 0
    ) {
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
    }
}
