import RegistrySweep

/// The errors the S3 XML layer throws: always `SweepError` `.io` (the store's answer could not
/// be used), with a message naming the response and what was wrong.
package enum S3XMLError {
    /// A body that is not well-formed XML (or is truncated): `what` and the byte offset.
    package static func malformed(_ what: String, at offset: Int) -> SweepError {
        SweepError(
            .io,
            "the S3 response body is not well-formed XML: \(what) at byte \(offset) "
                + "(a truncated or corrupted answer; retry the request)")
    }

    /// A well-formed body that lacks what the response must contain.
    ///
    /// - Parameters:
    ///   - response: the operation (`ListObjectsV2`, `DeleteObjects`, …).
    ///   - what: what is missing or wrong.
    package static func invalid(_ response: String, _ what: String) -> SweepError {
        SweepError(.io, "the S3 \(response) response is invalid: \(what)")
    }
}
