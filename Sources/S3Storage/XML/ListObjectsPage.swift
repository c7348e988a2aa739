import RegistrySweep

/// One object of a ListObjectsV2 page.
package struct ObjectEntry: Sendable, Hashable {
    /// The object key, exactly as stored (entities decoded, nothing trimmed).
    package var key: String
    /// The size in bytes.
    package var size: Int
    /// The last-modified time, in Unix seconds (fraction kept).
    package var lastModified: Double
    /// The entity tag as sent, quotes included (`"9b2cf535f27731c974343645a3985328"`); empty
    /// when the store sends none.
    package var etag: String

    /// Creates an entry.
    package init(key: String, size: Int, lastModified: Double, etag: String) {
        self.key = key
        self.size = size
        self.lastModified = lastModified
        self.etag = etag
    }

    /// The ETag folded to 64 bits (``FileInfo/contentTag(of:)``), 0 when the store sent none.
    package var contentTag: UInt64 { etag.isEmpty ? 0 : FileInfo.contentTag(of: etag) }
}

/// One page of a ListObjectsV2 answer (`<ListBucketResult>`).
package struct ListObjectsPage: Sendable, Hashable {
    /// The objects (`<Contents>`), in the store's order (UTF-8 binary order of keys on AWS).
    package var objects: [ObjectEntry]
    /// The common prefixes (`<CommonPrefixes><Prefix>`) when a delimiter was given.
    package var commonPrefixes: [String]
    /// Whether more pages follow.
    package var isTruncated: Bool
    /// The token for the next page; always present when ``isTruncated``.
    package var nextContinuationToken: String?
    /// The store's `KeyCount`, when sent (objects plus common prefixes on AWS).
    package var keyCount: Int?

    /// Creates a page.
    package init(
        objects: [ObjectEntry], commonPrefixes: [String] = [], isTruncated: Bool = false,
        nextContinuationToken: String? = nil, keyCount: Int? = nil
    ) {
        self.objects = objects
        self.commonPrefixes = commonPrefixes
        self.isTruncated = isTruncated
        self.nextContinuationToken = nextContinuationToken
        self.keyCount = keyCount
    }

    /// Parses a ListObjectsV2 response body.
    ///
    /// Required: the root `<ListBucketResult>`, `<IsTruncated>` (`true`/`false`), a non-empty
    /// `<NextContinuationToken>` when truncated, and in each `<Contents>` a non-empty `<Key>`,
    /// a non-negative integer `<Size>` and an ISO 8601 `<LastModified>`; `<ETag>` is optional.
    /// Every `<CommonPrefixes>` must hold a `<Prefix>`. Other elements (`Name`, `Prefix`,
    /// `MaxKeys`, `StorageClass`, `Owner`, …) are ignored.
    ///
    /// - Parameter body: the response body, UTF-8.
    /// - Throws: `SweepError` `.io` if the body is not well-formed or lacks a required field;
    ///   never a partial page.
    /// - Complexity: O(n) in the body's length.
    package init(xml body: [UInt8]) throws(SweepError) {
        let response = "ListObjectsV2"
        let root = try XMLReader.parse(body)
        try root.expectRoot("ListBucketResult", in: response)
        var objects: [ObjectEntry] = []
        var prefixes: [String] = []
        for child in root.children {
            switch child.name {
            case "Contents":
                let key = try child.requiredText("Key", in: response)
                guard !key.isEmpty else { throw S3XMLError.invalid(response, "a <Contents> entry has an empty <Key>") }
                objects.append(
                    ObjectEntry(
                        key: key, size: try child.requiredCount("Size", in: response),
                        lastModified: try child.requiredDate("LastModified", in: response),
                        etag: try child.optionalText("ETag", in: response) ?? ""))
            case "CommonPrefixes":
                prefixes.append(try child.requiredText("Prefix", in: response))
            default:
                continue
            }
        }
        let isTruncated = try root.requiredBool("IsTruncated", in: response)
        let token = try root.optionalText("NextContinuationToken", in: response)
        if isTruncated, token?.isEmpty ?? true {
            throw S3XMLError.invalid(response, "<IsTruncated> is true but there is no <NextContinuationToken>")
        }
        self.init(
            objects: objects, commonPrefixes: prefixes, isTruncated: isTruncated, nextContinuationToken: token,
            keyCount: try root.optionalCount("KeyCount", in: response))
    }
}
