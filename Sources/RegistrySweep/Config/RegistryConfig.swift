import Yams

/// The parts of a registry's `config.yml` this tool needs.
public struct RegistryConfig: Sendable, Equatable {
    /// The `storage` section: driver and parameters.
    public var storage: StorageConfiguration
    /// True when `storage.cache` is configured: a running registry may then serve stale
    /// "blob exists" answers after offline deletion until it is restarted.
    public var hasBlobDescriptorCache: Bool

    /// The filesystem driver's `rootdirectory` (``StorageConfiguration/filesystemRootDirectory()``).
    ///
    /// - Throws: `.invalidConfig` naming the driver if it is not `filesystem`.
    public var rootDirectory: String {
        get throws(SweepError) { try storage.filesystemRootDirectory() }
    }

    /// The largest configuration file read.
    static let maximumFileSize = 1 << 20

    /// Reads a registry configuration file.
    ///
    /// The file is read as a plain local file: symbolic links to it (or in its path) are
    /// followed, as the registry does (`/etc/docker/registry` is often a link into a
    /// config-management tree). The store's no-link rule applies to the store only.
    ///
    /// - Parameter path: the `config.yml` path (absolute, or relative to the working directory).
    /// - Throws: `.invalidConfig` if it is unreadable (with the failing call and errno), not
    ///   YAML, or its `storage` section is missing or names no driver or several.
    public static func load(path: String) throws(SweepError) -> RegistryConfig {
        let bytes: [UInt8]
        do {
            bytes = try LocalFile.read(path, limit: maximumFileSize)
        } catch {
            throw SweepError(
                .invalidConfig, "cannot read the registry configuration: \(error.message)", path: path,
                syscall: error.syscall, errno: error.errno)
        }
        return try parse(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses configuration YAML.
    ///
    /// Any driver parses (its parameters are in ``storage``); opening a store with one this
    /// tool does not support fails in ``StorageConfiguration/makeBackend()``.
    ///
    /// - Throws: `.invalidConfig` naming `path`.
    public static func parse(_ text: String, path: String = "config.yml") throws(SweepError) -> RegistryConfig {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SweepError(.invalidConfig, "not valid YAML: \(error)", path: path)
        }
        guard let section = node?["storage"] else {
            throw SweepError(.invalidConfig, "no storage section", path: path)
        }
        let storage = try StorageConfiguration(section: section, path: path)
        return RegistryConfig(storage: storage, hasBlobDescriptorCache: section["cache"] != nil)
    }
}
