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
    /// True for a regular file.
    public var isFile: Bool
    /// True for a directory.
    public var isDirectory: Bool

    /// Creates file information.
    public init(size: Int, modified: Double, isFile: Bool, isDirectory: Bool) {
        self.size = size
        self.modified = modified
        self.isFile = isFile
        self.isDirectory = isDirectory
    }

    init(_ info: stat) {
        size = Int(info.st_size)
        modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        isFile = info.st_mode & S_IFMT == S_IFREG
        isDirectory = info.st_mode & S_IFMT == S_IFDIR
    }
}
