/// Something wrong with a store, found and reported without stopping the work.
///
/// Problems are not thrown: a scan, a verification or a collection lists every one it meets
/// and goes on (keeping whatever the problem might reference). They carry the same context as
/// a ``SweepError`` (code, path, digest, failing system call), and a caught error becomes a
/// problem through ``init(_:brokenTags:)``. Reports list them as-is; their JSON form is the one
/// below, for every command.
///
/// ## JSON
/// `code` (the ``SweepError/Code`` raw value), `message`, and when present `path`, `digest`
/// (`sha256:<hex>`), `cause` and `brokenTags`. When the problem names a system call, `message`
/// ends with ` (<syscall> errno <n>)`; decoding reads `syscall` and `errno` back from that
/// suffix, so a problem survives a round trip. `brokenTags` is present only where tags were
/// attributed (verification: always, possibly empty).
public struct StoreProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of problem this is.
    public var code: SweepError.Code
    /// What is wrong, as a sentence (without the system-call suffix; see "JSON").
    public var message: String
    /// The store-relative or absolute path involved, if any.
    public var path: String?
    /// The digest involved, if any.
    public var digest: Digest?
    /// The failing system call, if any.
    public var syscall: String?
    /// The `errno` it set, if any.
    public var errno: Int32?
    /// The description of the underlying error, if the problem came from an error with a cause.
    public var cause: String?
    /// `repository:tag` references that fail to pull because of this problem, sorted; `nil` where
    /// no attribution was made (scan and collection), empty when verification found none.
    public var brokenTags: [String]?

    /// Creates a problem.
    ///
    /// - Parameters:
    ///   - code: the kind of problem.
    ///   - message: what is wrong, as a sentence for an operator.
    ///   - path: the path involved.
    ///   - digest: the digest involved.
    ///   - syscall: the failing system call.
    ///   - errno: the `errno` it set.
    ///   - brokenTags: the tags it breaks, where they were attributed.
    public init(
        _ code: SweepError.Code, _ message: String, path: String? = nil, digest: Digest? = nil,
        syscall: String? = nil, errno: Int32? = nil, brokenTags: [String]? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.digest = digest
        self.syscall = syscall
        self.errno = errno
        self.brokenTags = brokenTags
    }

    /// The problem an error describes: every field of the error, its cause chain as text.
    ///
    /// - Parameters:
    ///   - error: the error caught while scanning, verifying or removing.
    ///   - brokenTags: the tags it breaks, where they were attributed.
    public init(_ error: SweepError, brokenTags: [String]? = nil) {
        self.init(
            error.code, error.message, path: error.path, digest: error.digest, syscall: error.syscall,
            errno: error.errno, brokenTags: brokenTags)
        cause = error.cause.map { String(describing: $0) }
    }

    /// The problem as an error, for callers that stop at it (the cause, if any, as its text).
    public var error: SweepError {
        SweepError(
            code, message, path: path, digest: digest, syscall: syscall, errno: errno,
            cause: cause.map { ProblemCause(description: $0) })
    }

    /// The message with the system call and `errno` appended, as JSON and text reports show it.
    public var detailedMessage: String {
        guard let syscall, let errno else { return message }
        return "\(message) (\(syscall) errno \(errno))"
    }

    /// `code: message [path, digest]`.
    public var description: String {
        let context = [path, digest?.description].compactMap { $0 }
        return "\(code): \(detailedMessage)" + (context.isEmpty ? "" : " [\(context.joined(separator: ", "))]")
    }

    private enum CodingKeys: String, CodingKey {
        case code, message, path, digest, cause, brokenTags
    }

    /// Decodes the JSON form (see "JSON"), reading `syscall` and `errno` from the message.
    ///
    /// - Throws: `DecodingError` for a missing `code` or `message` or a malformed field.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(SweepError.Code.self, forKey: .code)
        message = try container.decode(String.self, forKey: .message)
        path = try container.decodeIfPresent(String.self, forKey: .path)
        digest = try container.decodeIfPresent(Digest.self, forKey: .digest)
        cause = try container.decodeIfPresent(String.self, forKey: .cause)
        brokenTags = try container.decodeIfPresent([String].self, forKey: .brokenTags)
        if let (text, syscall, errno) = Self.splitSystemCall(message) {
            message = text
            self.syscall = syscall
            self.errno = errno
        }
    }

    /// Encodes the JSON form (see "JSON").
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(detailedMessage, forKey: .message)
        try container.encodeIfPresent(path, forKey: .path)
        try container.encodeIfPresent(digest, forKey: .digest)
        try container.encodeIfPresent(cause, forKey: .cause)
        try container.encodeIfPresent(brokenTags, forKey: .brokenTags)
    }

    /// Splits `message (syscall errno N)` into its parts, or `nil` without that suffix.
    private static func splitSystemCall(_ text: String) -> (String, String, Int32)? {
        guard text.hasSuffix(")"), let open = text.lastIndex(of: "("), open > text.startIndex else { return nil }
        let space = text.index(before: open)
        guard text[space] == " " else { return nil }
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)].split(separator: " ")
        guard inner.count == 3, inner[1] == "errno", let errno = Int32(inner[2]) else { return nil }
        return (String(text[..<space]), String(inner[0]), errno)
    }
}

/// A problem's cause, kept as the text it was reported with.
private struct ProblemCause: Error, CustomStringConvertible {
    var description: String
}
