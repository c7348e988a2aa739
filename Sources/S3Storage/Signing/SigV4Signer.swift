import Crypto
import RegistrySweep
import Synchronization

/// Signs S3 requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`, `Authorization` header,
/// payload in a single chunk).
///
/// The signer encodes the path and query itself and returns them with the headers
/// (``SignedRequest/pathAndQuery``), so the URL sent and the string signed cannot disagree.
/// Object keys are given raw (`/bucket/docker/registry/v2/a b`), never pre-encoded.
///
/// The signed headers are `host`, `x-amz-content-sha256`, `x-amz-date`,
/// `x-amz-security-token` (with a session token) and every extra header the caller passes
/// (`content-md5`, `if-none-match`, `content-type`, `range`, …), lowercased and sorted.
///
/// ## Thread safety
/// Sendable; call it from any number of tasks. The derived signing key depends only on the
/// day, so the last one is cached behind a `Mutex` and recomputed when the date changes.
///
/// ## Performance
/// One SHA-256 of the canonical request and one HMAC per request (five on the first request of
/// a day); the rest is string building in O(path + query + headers).
package final class SigV4Signer: Sendable, CustomStringConvertible, CustomReflectable {
    /// The value of `x-amz-content-sha256` for a body that is not hashed (allowed over HTTPS).
    package static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// The hex SHA-256 of an empty body (every GET, HEAD and DELETE).
    package static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The credentials requests are signed with.
    package let credentials: S3Credentials
    /// The region in the credential scope (`us-east-1`; what the store expects, for MinIO and
    /// SeaweedFS usually `us-east-1`).
    package let region: String
    /// The service in the credential scope: `s3`.
    package let service: String

    /// The signing key of the last day used (`yyyymmdd`), if any.
    private let cachedKey = Mutex<(day: String, key: [UInt8])?>(nil)

    /// Creates a signer.
    ///
    /// - Parameters:
    ///   - credentials: the access key, secret key and optional session token.
    ///   - region: the region of the credential scope.
    ///   - service: the service of the credential scope; `s3` for S3.
    package init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Signs one request.
    ///
    /// - Parameters:
    ///   - method: the HTTP method, uppercase (`GET`, `PUT`, `DELETE`, `HEAD`, `POST`).
    ///   - host: the `Host` header the HTTP client will send: the host name, with `:port` when the
    ///     port is not the scheme's default (`localhost:8333`).
    ///   - path: the raw absolute path, starting with `/` (`/bucket/docker/registry/v2/…`); each
    ///     segment is URI-encoded here, `/` separators kept.
    ///   - query: the raw query parameters in any order (an empty value gives `name=`).
    ///   - headers: extra headers to sign and send, in any case; values are trimmed and inner
    ///     runs of spaces collapsed for signing (send them the same way). They must not include
    ///     `host`, `authorization` or the `x-amz-date`, `x-amz-content-sha256`,
    ///     `x-amz-security-token` headers the signer adds.
    ///   - payloadHash: the lowercase hex SHA-256 of the body, ``emptyPayloadHash`` for no body,
    ///     or ``unsignedPayload``.
    ///   - time: the request time in Unix seconds (the server allows 15 minutes of skew).
    /// - Returns: the encoded request target and the headers to add.
    /// - Throws: `SweepError` `.invalidArgument` if the path does not start with `/`, a header
    ///   name is empty, not an HTTP token or repeated (or is one the signer sets), or a header
    ///   value holds a line break.
    package func sign(
        method: String, host: String, path: String, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], payloadHash: String, time: Int64
    ) throws(SweepError) -> SignedRequest {
        guard path.utf8.first == UInt8(ascii: "/") else {
            throw SweepError(.invalidArgument, "an S3 request path must start with '/'", path: path)
        }
        let amzDate = Self.amzDate(time)
        let day = String(amzDate.prefix(8))

        var signed: [(name: String, value: String)] = [
            ("host", host), ("x-amz-content-sha256", payloadHash), ("x-amz-date", amzDate),
        ]
        if let token = credentials.sessionToken { signed.append(("x-amz-security-token", token)) }
        let reserved: Set<String> = [
            "host", "authorization", "x-amz-date", "x-amz-content-sha256",
            "x-amz-security-token",
        ]
        var seen: Set<String> = []
        for header in headers {
            let name = header.name.lowercased()
            guard !name.isEmpty, name.utf8.allSatisfy(Self.isTokenByte) else {
                throw SweepError(.invalidArgument, "the HTTP header name '\(header.name)' is not a valid token")
            }
            guard !reserved.contains(name), seen.insert(name).inserted else {
                throw SweepError(
                    .invalidArgument, "the header '\(name)' is given twice or is one the S3 signer sets itself")
            }
            guard !header.value.utf8.contains(where: { $0 == 10 || $0 == 13 }) else {
                throw SweepError(.invalidArgument, "the value of the header '\(name)' contains a line break")
            }
            signed.append((name, header.value))
        }
        for index in signed.indices { signed[index].value = Self.normalizedHeaderValue(signed[index].value) }
        signed.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }

        let canonicalPath = Self.uriEncode(path, keepSlash: true)
        let canonicalQuery = Self.canonicalQuery(query)
        let signedHeaders = signed.map(\.name).joined(separator: ";")
        var canonical = method + "\n" + canonicalPath + "\n" + canonicalQuery + "\n"
        for header in signed { canonical += header.name + ":" + header.value + "\n" }
        canonical += "\n" + signedHeaders + "\n" + payloadHash

        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign =
            "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
            + Self.hex(SHA256.hash(data: Array(canonical.utf8)))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signingKey(day: day))
        let signature = Self.hex(mac)

        var out: [(name: String, value: String)] = [
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), "
                    + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
            ),
            ("x-amz-date", amzDate),
            ("x-amz-content-sha256", payloadHash),
        ]
        if let token = credentials.sessionToken { out.append(("x-amz-security-token", token)) }
        return SignedRequest(
            pathAndQuery: canonicalQuery.isEmpty ? canonicalPath : canonicalPath + "?" + canonicalQuery,
            headers: out, canonicalRequest: canonical, signature: signature)
    }

    /// The signing key for `day` (`yyyymmdd`): from the cache when the day matches, else derived
    /// as HMAC chains of `AWS4` + secret over the day, region, service and `aws4_request`.
    func signingKey(day: String) -> SymmetricKey {
        if let hit = cachedKey.withLock({ $0?.day == day ? $0?.key : nil }) { return SymmetricKey(data: hit) }
        // Derived outside the lock: two tasks may both derive it at midnight; both get the same key.
        var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
        for part in [day, region, service, "aws4_request"] {
            key = Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: SymmetricKey(data: key)))
        }
        let derived = key
        cachedKey.withLock { $0 = (day, derived) }
        return SymmetricKey(data: derived)
    }

    /// `SigV4Signer(accessKeyID: …, region: …, service: …)`: never the secret or a derived key.
    package var description: String {
        "SigV4Signer(accessKeyID: \(credentials.accessKeyID), region: \(region), service: \(service))"
    }

    /// A mirror with the credentials (which show their access key id only), region and service:
    /// the cached signing key is not shown.
    package var customMirror: Mirror {
        Mirror(self, children: ["credentials": credentials, "region": region, "service": service])
    }

    /// Whether `byte` may appear in an HTTP header name (RFC 9110 `tchar`).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        if isUnreserved(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "^"), UInt8(ascii: "`"),
            UInt8(ascii: "|"):
            return true
        default:
            return false
        }
    }
}
