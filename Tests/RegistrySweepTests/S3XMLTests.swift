import RegistrySweep
import S3Storage
import Testing

/// The S3 XML layer: real-shaped bodies parse, every malformation and every truncation is an
/// error (never an empty or shorter result), the DeleteObjects body round-trips.
@Suite struct S3XMLTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The ListObjectsV2 example of AWS's API reference (abridged to two objects).
    static let awsListObjects = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Name>bucket</Name>
            <Prefix/>
            <KeyCount>2</KeyCount>
            <MaxKeys>1000</MaxKeys>
            <IsTruncated>false</IsTruncated>
            <Contents>
                <Key>my-image.jpg</Key>
                <LastModified>2009-10-12T17:50:30.000Z</LastModified>
                <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
                <Size>434234</Size>
                <StorageClass>STANDARD</StorageClass>
            </Contents>
            <Contents>
                <Key>my-third-image.jpg</Key>
                <LastModified>2009-10-12T17:50:30.000Z</LastModified>
                <ETag>"1b2cf535f27731c974343645a3985328"</ETag>
                <Size>64994</Size>
                <StorageClass>STANDARD_IA</StorageClass>
            </Contents>
        </ListBucketResult>
        """

    /// What SeaweedFS (Go's encoding/xml) sends: one line, `&#34;` for quotes, an Owner, a
    /// continuation token, no fractional seconds, entity-escaped keys.
    static let seaweedListObjects = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>registry</Name>\
        <Prefix>docker/registry/v2/</Prefix><MaxKeys>2</MaxKeys><Delimiter></Delimiter>\
        <IsTruncated>true</IsTruncated><Contents><Key>docker/registry/v2/a&amp;b &lt;c&gt; &#38;&#x26; é/data</Key>\
        <ETag>&#34;d41d8cd98f00b204e9800998ecf8427e&#34;</ETag><Size>0</Size><Owner><ID>0</ID>\
        <DisplayName></DisplayName></Owner><StorageClass>STANDARD</StorageClass>\
        <LastModified>2024-02-29T12:34:56Z</LastModified></Contents><Contents>\
        <Key>docker/registry/v2/blobs/sha256/ab/abcd/data</Key><ETag>&#34;9b2cf535f27731c974343645a3985328&#34;</ETag>\
        <Size>1234567890123</Size><StorageClass>STANDARD</StorageClass>\
        <LastModified>2024-03-01T00:00:00.5Z</LastModified></Contents>\
        <NextContinuationToken>ZG9ja2VyL3JlZ2lzdHJ5/djIv+YmxvYnM=</NextContinuationToken><KeyCount>2</KeyCount>\
        </ListBucketResult>
        """

    // MARK: ListObjectsV2

    @Test func awsListObjectsExample() throws {
        let page = try ListObjectsPage(xml: Self.bytes(Self.awsListObjects))
        #expect(page.isTruncated == false)
        #expect(page.nextContinuationToken == nil)
        #expect(page.keyCount == 2)
        #expect(
            page.objects == [
                ObjectEntry(
                    key: "my-image.jpg", size: 434_234, lastModified: 1_255_369_830,
                    etag: "\"fba9dede5f27731c9771645a39863328\""),
                ObjectEntry(
                    key: "my-third-image.jpg", size: 64_994, lastModified: 1_255_369_830,
                    etag: "\"1b2cf535f27731c974343645a3985328\""),
            ])
    }

    @Test func seaweedFSListObjects() throws {
        let page = try ListObjectsPage(xml: Self.bytes(Self.seaweedListObjects))
        #expect(page.isTruncated)
        #expect(page.nextContinuationToken == "ZG9ja2VyL3JlZ2lzdHJ5/djIv+YmxvYnM=")
        #expect(
            page.objects.map(\.key) == [
                "docker/registry/v2/a&b <c> && é/data", "docker/registry/v2/blobs/sha256/ab/abcd/data",
            ])
        #expect(page.objects.map(\.size) == [0, 1_234_567_890_123])
        #expect(page.objects.map(\.lastModified) == [1_709_210_096, 1_709_251_200.5])
        #expect(page.objects[0].etag == "\"d41d8cd98f00b204e9800998ecf8427e\"")
    }

    @Test func commonPrefixesAndEmptyPage() throws {
        let body = """
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated>\
            <CommonPrefixes><Prefix>docker/registry/v2/repositories/a/</Prefix></CommonPrefixes>\
            <CommonPrefixes><Prefix>docker/registry/v2/repositories/b c/</Prefix></CommonPrefixes>\
            <KeyCount>2</KeyCount></ListBucketResult>
            """
        let page = try ListObjectsPage(xml: Self.bytes(body))
        #expect(page.objects.isEmpty)
        #expect(page.commonPrefixes == ["docker/registry/v2/repositories/a/", "docker/registry/v2/repositories/b c/"])
        let empty = try ListObjectsPage(
            xml: Self.bytes(
                "<ListBucketResult><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>"))
        #expect(empty == ListObjectsPage(objects: [], keyCount: 0))
    }

    /// Keys keep their white space, CDATA and comments are handled, prefixes are dropped.
    @Test func keysAreExactAndSyntaxVariantsParse() throws {
        let body = """
            \u{FEFF}<?xml version='1.0'?><!-- a comment --><s3:ListBucketResult xmlns:s3='http://s3.amazonaws.com/doc/2006-03-01/' >\
            <s3:IsTruncated> false </s3:IsTruncated><!-- inside -->\
            <s3:Contents><s3:Key>  spaced  key\r\nline </s3:Key><s3:Size> 7 </s3:Size>\
            <s3:LastModified>2024-02-29T12:34:56.123+01:00</s3:LastModified></s3:Contents>\
            <s3:Contents><s3:Key><![CDATA[a<b>&c]]>&#x1F600;</s3:Key><s3:Size>1</s3:Size>\
            <s3:LastModified>1970-01-01T00:00:00Z</s3:LastModified><s3:ETag/></s3:Contents>\
            </s3:ListBucketResult >
            """
        let page = try ListObjectsPage(xml: Self.bytes(body))
        #expect(page.objects.map(\.key) == ["  spaced  key\nline ", "a<b>&c😀"])
        #expect(page.objects[0].size == 7)
        #expect(abs(page.objects[0].lastModified - (1_709_210_096 - 3600 + 0.123)) < 1e-6)
        #expect(page.objects[1].etag == "")
    }

    // MARK: Malformations

    static let contents = "<Key>k</Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified>"

    @Test(arguments: [
        ("unclosed element", "<ListBucketResult><IsTruncated>false</IsTruncated>"),
        ("mismatched end tag", "<ListBucketResult><IsTruncated>false</IsTrunc></ListBucketResult>"),
        ("mismatched prefix", "<a:ListBucketResult><IsTruncated>false</IsTruncated></b:ListBucketResult>"),
        ("empty body", ""),
        ("only a declaration", "<?xml version=\"1.0\"?>"),
        ("text outside root", "x<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"),
        ("content after root", "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult><x/>"),
        (
            "unknown entity",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>&nbsp;</Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        ("bad char ref", "<ListBucketResult><IsTruncated>false&#0;</IsTruncated></ListBucketResult>"),
        ("signed char ref", "<ListBucketResult><IsTruncated>false&#+38;</IsTruncated></ListBucketResult>"),
        ("surrogate char ref", "<ListBucketResult><IsTruncated>false&#xD800;</IsTruncated></ListBucketResult>"),
        ("unterminated entity", "<ListBucketResult><IsTruncated>false&amp</IsTruncated></ListBucketResult>"),
        (
            "doctype",
            "<!DOCTYPE x [<!ENTITY a 'b'>]><ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>"
        ),
        ("unquoted attribute", "<ListBucketResult xmlns=x><IsTruncated>false</IsTruncated></ListBucketResult>"),
        ("unterminated comment", "<ListBucketResult><!-- <IsTruncated>false</IsTruncated></ListBucketResult>"),
        ("unterminated CDATA", "<ListBucketResult><IsTruncated><![CDATA[false</IsTruncated></ListBucketResult>"),
        ("wrong root", "<ListAllMyBucketsResult><IsTruncated>false</IsTruncated></ListAllMyBucketsResult>"),
        ("error body", "<Error><Code>AccessDenied</Code></Error>"),
        ("no IsTruncated", "<ListBucketResult></ListBucketResult>"),
        ("bad IsTruncated", "<ListBucketResult><IsTruncated>yes</IsTruncated></ListBucketResult>"),
        ("truncated without token", "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"),
        (
            "truncated with empty token",
            "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken></NextContinuationToken></ListBucketResult>"
        ),
        (
            "Contents without Key",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "Contents with empty Key",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key></Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "Contents without Size",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "Contents without LastModified",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>"
        ),
        (
            "two Keys",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key>\(contents)</Contents></ListBucketResult>"
        ),
        (
            "non-numeric Size",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>12a</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "negative Size",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>-1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "overflowing Size",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>99999999999999999999</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "unparsable date",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size><LastModified>Mon, 01 Jan 2024 00:00:00 GMT</LastModified></Contents></ListBucketResult>"
        ),
        (
            "invalid day",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>k</Key><Size>1</Size><LastModified>2023-02-29T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        ("bad KeyCount", "<ListBucketResult><IsTruncated>false</IsTruncated><KeyCount>x</KeyCount></ListBucketResult>"),
        (
            "Key with elements",
            "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key><b/>k</Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>"
        ),
        (
            "CommonPrefixes without Prefix",
            "<ListBucketResult><IsTruncated>false</IsTruncated><CommonPrefixes></CommonPrefixes></ListBucketResult>"
        ),
    ])
    func malformedListingsAreErrors(what: String, body: String) {
        let error = #expect(throws: SweepError.self, "\(what)") { try ListObjectsPage(xml: Self.bytes(body)) }
        #expect(error?.code == .io)
        #expect(error?.message.isEmpty == false)
    }

    @Test func invalidUTF8IsAnError() {
        var body = Self.bytes("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>")
        body += [0xC3, 0x28]
        body += Self.bytes(
            "</Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents></ListBucketResult>")
        #expect(throws: SweepError.self) { try ListObjectsPage(xml: body) }
    }

    /// A body cut anywhere before its root closes is an error; cut after, it is the same page.
    @Test(arguments: [awsListObjects, seaweedListObjects])
    func truncatedBodiesAreAlwaysErrors(body: String) throws {
        let bytes = Self.bytes(body)
        let full = try ListObjectsPage(xml: bytes)
        let rootEnd = bytes.count - (body.hasSuffix("\n") ? 1 : 0)
        var successes: [Int] = []
        for cut in 0..<bytes.count {
            do {
                let page = try ListObjectsPage(xml: Array(bytes[..<cut]))
                if cut < rootEnd || page != full { successes.append(cut) }
            } catch {
                #expect(error.code == .io)
            }
        }
        #expect(successes.isEmpty, "cuts that parsed: \(successes.prefix(10))")
    }

    /// The same for a 1,000-entry page, at a spread of offsets (about 100 evenly spaced, each
    /// moved by a prime so they land on every kind of position, and the last 40 bytes).
    @Test func truncatedLargePageIsAlwaysAnError() throws {
        let bytes = Self.bytes(Self.largeListing(entries: 1000))
        let full = try ListObjectsPage(xml: bytes)
        #expect(full.objects.count == 1000)
        let cuts =
            Array(stride(from: 0, to: bytes.count, by: bytes.count / 100 + 7)) + Array((bytes.count - 40)..<bytes.count)
        for cut in cuts {
            #expect(throws: SweepError.self, "cut at \(cut)") { try ListObjectsPage(xml: Array(bytes[..<cut])) }
        }
    }

    /// A ListObjectsV2 body with `entries` blobs, as a registry bucket would list them.
    static func largeListing(entries: Int) -> String {
        var body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>registry</Name>"
            + "<Prefix>docker/registry/v2/blobs/</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>"
        for index in 0..<entries {
            let hex = String(repeating: String(index, radix: 16), count: 64).prefix(64)
            body +=
                "<Contents><Key>docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data</Key>"
                + "<LastModified>2024-03-01T10:00:\(String(format2: index % 60)).000Z</LastModified>"
                + "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>\(index * 1024)</Size>"
                + "<StorageClass>STANDARD</StorageClass></Contents>"
        }
        return body + "<NextContinuationToken>next/token+==</NextContinuationToken><KeyCount>\(entries)</KeyCount>"
            + "</ListBucketResult>"
    }

    // MARK: ISO 8601

    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("1970-01-01T00:00:00.000Z", 0.0),
        ("1969-12-31T23:59:59Z", -1.0),
        ("2009-10-12T17:50:30.000Z", 1_255_369_830.0),
        ("2024-02-29T12:34:56Z", 1_709_210_096.0),
        ("2024-02-29T12:34:56.25Z", 1_709_210_096.25),
        ("2024-02-29t12:34:56z", 1_709_210_096.0),
        ("2024-02-29T13:34:56+01:00", 1_709_210_096.0),
        ("2024-02-29T07:04:56-05:30", 1_709_210_096.0),
        ("2038-01-19T03:14:08Z", 2_147_483_648.0),
        ("2100-03-01T00:00:00Z", 4_107_542_400.0),
        ("9999-12-31T23:59:59Z", 253_402_300_799.0),
    ])
    func isoTimestampsParse(text: String, seconds: Double) {
        #expect(ISO8601Timestamp.seconds(text) == seconds)
    }

    @Test(arguments: [
        "", "2024-02-29", "2024-02-29T12:34:56", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-01-01T24:00:00Z",
        "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00ZZ",
        "2024-01-01 00:00:00Z", "24-01-01T00:00:00Z", "2024-1-01T00:00:00Z", "2024-01-01T00:00:00+0100",
        "+2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z ",
    ])
    func malformedTimestampsAreRejected(text: String) {
        #expect(ISO8601Timestamp.seconds(text) == nil)
    }

    // MARK: ListMultipartUploads

    @Test func multipartUploads() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Bucket>bucket</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>
              <NextKeyMarker>my-movie.m2ts</NextKeyMarker>
              <NextUploadIdMarker>YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ</NextUploadIdMarker>
              <MaxUploads>3</MaxUploads><IsTruncated>true</IsTruncated>
              <Upload>
                <Key>my-divisor</Key>
                <UploadId>XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw</UploadId>
                <Initiator><ID>arn:aws:iam::111122223333:user/user1-11111a31-17b5-4fb7-9df5-b111111f13de</ID></Initiator>
                <StorageClass>STANDARD</StorageClass>
                <Initiated>2010-11-10T20:48:33.000Z</Initiated>
              </Upload>
              <Upload>
                <Key>docker/registry/v2/repositories/a/_uploads/x/data</Key>
                <UploadId>VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>
                <Initiated>2010-11-10T20:48:34Z</Initiated>
              </Upload>
            </ListMultipartUploadsResult>
            """
        let page = try MultipartUploadsPage(xml: Self.bytes(body))
        #expect(page.isTruncated)
        #expect(page.nextKeyMarker == "my-movie.m2ts")
        #expect(page.nextUploadIDMarker == "YW55IGlkZWEgd2h5IGVsdmluZydzIHVwbG9hZCBmYWlsZWQ")
        #expect(
            page.uploads == [
                MultipartUpload(
                    key: "my-divisor", uploadID: "XMgbGlrZSBlbHZpbmcncyBub3QgaGF2aW5nIG11Y2ggbHVjaw",
                    initiated: 1_289_422_113),
                MultipartUpload(
                    key: "docker/registry/v2/repositories/a/_uploads/x/data",
                    uploadID: "VXBsb2FkIElEIGZvciBlbHZpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA",
                    initiated: 1_289_422_114),
            ])
        for cut in 0..<(Self.bytes(body).count - 1) {
            #expect(throws: SweepError.self) { try MultipartUploadsPage(xml: Array(Self.bytes(body)[..<cut])) }
        }
    }

    @Test(arguments: [
        "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>",
        "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>k</Key><Initiated>2010-11-10T20:48:34Z</Initiated></Upload></ListMultipartUploadsResult>",
        "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>k</Key><UploadId>u</UploadId><Initiated>yesterday</Initiated></Upload></ListMultipartUploadsResult>",
        "<ListMultipartUploadsResult><Upload><Key>k</Key><UploadId>u</UploadId><Initiated>2010-11-10T20:48:34Z</Initiated></Upload></ListMultipartUploadsResult>",
    ])
    func malformedMultipartUploadsAreErrors(body: String) {
        #expect(throws: SweepError.self) { try MultipartUploadsPage(xml: Self.bytes(body)) }
    }

    // MARK: DeleteObjects

    @Test func deleteResult() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Deleted><Key>sample1.txt</Key></Deleted>
              <Deleted><Key>a &amp; b</Key><VersionId>v1</VersionId></Deleted>
              <Error><Key>sample2.txt</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>
              <Error><Key>sample3.txt</Key><Code>InternalError</Code></Error>
            </DeleteResult>
            """
        let result = try DeleteObjectsResult(xml: Self.bytes(body))
        #expect(result.deleted == ["sample1.txt", "a & b"])
        #expect(
            result.failures == [
                .init(key: "sample2.txt", code: "AccessDenied", message: "Access Denied"),
                .init(key: "sample3.txt", code: "InternalError", message: ""),
            ])
        for cut in 0..<(Self.bytes(body).count - 1) {
            #expect(throws: SweepError.self) { try DeleteObjectsResult(xml: Array(Self.bytes(body)[..<cut])) }
        }
    }

    @Test(arguments: [
        "<DeleteResult><Deleted></Deleted></DeleteResult>",
        "<DeleteResult><Error><Key>k</Key></Error></DeleteResult>",
        "<DeleteResult><Error><Code>AccessDenied</Code></Error></DeleteResult>",
        "<Error><Code>MalformedXML</Code></Error>",
    ])
    func malformedDeleteResultsAreErrors(body: String) {
        #expect(throws: SweepError.self) { try DeleteObjectsResult(xml: Self.bytes(body)) }
    }

    @Test func deleteBodyRoundTripsThroughTheReader() throws {
        let keys = [
            "docker/registry/v2/blobs/sha256/ab/abcd/data", "a&b<c>\"d'e", "  spaces  ", "tab\tline\nreturn\r\n",
            "é ☃ 😀", "&amp; stays literal", "]]> and <![CDATA[",
        ]
        let body = try DeleteObjectsRequest.body(keys: keys)
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete><Quiet>false</Quiet><Object><Key>"))
        #expect(text.contains("<Key>a&amp;b&lt;c&gt;&quot;d&apos;e</Key>"))
        #expect(text.contains("<Key>tab&#9;line&#10;return&#13;&#10;</Key>"))
        let root = try XMLReader.parse(body)
        #expect(root.name == "Delete")
        #expect(root.children.first { $0.name == "Quiet" }?.text == "false")
        let parsed = root.children(named: "Object").map { $0.children(named: "Key").first?.text }
        #expect(parsed == keys)
        let quiet = try XMLReader.parse(try DeleteObjectsRequest.body(keys: ["k"], quiet: true))
        #expect(quiet.children.first?.text == "true")
    }

    @Test func deleteBodyRefusesWhatItCannotSend() {
        #expect(throws: SweepError.self) { try DeleteObjectsRequest.body(keys: []) }
        #expect(throws: SweepError.self) { try DeleteObjectsRequest.body(keys: Array(repeating: "k", count: 1001)) }
        #expect(throws: SweepError.self) { try DeleteObjectsRequest.body(keys: [""]) }
        #expect(throws: SweepError.self) { try DeleteObjectsRequest.body(keys: ["bell\u{7}"]) }
        #expect((try? DeleteObjectsRequest.body(keys: Array(repeating: "k", count: 1000))) != nil)
    }

    // MARK: Error bodies

    @Test func errorBody() throws {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error>
              <Code>NoSuchKey</Code>
              <Message>The resource you requested does not exist</Message>
              <Resource>/mybucket/myfoto.jpg</Resource>
              <RequestId>4442587FB7D0A2F9</RequestId>
            </Error>
            """
        #expect(
            try S3ErrorBody(xml: Self.bytes(body))
                == S3ErrorBody(
                    code: "NoSuchKey", message: "The resource you requested does not exist",
                    resource: "/mybucket/myfoto.jpg", requestID: "4442587FB7D0A2F9"))
        let minimal = try S3ErrorBody(xml: Self.bytes("<Error><Code>SlowDown</Code></Error>"))
        #expect(minimal == S3ErrorBody(code: "SlowDown", message: ""))
        #expect(throws: SweepError.self) { try S3ErrorBody(xml: Self.bytes("<Error><Message>m</Message></Error>")) }
        #expect(throws: SweepError.self) { try S3ErrorBody(xml: Self.bytes("<Error><Code>SlowDown</Code>")) }
        #expect(throws: SweepError.self) { try S3ErrorBody(xml: Self.bytes("<html><body>502</body></html>")) }
    }
}

extension String {
    /// `value` as two decimal digits.
    fileprivate init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
