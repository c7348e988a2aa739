import RegistrySweep

/// One in-progress multipart upload of a ListMultipartUploads page.
package struct MultipartUpload: Sendable, Hashable {
    /// The key the upload will create.
    package var key: String
    /// The upload id (what AbortMultipartUpload needs).
    package var uploadID: String
    /// When the upload was started, in Unix seconds.
    package var initiated: Double

    /// Creates an entry.
    package init(key: String, uploadID: String, initiated: Double) {
        self.key = key
        self.uploadID = uploadID
        self.initiated = initiated
    }
}

/// One page of a ListMultipartUploads answer (`<ListMultipartUploadsResult>`).
package struct MultipartUploadsPage: Sendable, Hashable {
    /// The uploads (`<Upload>`), in the store's order.
    package var uploads: [MultipartUpload]
    /// Whether more pages follow.
    package var isTruncated: Bool
    /// The `key-marker` of the next page; always present when ``isTruncated``.
    package var nextKeyMarker: String?
    /// The `upload-id-marker` of the next page, when sent.
    package var nextUploadIDMarker: String?

    /// Creates a page.
    package init(
        uploads: [MultipartUpload], isTruncated: Bool = false, nextKeyMarker: String? = nil,
        nextUploadIDMarker: String? = nil
    ) {
        self.uploads = uploads
        self.isTruncated = isTruncated
        self.nextKeyMarker = nextKeyMarker
        self.nextUploadIDMarker = nextUploadIDMarker
    }

    /// Parses a ListMultipartUploads response body.
    ///
    /// Required: the root `<ListMultipartUploadsResult>`, `<IsTruncated>`, a non-empty
    /// `<NextKeyMarker>` when truncated, and in each `<Upload>` a non-empty `<Key>` and
    /// `<UploadId>` and an ISO 8601 `<Initiated>`.
    ///
    /// - Parameter body: the response body, UTF-8.
    /// - Throws: `SweepError` `.io` if the body is not well-formed or lacks a required field.
    package init(xml body: [UInt8]) throws(SweepError) {
        let response = "ListMultipartUploads"
        let root = try XMLReader.parse(body)
        try root.expectRoot("ListMultipartUploadsResult", in: response)
        var uploads: [MultipartUpload] = []
        for upload in root.children(named: "Upload") {
            let key = try upload.requiredText("Key", in: response)
            let id = try upload.requiredText("UploadId", in: response)
            guard !key.isEmpty, !id.isEmpty else {
                throw S3XMLError.invalid(response, "an <Upload> entry has an empty <Key> or <UploadId>")
            }
            uploads.append(
                MultipartUpload(key: key, uploadID: id, initiated: try upload.requiredDate("Initiated", in: response)))
        }
        let isTruncated = try root.requiredBool("IsTruncated", in: response)
        let nextKey = try root.optionalText("NextKeyMarker", in: response)
        if isTruncated, nextKey?.isEmpty ?? true {
            throw S3XMLError.invalid(response, "<IsTruncated> is true but there is no <NextKeyMarker>")
        }
        self.init(
            uploads: uploads, isTruncated: isTruncated, nextKeyMarker: nextKey,
            nextUploadIDMarker: try root.optionalText("NextUploadIdMarker", in: response))
    }
}
