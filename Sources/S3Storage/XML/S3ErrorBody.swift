import RegistrySweep

/// The body of an S3 error answer (`<Error>`): what the store says went wrong.
package struct S3ErrorBody: Sendable, Hashable {
    /// The S3 error code (`NoSuchKey`, `SlowDown`, `SignatureDoesNotMatch`, …).
    package var code: String
    /// The store's message; empty when it sent none.
    package var message: String
    /// The resource the error is about, when sent.
    package var resource: String?
    /// The request id, when sent (quote it to the store's operator).
    package var requestID: String?

    /// Creates an error body.
    package init(code: String, message: String, resource: String? = nil, requestID: String? = nil) {
        self.code = code
        self.message = message
        self.resource = resource
        self.requestID = requestID
    }

    /// Parses an S3 error body.
    ///
    /// Required: the root `<Error>` with a non-empty `<Code>`; `<Message>`, `<Resource>` and
    /// `<RequestId>` are optional.
    ///
    /// - Parameter body: the response body, UTF-8.
    /// - Throws: `SweepError` `.io` if the body is not well-formed or has no code.
    package init(xml body: [UInt8]) throws(SweepError) {
        let response = "error"
        let root = try XMLReader.parse(body)
        try root.expectRoot("Error", in: response)
        let code = try root.requiredText("Code", in: response)
        guard !code.isEmpty else { throw S3XMLError.invalid(response, "<Code> is empty") }
        self.init(
            code: code, message: try root.optionalText("Message", in: response) ?? "",
            resource: try root.optionalText("Resource", in: response),
            requestID: try root.optionalText("RequestId", in: response))
    }
}
