import Yams

/// The parts of a registry's `config.yml` this tool needs.
public struct RegistryConfig: Sendable, Equatable {
    /// `storage.filesystem.rootdirectory` (default `/var/lib/registry`, as the registry's).
    public var rootDirectory: String
    /// True when `storage.cache` is configured: a running registry may then serve stale
    /// "blob exists" answers after offline deletion until it is restarted.
    public var hasBlobDescriptorCache: Bool

    /// Reads a registry configuration file.
    ///
    /// - Parameter path: the `config.yml` path.
    /// - Throws: `.invalidConfig` if it is unreadable, not YAML, or its storage driver is not
    ///   `filesystem` (only the filesystem driver is supported).
    public static func load(path: String) throws(SweepError) -> RegistryConfig {
        let backend = try FileSystemBackend(root: "/")
        let relative = String(path.drop { $0 == "/" })
        let text: String
        do {
            if path.hasPrefix("/") {
                text = try backend.withContentsSync(of: relative, limit: 1 << 20) { String(decoding: $0, as: UTF8.self) }
            } else {
                let cwd = try FileSystemBackend(root: ".")
                text = try cwd.withContentsSync(of: path, limit: 1 << 20) { String(decoding: $0, as: UTF8.self) }
            }
        } catch {
            throw SweepError(.invalidConfig, "cannot read the registry configuration: \(error.message)", path: path, syscall: error.syscall, errno: error.errno)
        }
        return try parse(text, path: path)
    }

    /// Parses configuration YAML.
    ///
    /// - Throws: `.invalidConfig` naming `path`.
    public static func parse(_ text: String, path: String = "config.yml") throws(SweepError) -> RegistryConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SweepError(.invalidConfig, "not valid YAML: \(error)", path: path)
        }
        guard let storage = node?["storage"] else {
            throw SweepError(.invalidConfig, "no storage section", path: path)
        }
        for driver in ["s3", "azure", "gcs", "swift", "oss", "inmemory"] where storage[driver] != nil {
            throw SweepError(.invalidConfig, "storage driver \(driver) is not supported yet; only filesystem", path: path)
        }
        let root = storage["filesystem"]?["rootdirectory"]?.string ?? "/var/lib/registry"
        return RegistryConfig(rootDirectory: root, hasBlobDescriptorCache: storage["cache"] != nil)
    }
}
