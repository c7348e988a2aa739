#if canImport(Glibc)
    import Glibc
#endif

/// Writes to standard error without Foundation.
enum FileHandleShim {
    static func writeStderr(_ text: String) {
        var copy = text
        copy.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }
}
