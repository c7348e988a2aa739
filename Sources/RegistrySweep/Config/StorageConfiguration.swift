import Yams

/// The `storage` section of a registry's `config.yml`: the driver and its parameters.
///
/// The driver is the one key of `storage` that is not `delete`, `cache`, `maintenance`,
/// `redirect` or `tag` (as the registry reads it); its parameters are kept as YAML gave them
/// (scalars as text), so any driver's settings can be read: `rootdirectory` for `filesystem`;
/// `bucket`, `region`, `regionendpoint`, `rootdirectory`, `accesskey`, … for `s3`.
public struct StorageConfiguration: Sendable, Equatable {
    /// A parameter's value.
    public indirect enum Value: Sendable, Equatable {
        /// A scalar, as written (`true`, `5`, `us-east-1`).
        case string(String)
        /// A sequence.
        case list([Value])
        /// A mapping.
        case map([String: Value])
        /// An empty value (`key:` or `~`).
        case null

        /// The scalar's text, `nil` for anything else.
        public var string: String? {
            if case .string(let text) = self { return text }
            return nil
        }
    }

    /// The keys of `storage` that configure the registry, not a driver.
    public static let nonDriverKeys: Set<String> = ["delete", "cache", "maintenance", "redirect", "tag"]
    /// The drivers this tool can open a store with.
    public static let supportedDrivers = ["filesystem"]
    /// The filesystem driver's default `rootdirectory`, as the registry's.
    public static let defaultRootDirectory = "/var/lib/registry"

    /// The driver's name (`filesystem`, `s3`, `azure`, …).
    public var driver: String
    /// The driver's parameters (empty when the driver key has no value).
    public var parameters: [String: Value]

    /// Creates a configuration.
    public init(driver: String, parameters: [String: Value] = [:]) {
        self.driver = driver
        self.parameters = parameters
    }

    /// A scalar parameter's text (`nil` when absent or not a scalar).
    public subscript(_ key: String) -> String? { parameters[key]?.string }

    /// The filesystem driver's `rootdirectory` (default `/var/lib/registry`).
    ///
    /// - Throws: `.invalidConfig` naming the driver if it is not `filesystem`.
    public func filesystemRootDirectory() throws(SweepError) -> String {
        guard driver == "filesystem" else { throw unsupported() }
        guard let root = self["rootdirectory"], !root.isEmpty else { return Self.defaultRootDirectory }
        return root
    }

    /// Opens the store this configuration describes.
    ///
    /// - Returns: a ``FileSystemBackend`` on `rootdirectory` for the `filesystem` driver.
    /// - Throws: `.invalidConfig` naming an unsupported driver; the backend's errors opening it.
    public func makeBackend() throws(SweepError) -> any StorageBackend {
        try FileSystemBackend(root: filesystemRootDirectory())
    }

    /// The error for a driver this tool cannot open.
    func unsupported() -> SweepError {
        SweepError(
            .invalidConfig,
            "storage driver \"\(driver)\" is not supported; supported: \(Self.supportedDrivers.joined(separator: ", "))"
        )
    }

    /// Reads the `storage` section.
    ///
    /// - Parameters:
    ///   - section: the YAML node of `storage`.
    ///   - path: the file, for messages.
    /// - Throws: `.invalidConfig` if it is not a mapping, or names no driver or several.
    init(section: Node, path: String) throws(SweepError) {
        guard let mapping = section.mapping else {
            throw SweepError(.invalidConfig, "the storage section is not a mapping", path: path)
        }
        var drivers: [(String, Node)] = []
        for (key, value) in mapping {
            guard let name = key.string else { continue }
            if !Self.nonDriverKeys.contains(name) { drivers.append((name, value)) }
        }
        guard drivers.count == 1, let (driver, node) = drivers.first else {
            let names = drivers.map { "\"\($0.0)\"" }.joined(separator: ", ")
            throw SweepError(
                .invalidConfig,
                drivers.isEmpty
                    ? "the storage section names no driver; give exactly one (supported: \(Self.supportedDrivers.joined(separator: ", ")))"
                    : "the storage section names several drivers (\(names)); give exactly one",
                path: path)
        }
        self.driver = driver
        switch Self.value(node) {
        case .map(let parameters): self.parameters = parameters
        case .null: self.parameters = [:]
        default:
            throw SweepError(
                .invalidConfig, "storage driver \"\(driver)\" has parameters that are not a mapping", path: path)
        }
    }

    /// A YAML node as a value; mapping keys that are not scalars are skipped.
    static func value(_ node: Node) -> Value {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain && (scalar.string == "~" || scalar.string == "null" || scalar.string.isEmpty) {
                return .null
            }
            return .string(scalar.string)
        case .sequence(let sequence):
            return .list(sequence.map(value))
        case .mapping(let mapping):
            var result: [String: Value] = [:]
            for (key, item) in mapping {
                if let name = key.string { result[name] = value(item) }
            }
            return .map(result)
        }
    }
}
