import RegistrySweep

/// The answer to a DeleteObjects request (`<DeleteResult>`): what was deleted, what was not.
package struct DeleteObjectsResult: Sendable, Hashable {
    /// A key the store could not delete, with its reason.
    package struct Failure: Sendable, Hashable {
        /// The key.
        package var key: String
        /// The S3 error code (`AccessDenied`, `InternalError`, …).
        package var code: String
        /// The store's message; empty when it sent none.
        package var message: String

        /// Creates a failure.
        package init(key: String, code: String, message: String) {
            self.key = key
            self.code = code
            self.message = message
        }
    }

    /// The keys reported deleted (`<Deleted><Key>`); in quiet mode the store lists none.
    package var deleted: [String]
    /// The keys not deleted (`<Error>` entries).
    package var failures: [Failure]

    /// Creates a result.
    package init(deleted: [String], failures: [Failure]) {
        self.deleted = deleted
        self.failures = failures
    }

    /// Parses a DeleteObjects response body.
    ///
    /// Required: the root `<DeleteResult>`, a `<Key>` in each `<Deleted>`, and a `<Key>` and
    /// `<Code>` in each `<Error>` (`<Message>` is optional).
    ///
    /// - Parameter body: the response body, UTF-8.
    /// - Throws: `SweepError` `.io` if the body is not well-formed or lacks a required field.
    package init(xml body: [UInt8]) throws(SweepError) {
        let response = "DeleteObjects"
        let root = try XMLReader.parse(body)
        try root.expectRoot("DeleteResult", in: response)
        var deleted: [String] = []
        var failures: [Failure] = []
        for child in root.children {
            switch child.name {
            case "Deleted":
                deleted.append(try child.requiredText("Key", in: response))
            case "Error":
                failures.append(
                    Failure(
                        key: try child.requiredText("Key", in: response),
                        code: try child.requiredText("Code", in: response),
                        message: try child.optionalText("Message", in: response) ?? ""))
            default:
                continue
            }
        }
        self.init(deleted: deleted, failures: failures)
    }
}
