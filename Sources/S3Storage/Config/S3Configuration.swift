import RegistrySweep

/// Everything needed to open an ``S3Backend``: where the store is, the credentials, and how hard
/// to drive the server.
public struct S3Configuration: Sendable, CustomStringConvertible {
    /// The endpoint, bucket and root prefix.
    public var location: S3Location
    /// The signing keys (printed as the access key id only).
    public var credentials: S3Credentials
    /// Requests in flight at most (the connection pool's size). 32 was the fastest on loopback
    /// against SeaweedFS and keeps a real S3 endpoint's per-prefix request rates far away.
    public var concurrency = 32
    /// Attempts per request before a retryable failure (500, 503, SlowDown, a reset or a timeout)
    /// is given up as an error.
    public var maxAttempts = 6
    /// Seconds one attempt may take (connect, send, first byte and body) before it is retried.
    public var requestTimeout: Double = 60
    /// The first retry's delay in seconds, doubled per attempt up to ``maxRetryDelay``, with full jitter.
    public var retryDelay: Double = 0.05
    /// The longest delay between two attempts, in seconds.
    public var maxRetryDelay: Double = 5
    /// How long a lock object holds the store when its run stops renewing it (a crashed run), seconds.
    public var lockLifetime: Double = 900
    /// Seconds added to every last-modified time the store reports: S3 times have one-second
    /// resolution and come from the server's clock. An object is taken as written at the latest
    /// moment it could have been (so it looks young for longer, never older than it is).
    public var clockAllowance: Double = 2
    /// Whether a scan may take a link's content as proven by its listed ETag (the MD5 of the
    /// exact bytes the registry writes) instead of reading it: see
    /// ``S3Backend/provenLinkContent(_:)``. Off, every link is read with a GET.
    public var linkProofs = true

    /// Creates a configuration.
    public init(location: S3Location, credentials: S3Credentials) {
        self.location = location
        self.credentials = credentials
    }

    /// The store and the access key id: never a secret.
    public var description: String {
        "\(location) (endpoint \(location.scheme)://\(location.host):\(location.port), \(credentials))"
    }

    /// Reads the registry's `storage.s3` section (`bucket`, `region`, `regionendpoint`,
    /// `rootdirectory`, `accesskey`, `secretkey`, `secure`, `v4auth`, `forcepathstyle`).
    /// Credentials the section does not give come from `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` in `environment`.
    ///
    /// - Throws: `.invalidConfig` for another driver, a missing bucket or region, `v4auth: false`
    ///   (signature version 2 is not supported), a bad endpoint, or no credentials.
    public init(storage: StorageConfiguration, environment: [String: String]) throws(SweepError) {
        guard storage.driver == "s3" else {
            throw SweepError(.invalidConfig, "storage driver \"\(storage.driver)\" is not s3")
        }
        guard let bucket = storage["bucket"], !bucket.isEmpty else {
            throw SweepError(.invalidConfig, "storage.s3 has no bucket")
        }
        guard let region = storage["region"], !region.isEmpty else {
            throw SweepError(.invalidConfig, "storage.s3 has no region")
        }
        if let v4 = storage["v4auth"], Self.bool(v4) == false {
            throw SweepError(.invalidConfig, "storage.s3.v4auth is false: only signature version 4 is supported")
        }
        let secure = storage["secure"].flatMap(Self.bool) ?? true
        let endpoint = storage["regionendpoint"].flatMap { $0.isEmpty ? nil : $0 }
        let location: S3Location
        if let endpoint {
            location = try Self.location(
                endpoint: endpoint, defaultScheme: secure ? "https" : "http", bucket: bucket,
                rootDirectory: storage["rootdirectory"] ?? "", region: region, pathStyle: true)
        } else {
            location = try S3Location(
                scheme: secure ? "https" : "http", host: "s3.\(region).amazonaws.com", port: secure ? 443 : 80,
                bucket: bucket, rootDirectory: storage["rootdirectory"] ?? "", region: region,
                pathStyle: storage["forcepathstyle"].flatMap(Self.bool) ?? false)
        }
        let credentials = try Self.credentials(
            accessKey: storage["accesskey"], secretKey: storage["secretkey"], sessionToken: storage["sessiontoken"],
            environment: environment)
        self.init(location: location, credentials: credentials)
    }

    /// Parses `s3://BUCKET[/ROOTDIRECTORY]` with the endpoint and region given beside it;
    /// credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    ///
    /// - Parameters:
    ///   - url: `s3://bucket` or `s3://bucket/root/directory`.
    ///   - endpoint: `http(s)://host[:port]`, or `nil` for AWS (`s3.<region>.amazonaws.com`).
    ///   - region: the signing region (`us-east-1` when `nil`).
    ///   - environment: where the credentials are read.
    /// - Throws: `.invalidConfig` for a malformed URL or endpoint, or no credentials.
    public init(url: String, endpoint: String?, region: String?, environment: [String: String]) throws(SweepError) {
        guard url.hasPrefix("s3://") else {
            throw SweepError(.invalidConfig, "not an s3:// URL: \(url)")
        }
        let rest = url.dropFirst(5)
        let bucket = String(rest.prefix { $0 != "/" })
        let root = String(rest.dropFirst(bucket.count))
        let region = region ?? environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let location: S3Location
        if let endpoint {
            location = try Self.location(
                endpoint: endpoint, defaultScheme: "https", bucket: bucket, rootDirectory: root, region: region,
                pathStyle: true)
        } else {
            location = try S3Location(
                scheme: "https", host: "s3.\(region).amazonaws.com", port: 443, bucket: bucket, rootDirectory: root,
                region: region, pathStyle: false)
        }
        self.init(
            location: location,
            credentials: try Self.credentials(
                accessKey: nil, secretKey: nil, sessionToken: nil, environment: environment))
    }

    /// An endpoint URL (`http://127.0.0.1:8333`, `https://minio.example`, or a bare host).
    static func location(
        endpoint: String, defaultScheme: String, bucket: String, rootDirectory: String, region: String, pathStyle: Bool
    ) throws(SweepError) -> S3Location {
        var scheme = defaultScheme
        var rest = Substring(endpoint)
        if let range = rest.range(of: "://") {
            scheme = String(rest[..<range.lowerBound]).lowercased()
            rest = rest[range.upperBound...]
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("@"), !rest.isEmpty else {
            throw SweepError(.invalidConfig, "the S3 endpoint \"\(endpoint)\" is not scheme://host[:port]")
        }
        var host = String(rest)
        var port = scheme == "https" ? 443 : 80
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let parsed = Int(rest[rest.index(after: colon)...]) else {
                throw SweepError(.invalidConfig, "the S3 endpoint \"\(endpoint)\" has an invalid port")
            }
            port = parsed
            host = String(rest[..<colon])
        }
        return try S3Location(
            scheme: scheme, host: host, port: port, bucket: bucket, rootDirectory: rootDirectory, region: region,
            pathStyle: pathStyle)
    }

    /// The credentials from the configuration, else from the environment.
    static func credentials(
        accessKey: String?, secretKey: String?, sessionToken: String?, environment: [String: String]
    ) throws(SweepError) -> S3Credentials {
        if let accessKey, !accessKey.isEmpty, let secretKey, !secretKey.isEmpty {
            return S3Credentials(accessKeyID: accessKey, secretAccessKey: secretKey, sessionToken: sessionToken)
        }
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else {
            throw SweepError(
                .invalidConfig,
                "no S3 credentials: set accesskey and secretkey in storage.s3, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return S3Credentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
    }

    /// A YAML boolean as the registry reads it.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }
}
