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
    /// `MaxKeys`, `StorageClass`, `Owner`, …) are ignored. A field given twice, or holding
    /// elements instead of text, is an error.
    ///
    /// Read in one pass without a tree (``XMLReader/visit(_:_:)``): each entry is made when its
    /// `<Contents>` closes. The errors are those of reading the document as a tree first
    /// (``XMLReader/parse(_:)``) and then its fields: a body that is not well-formed is reported
    /// as such even after an invalid entry, then the root's name, then the first invalid entry
    /// or prefix, then the root's own fields.
    ///
    /// - Parameter body: the response body, UTF-8.
    /// - Throws: `SweepError` `.io` if the body is not well-formed or lacks a required field;
    ///   never a partial page.
    /// - Complexity: O(n) in the body's length; memory: the entries and one element's text.
    package init(xml body: [UInt8]) throws(SweepError) {
        var reader = ListObjectsReader()
        try XMLReader.visit(body, &reader)
        self = try reader.page()
    }
}

/// The ``XMLVisitor`` behind ``ListObjectsPage/init(xml:)``.
private struct ListObjectsReader: XMLVisitor {
    static let response = "ListObjectsV2"

    /// A field of an element: how often it came, and its first occurrence.
    struct Field {
        var count = 0
        var text = ""
        var hasChildren = false

        mutating func add(_ text: String, hasChildren: Bool) {
            if count == 0 {
                self.text = text
                self.hasChildren = hasChildren
            }
            count += 1
        }

        /// The text, as ``XMLElement/optionalText(_:in:)`` answers it for `name` in `parent`.
        func optional(_ name: String, in parent: String) throws(SweepError) -> String? {
            guard count > 0 else { return nil }
            guard count == 1 else { throw S3XMLError.invalid(response, "<\(parent)> has more than one <\(name)>") }
            guard !hasChildren else {
                throw S3XMLError.invalid(response, "<\(name)> in <\(parent)> holds elements, not text")
            }
            return text
        }

        func required(_ name: String, in parent: String) throws(SweepError) -> String {
            guard let text = try optional(name, in: parent) else {
                throw S3XMLError.invalid(response, "<\(parent)> has no <\(name)>")
            }
            return text
        }
    }

    var rootName: String?
    /// The child of the root being read (its name), while one is open.
    var top: String?
    var key = Field(), size = Field(), lastModified = Field(), etag = Field(), prefix = Field()
    var isTruncated = Field(), token = Field(), keyCount = Field()
    var objects: [ObjectEntry] = []
    var prefixes: [String] = []
    /// The first invalid entry or prefix: thrown once the whole body has been read.
    var invalid: SweepError?

    var readsFields: Bool { rootName == "ListBucketResult" && invalid == nil }

    mutating func open(_ name: String, depth: Int) throws(SweepError) {
        if depth == 0 {
            rootName = name
        } else if depth == 1 {
            top = name
            if name == "Contents" {
                key = Field()
                size = Field()
                lastModified = Field()
                etag = Field()
            } else if name == "CommonPrefixes" {
                prefix = Field()
            }
        }
    }

    mutating func close(_ name: String, depth: Int, text: String, hasChildren: Bool) throws(SweepError) {
        guard readsFields else { return }
        switch depth {
        case 2 where top == "Contents":
            switch name {
            case "Key": key.add(text, hasChildren: hasChildren)
            case "Size": size.add(text, hasChildren: hasChildren)
            case "LastModified": lastModified.add(text, hasChildren: hasChildren)
            case "ETag": etag.add(text, hasChildren: hasChildren)
            default: break
            }
        case 2 where top == "CommonPrefixes" && name == "Prefix":
            prefix.add(text, hasChildren: hasChildren)
        case 1:
            top = nil
            switch name {
            case "Contents":
                do throws(SweepError) {
                    objects.append(try entry())
                } catch {
                    invalid = error
                }
            case "CommonPrefixes":
                do throws(SweepError) {
                    prefixes.append(try prefix.required("Prefix", in: name))
                } catch {
                    invalid = error
                }
            case "IsTruncated": isTruncated.add(text, hasChildren: hasChildren)
            case "NextContinuationToken": token.add(text, hasChildren: hasChildren)
            case "KeyCount": keyCount.add(text, hasChildren: hasChildren)
            default: break
            }
        default:
            break
        }
    }

    /// The entry of the `<Contents>` that just closed, its fields checked in the tree reader's order.
    func entry() throws(SweepError) -> ObjectEntry {
        let parent = "Contents"
        let key = try key.required("Key", in: parent)
        guard !key.isEmpty else { throw S3XMLError.invalid(Self.response, "a <Contents> entry has an empty <Key>") }
        let sizeText = try size.required("Size", in: parent)
        guard let size = XMLElement.count(sizeText) else {
            throw S3XMLError.invalid(
                Self.response, "<Size> in <\(parent)> is not a non-negative integer: '\(sizeText)'")
        }
        let dateText = try lastModified.required("LastModified", in: parent)
        guard let seconds = ISO8601Timestamp.seconds(XMLElement.trimmed(dateText)) else {
            throw S3XMLError.invalid(
                Self.response, "<LastModified> in <\(parent)> is not an ISO 8601 timestamp: '\(dateText)'")
        }
        return ObjectEntry(
            key: key, size: size, lastModified: seconds, etag: try etag.optional("ETag", in: parent) ?? "")
    }

    /// The page, once the body has been read whole.
    func page() throws(SweepError) -> ListObjectsPage {
        let root = rootName ?? ""
        guard root == "ListBucketResult" else {
            throw S3XMLError.invalid(Self.response, "the root element is <\(root)>, not <ListBucketResult>")
        }
        if let invalid { throw invalid }
        let truncatedText = try isTruncated.required("IsTruncated", in: root)
        let truncated: Bool
        switch XMLElement.trimmed(truncatedText) {
        case "true": truncated = true
        case "false": truncated = false
        default:
            throw S3XMLError.invalid(
                Self.response, "<IsTruncated> in <\(root)> is not true or false: '\(truncatedText)'")
        }
        let next = try token.optional("NextContinuationToken", in: root)
        if truncated, next?.isEmpty ?? true {
            throw S3XMLError.invalid(Self.response, "<IsTruncated> is true but there is no <NextContinuationToken>")
        }
        var count: Int?
        if let text = try keyCount.optional("KeyCount", in: root) {
            guard let value = XMLElement.count(text) else {
                throw S3XMLError.invalid(
                    Self.response, "<KeyCount> in <\(root)> is not a non-negative integer: '\(text)'")
            }
            count = value
        }
        return ListObjectsPage(
            objects: objects, commonPrefixes: prefixes, isTruncated: truncated, nextContinuationToken: next,
            keyCount: count)
    }
}
