import RegistrySweep

/// Where a registry's objects live in an S3 or S3-compatible store: the endpoint, the bucket and
/// the key prefix the registry's `rootdirectory` gives.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    /// `https` or `http`.
    public var scheme: String
    /// The endpoint's host name or address (without the bucket, for path-style requests).
    public var host: String
    /// The endpoint's port.
    public var port: Int
    /// The bucket.
    public var bucket: String
    /// The key prefix of the store root without leading or trailing `/` (`""`: the bucket's root),
    /// as the registry's s3 driver derives it from `rootdirectory`.
    public var rootDirectory: String
    /// The region requests are signed for.
    public var region: String
    /// Path-style requests (`host/bucket/key`) rather than virtual-hosted ones (`bucket.host/key`):
    /// always with a custom endpoint, as the registry's driver does.
    public var pathStyle: Bool

    /// Creates a location.
    ///
    /// - Throws: `.invalidConfig` for an empty or invalid bucket name, an empty host or region,
    ///   or a root directory with an empty, `.` or `..` component.
    public init(
        scheme: String, host: String, port: Int, bucket: String, rootDirectory: String, region: String, pathStyle: Bool
    ) throws(SweepError) {
        guard scheme == "http" || scheme == "https" else {
            throw SweepError(.invalidConfig, "the S3 endpoint's scheme must be http or https, not \"\(scheme)\"")
        }
        guard !host.isEmpty, (1...65535).contains(port) else {
            throw SweepError(.invalidConfig, "the S3 endpoint has no host or an invalid port")
        }
        guard Self.isValidBucket(bucket) else {
            throw SweepError(
                .invalidConfig,
                "\"\(bucket)\" is not a valid bucket name (3-63 characters: lowercase letters, digits, '.', '-', '_')")
        }
        guard !region.isEmpty else {
            throw SweepError(.invalidConfig, "the S3 region is empty: give it (e.g. us-east-1)")
        }
        let root = Self.trimmedRoot(rootDirectory)
        guard root.isEmpty || StorePath.isSafe(root) else {
            throw SweepError(
                .invalidConfig, "the S3 root directory \"\(rootDirectory)\" has an empty, '.' or '..' component")
        }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.bucket = bucket
        self.rootDirectory = root
        self.region = region
        self.pathStyle = pathStyle
    }

    /// The registry's derivation: `rootdirectory` without surrounding `/`.
    static func trimmedRoot(_ text: String) -> String {
        var root = Substring(text)
        while root.hasPrefix("/") { root = root.dropFirst() }
        while root.hasSuffix("/") { root = root.dropLast() }
        return String(root)
    }

    /// S3's bucket naming rules, relaxed to what S3-compatible stores accept (`_`, uppercase is not).
    static func isValidBucket(_ name: String) -> Bool {
        (3...63).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E || $0 == 0x2D || $0 == 0x5F
            }
    }

    /// `s3://bucket/root`: the store, never a credential.
    public var description: String { rootDirectory.isEmpty ? "s3://\(bucket)" : "s3://\(bucket)/\(rootDirectory)" }

    /// The `Host` header requests carry: the endpoint host (prefixed by the bucket for
    /// virtual-hosted requests), with the port when it is not the scheme's default.
    var hostHeader: String {
        let name = pathStyle ? host : "\(bucket).\(host)"
        let defaultPort = scheme == "https" ? 443 : 80
        return port == defaultPort ? name : "\(name):\(port)"
    }

    /// The raw request path of an object key (`""`: the bucket itself).
    func requestPath(key: String) -> String {
        pathStyle ? "/\(bucket)/\(key)" : "/\(key)"
    }

    /// The object key of a store-relative path.
    func key(_ path: String) -> String {
        if rootDirectory.isEmpty { return path }
        return path.isEmpty ? rootDirectory : "\(rootDirectory)/\(path)"
    }

    /// The store-relative path of an object key below the root, `nil` for a key outside it.
    func path(ofKey key: String) -> String? {
        if rootDirectory.isEmpty { return key }
        guard key.hasPrefix(rootDirectory + "/") else { return nil }
        return String(key.dropFirst(rootDirectory.utf8.count + 1))
    }
}
