/// What ``SigV4Signer/sign(method:host:path:query:headers:payloadHash:time:)`` produces: the
/// request target to put in the URL and the headers to add, which agree with what was signed.
package struct SignedRequest: Sendable, Hashable {
    /// The URI-encoded path, then `?` and the canonical query string when there is a query:
    /// `/bucket/a%20b?list-type=2&prefix=x`. Send exactly this as the request target (append it
    /// to `scheme://host`) so the server canonicalizes the same string that was signed.
    package var pathAndQuery: String
    /// The headers to add to the request, in this order: `Authorization`, `x-amz-date`,
    /// `x-amz-content-sha256`, and `x-amz-security-token` when the credentials have a session
    /// token. The caller also sends the extra headers it passed to the signer, and its HTTP
    /// client must send `Host` as the `host` it passed.
    package var headers: [(name: String, value: String)]
    /// The canonical request that was hashed (for tests and debugging; it holds no secret).
    package var canonicalRequest: String
    /// The lowercase hex signature (the `Signature=` part of `Authorization`).
    package var signature: String

    /// The value of the header named `name` (case-insensitive) in ``headers``, if present.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// Equal when every field is equal (headers compared pairwise, in order).
    package static func == (lhs: SignedRequest, rhs: SignedRequest) -> Bool {
        lhs.pathAndQuery == rhs.pathAndQuery && lhs.canonicalRequest == rhs.canonicalRequest
            && lhs.signature == rhs.signature && lhs.headers.count == rhs.headers.count
            && zip(lhs.headers, rhs.headers).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Hashes the fields ``==(_:_:)`` compares.
    package func hash(into hasher: inout Hasher) {
        hasher.combine(pathAndQuery)
        hasher.combine(canonicalRequest)
        hasher.combine(signature)
        for header in headers {
            hasher.combine(header.name)
            hasher.combine(header.value)
        }
    }
}
