/// The keys that sign requests to an S3 or S3-compatible store.
///
/// The secret key never leaves this value except into the signer's HMAC: `description`,
/// `debugDescription` and the mirror `dump(_:)` and debuggers use show the access key id
/// only, so credentials can be logged, interpolated into errors or printed by a test failure
/// without leaking the secret or the session token.
public struct S3Credentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key id (`AKIA…`), public: it appears in every request's `Authorization` header.
    public var accessKeyID: String
    /// The secret access key. Only the signer reads it.
    package var secretAccessKey: String
    /// The session token of temporary credentials (STS), sent as `x-amz-security-token`; `nil`
    /// for long-term keys.
    package var sessionToken: String?

    /// Creates credentials.
    ///
    /// - Parameters:
    ///   - accessKeyID: the access key id.
    ///   - secretAccessKey: the secret access key.
    ///   - sessionToken: the session token of temporary credentials, or `nil`.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// `S3Credentials(accessKeyID: AKIA…)`, plus `, session token` when there is one: never the
    /// secret key or the token itself.
    public var description: String {
        "S3Credentials(accessKeyID: \(accessKeyID)\(sessionToken == nil ? "" : ", session token"))"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// A mirror with the access key id only, so `dump(_:)` and debuggers do not show the secret.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyID": accessKeyID], displayStyle: .struct)
    }
}
