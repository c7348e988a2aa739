import RegistrySweep
import S3Storage
import Testing

/// ``ListObjectsPage/init(xml:)`` reads a page in one pass without a tree. It must answer exactly
/// what reading the tree first answers: the same page, or the same error (the first one, in the
/// tree reader's order), for well-formed pages, every malformation, several faults in one body,
/// and every truncation. The oracle below reads the tree and then its fields, as the page reader
/// did before it streamed.
@Suite struct S3ListObjectsStreamingTests {
    /// The page read from the tree (``XMLReader/parse(_:)`` and ``XMLElement``'s typed access).
    static func treePage(_ body: [UInt8]) throws(SweepError) -> ListObjectsPage {
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
        return ListObjectsPage(
            objects: objects, commonPrefixes: prefixes, isTruncated: isTruncated, nextContinuationToken: token,
            keyCount: try root.optionalCount("KeyCount", in: response))
    }

    /// "page" or "error: message", for comparing both readers.
    static func outcome(_ read: ([UInt8]) throws(SweepError) -> ListObjectsPage, _ body: [UInt8]) -> String {
        do throws(SweepError) {
            return "page \(try read(body))"
        } catch {
            return "error \(error.code): \(error.message)"
        }
    }

    static let entry = "<Key>k</Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified>"
    static func page(_ inner: String, root: String = "ListBucketResult") -> String { "<\(root)>\(inner)</\(root)>" }
    static let done = "<IsTruncated>false</IsTruncated>"

    static let bodies: [String] = [
        S3XMLTests.awsListObjects, S3XMLTests.seaweedListObjects, S3XMLTests.largeListing(entries: 300),
        page(""), "<ListBucketResult/>", page(done), page(done + "<KeyCount>0</KeyCount>"),
        page(done + "<Contents>\(entry)</Contents>"),
        page("<Contents>\(entry)<ETag>\"e\"</ETag><Owner><ID>1</ID><Key>ignored</Key></Owner></Contents>" + done),
        page(
            done
                + "<CommonPrefixes><Prefix>a/</Prefix></CommonPrefixes><CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>"
        ),
        // Fields out of place are ignored: deeper, or directly under the root.
        page(done + "<Key>k</Key><Size>x</Size><Other><Contents><Key/></Contents></Other>"),
        page(done + "<Contents>\(entry)<Extra><Size>x</Size></Extra></Contents>"),
        // One fault each.
        page("<Contents>\(entry)</Contents>"), page("<IsTruncated>maybe</IsTruncated>"),
        page("<IsTruncated>false</IsTruncated><IsTruncated>false</IsTruncated>"),
        page("<IsTruncated><b/>false</IsTruncated>"), page("<IsTruncated>true</IsTruncated>"),
        page("<IsTruncated>true</IsTruncated><NextContinuationToken/>"),
        page(
            "<IsTruncated>true</IsTruncated><NextContinuationToken>t</NextContinuationToken><NextContinuationToken>u</NextContinuationToken>"
        ),
        page(done + "<KeyCount>-1</KeyCount>"), page(done + "<KeyCount>1</KeyCount><KeyCount>1</KeyCount>"),
        page(done + "<Contents><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents>"),
        page(done + "<Contents><Key></Key><Size>1</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents>"),
        page(done + "<Contents>\(entry)<Key>k2</Key></Contents>"),
        page(done + "<Contents>\(entry)<Size>2</Size></Contents>"),
        page(done + "<Contents>\(entry)<ETag>a</ETag><ETag>b</ETag></Contents>"),
        page(
            done + "<Contents><Key>k</Key><Size> 12a</Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents>"
        ),
        page(done + "<Contents><Key>k</Key><Size>1</Size><LastModified>yesterday</LastModified></Contents>"),
        page(
            done
                + "<Contents><Key>k</Key><Size><n>1</n></Size><LastModified>2024-01-01T00:00:00Z</LastModified></Contents>"
        ),
        page(done + "<Contents>\(entry)<ETag><q/></ETag></Contents>"),
        page(done + "<CommonPrefixes/>"),
        page(done + "<CommonPrefixes><Prefix>a</Prefix><Prefix>b</Prefix></CommonPrefixes>"),
        page(done, root: "Error"), page("<Contents/>", root: "ListAllMyBucketsResult"),
        // Several faults in one body: the first in the tree reader's order wins.
        page("<Contents><Size>x</Size><Size>y</Size></Contents>"),
        page("<IsTruncated>no</IsTruncated><Contents><LastModified>x</LastModified></Contents><Contents/>"),
        page(done + "<Contents><Key/></Contents><CommonPrefixes/>"),
        page(done + "<CommonPrefixes/><Contents><Key/></Contents>"),
        page("<Contents><Key/></Contents>", root: "Error"),
        page(done + "<Contents><Key/></Contents><Broken>", root: "ListBucketResult"),
        page(done + "<Contents><Key/></Contents>&bogus;"),
        "<ListBucketResult>" + done + "<Contents><Key/></Contents></ListBucketResult><after/>",
    ]

    @Test func streamingAnswersWhatTheTreeAnswers() {
        for body in Self.bodies {
            let bytes = Array(body.utf8)
            #expect(
                Self.outcome(ListObjectsPage.init(xml:), bytes) == Self.outcome(Self.treePage, bytes),
                "\(body.prefix(200))")
        }
    }

    /// Every cut of real-shaped pages: both readers fail alike (and a complete body reads alike).
    @Test func everyTruncationAnswersAlike() {
        for body in [
            S3XMLTests.awsListObjects, S3XMLTests.seaweedListObjects,
            Self.page(Self.done + "<Contents>\(Self.entry)</Contents>"),
        ] {
            let bytes = Array(body.utf8)
            var differing: [Int] = []
            for cut in 0...bytes.count {
                let part = Array(bytes[..<cut])
                if Self.outcome(ListObjectsPage.init(xml:), part) != Self.outcome(Self.treePage, part) {
                    differing.append(cut)
                }
            }
            #expect(differing.isEmpty, "cuts answered differently: \(differing.prefix(10))")
        }
    }
}
