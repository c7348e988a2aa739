import NIOHTTP1
import RegistrySweep

/// One answered S3 request: status, headers and the whole body.
struct S3Response: Sendable {
    /// The HTTP status code.
    var status: Int
    /// The response headers.
    var headers: HTTPHeaders
    /// The body, complete.
    var body: [UInt8]

    /// True for a 2xx status.
    var isSuccess: Bool { (200..<300).contains(status) }

    /// The S3 error code of the body (`NoSuchKey`, `SlowDown`, …), if it carries one.
    var errorCode: String? { (try? S3ErrorBody(xml: body))?.code }

    /// True when S3 asks for the request to be sent again: 500, 502, 503 (`SlowDown`), 504, and
    /// `RequestTimeout`/`InternalError` bodies.
    var isRetryable: Bool {
        if [500, 502, 503, 504].contains(status) { return true }
        if status == 400 || status == 429, let code = errorCode {
            return ["RequestTimeout", "SlowDown", "InternalError", "ServiceUnavailable", "TooManyRequests"].contains(
                code)
        }
        return false
    }

    /// The error this response means for `operation` on `path`: `.notFound` only for a 404
    /// that says the key is absent (`NoSuchKey`, or no body), never for another 404
    /// (`NoSuchBucket`: absence is never inferred from a missing bucket or a misrouted request);
    /// `.permissionDenied` for 403, `.invalidConfig` for a redirect (wrong region or endpoint),
    /// `.io` otherwise, with S3's code and message (never a credential).
    func error(_ operation: String, path: String?) -> SweepError {
        let parsed = try? S3ErrorBody(xml: body)
        let detail = parsed.map { "\($0.code): \($0.message)" } ?? "HTTP \(status)"
        let code: SweepError.Code =
            switch status {
            case 404 where parsed?.code == "NoSuchKey" || body.isEmpty: .notFound
            case 403: .permissionDenied
            case 301, 307, 308: .invalidConfig
            default: .io
            }
        var message = "S3 \(operation) failed (HTTP \(status), \(detail))"
        if status == 403 { message += ": check the credentials, the region and the bucket policy" }
        if code == .invalidConfig { message += ": the bucket is in another region or behind another endpoint" }
        return SweepError(code, message, path: path)
    }

    /// The error of a failed listing: as ``error(_:path:)``, except that nothing is ever
    /// `.notFound` (an absent prefix lists empty; a 404 means the bucket or the endpoint is wrong).
    func listingError(_ operation: String, path: String?) -> SweepError {
        var error = error(operation, path: path)
        if error.code == .notFound { error.code = .io }
        return error
    }
}
