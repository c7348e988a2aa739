import Crypto
import RegistrySweep
import S3Storage
import Testing

/// `SigV4Signer`: AWS's published S3 examples, S3's URI encoding, the `x-amz-date` formatter and
/// the secrecy of the secret key.
@Suite struct SigV4Tests {
    /// The credentials of AWS's "Signature Calculations for the Authorization Header:
    /// Transferring Payload in a Single Chunk" examples.
    static let exampleCredentials = S3Credentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    static let exampleHost = "examplebucket.s3.amazonaws.com"
    /// 2013-05-24T00:00:00Z.
    static let exampleTime: Int64 = 1_369_353_600
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func signer(_ credentials: S3Credentials = exampleCredentials) -> SigV4Signer {
        SigV4Signer(credentials: credentials, region: "us-east-1")
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func sha256(_ text: String) -> String { hex(SHA256.hash(data: Array(text.utf8))) }

    // MARK: AWS's published examples

    /// "Example: GET Object": a Range header, an empty payload.
    @Test func awsGetObjectExample() throws {
        let signed = try Self.signer().sign(
            method: "GET", host: Self.exampleHost, path: "/test.txt", headers: [("Range", "bytes=0-9")],
            payloadHash: Self.emptyHash, time: Self.exampleTime)
        #expect(
            Self.sha256(signed.canonicalRequest)
                == "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972")
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(signed.header("x-amz-date") == "20130524T000000Z")
        #expect(signed.header("x-amz-content-sha256") == Self.emptyHash)
        #expect(signed.header("x-amz-security-token") == nil)
        #expect(signed.pathAndQuery == "/test.txt")
    }

    /// "Example: PUT Object": a `$` in the key, a Date and a storage-class header, a signed payload.
    @Test func awsPutObjectExample() throws {
        let payloadHash = Self.sha256("Welcome to Amazon S3.")
        #expect(payloadHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = try Self.signer().sign(
            method: "PUT", host: Self.exampleHost, path: "/test$file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadHash: payloadHash, time: Self.exampleTime)
        #expect(signed.pathAndQuery == "/test%24file.text")
        #expect(signed.canonicalRequest.hasPrefix("PUT\n/test%24file.text\n\n"))
        #expect(
            Self.sha256(signed.canonicalRequest)
                == "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        #expect(
            signed.header("Authorization")?.contains(
                "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,") == true)
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    /// "Example: GET Bucket Lifecycle": a query parameter without a value signs as `lifecycle=`.
    @Test func awsGetBucketLifecycleExample() throws {
        let signed = try Self.signer().sign(
            method: "GET", host: Self.exampleHost, path: "/", query: [("lifecycle", "")],
            payloadHash: Self.emptyHash, time: Self.exampleTime)
        #expect(signed.pathAndQuery == "/?lifecycle=")
        #expect(
            Self.sha256(signed.canonicalRequest)
                == "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca")
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    /// "Example: Get Bucket (List Objects)": `max-keys=2&prefix=J`, given out of order.
    @Test func awsListObjectsExample() throws {
        let signed = try Self.signer().sign(
            method: "GET", host: Self.exampleHost, path: "/", query: [("prefix", "J"), ("max-keys", "2")],
            payloadHash: Self.emptyHash, time: Self.exampleTime)
        #expect(signed.pathAndQuery == "/?max-keys=2&prefix=J")
        #expect(
            Self.sha256(signed.canonicalRequest)
                == "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7")
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    // MARK: Encoding

    @Test(arguments: [
        (
            "/bucket/docker/registry/v2/blobs/sha256/ab/abcd/data",
            "/bucket/docker/registry/v2/blobs/sha256/ab/abcd/data"
        ),
        ("/bucket/a b", "/bucket/a%20b"),
        ("/bucket/a+b=c", "/bucket/a%2Bb%3Dc"),
        ("/bucket/100%", "/bucket/100%25"),
        ("/bucket/a%20b", "/bucket/a%2520b"),
        ("/bucket/é/☃/😀", "/bucket/%C3%A9/%E2%98%83/%F0%9F%98%80"),
        ("/bucket/-_.~", "/bucket/-_.~"),
        ("/bucket/a:b@c!d*(e)'f,g;h", "/bucket/a%3Ab%40c%21d%2A%28e%29%27f%2Cg%3Bh"),
        ("/bucket//double//", "/bucket//double//"),
    ])
    func pathSegmentsAreEncodedOnce(raw: String, encoded: String) throws {
        #expect(SigV4Signer.uriEncode(raw, keepSlash: true) == encoded)
        let signed = try Self.signer().sign(
            method: "GET", host: "localhost:8333", path: raw, payloadHash: Self.emptyHash, time: Self.exampleTime)
        #expect(signed.pathAndQuery == encoded)
        #expect(signed.canonicalRequest.hasPrefix("GET\n\(encoded)\n"))
    }

    /// Continuation tokens are opaque base64-ish text: `/`, `+` and `=` are encoded in the query.
    @Test func queryValuesAreEncodedAndSorted() throws {
        let query = [
            ("prefix", "docker/registry/v2/"), ("list-type", "2"),
            ("continuation-token", "1/ab+cd=="), ("delimiter", "/"), ("a", "z"), ("a", "b c"), ("e", ""),
        ]
        let expected =
            "a=b%20c&a=z&continuation-token=1%2Fab%2Bcd%3D%3D&delimiter=%2F&e="
            + "&list-type=2&prefix=docker%2Fregistry%2Fv2%2F"
        #expect(SigV4Signer.canonicalQuery(query.map { (name: $0.0, value: $0.1) }) == expected)
        let signed = try Self.signer().sign(
            method: "GET", host: "localhost:8333", path: "/registry", query: query.map { (name: $0.0, value: $0.1) },
            payloadHash: Self.emptyHash, time: Self.exampleTime)
        #expect(signed.pathAndQuery == "/registry?" + expected)
        #expect(signed.canonicalRequest.hasPrefix("GET\n/registry\n\(expected)\n"))
    }

    /// Sorting is by encoded name (bytes), then encoded value: `%` sorts before letters.
    @Test func querySortsByEncodedBytes() {
        let query: [(name: String, value: String)] = [("b", "1"), ("a~", "1"), ("a b", "1"), ("A", "1")]
        #expect(SigV4Signer.canonicalQuery(query) == "A=1&a%20b=1&a~=1&b=1")
    }

    @Test func headerValuesAreTrimmedAndNamesLowercasedAndSorted() throws {
        let signed = try Self.signer().sign(
            method: "PUT", host: "localhost:8333", path: "/b/k",
            headers: [
                ("If-None-Match", " * "), ("Content-Type", "application/octet-stream"),
                ("Content-MD5", "  1B2M2Y8AsgTpgAmY7PhCfg==  "), ("X-Note", "a   b \t c"),
            ],
            payloadHash: SigV4Signer.unsignedPayload, time: Self.exampleTime)
        let lines = signed.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(
            Array(lines[3...9]) == [
                "content-md5:1B2M2Y8AsgTpgAmY7PhCfg==", "content-type:application/octet-stream", "host:localhost:8333",
                "if-none-match:*", "x-amz-content-sha256:UNSIGNED-PAYLOAD", "x-amz-date:20130524T000000Z",
                "x-note:a b c",
            ])
        #expect(lines[11] == "content-md5;content-type;host;if-none-match;x-amz-content-sha256;x-amz-date;x-note")
        #expect(lines[12] == "UNSIGNED-PAYLOAD")
        #expect(signed.header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD")
    }

    @Test func sessionTokenIsSignedAndSent() throws {
        let credentials = S3Credentials(
            accessKeyID: "AKIDTEMP", secretAccessKey: "temporary-secret", sessionToken: "token/with+chars=")
        let signed = try Self.signer(credentials).sign(
            method: "GET", host: "s3.example", path: "/b/k", payloadHash: Self.emptyHash, time: Self.exampleTime)
        #expect(signed.header("x-amz-security-token") == "token/with+chars=")
        #expect(signed.canonicalRequest.contains("\nx-amz-security-token:token/with+chars=\n"))
        #expect(
            signed.header("Authorization")?.contains(
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") == true)
    }

    @Test(arguments: [
        ("x-amz-date", "20130524T000000Z"), ("Host", "other"), ("authorization", "x"), ("bad name", "x"),
        ("", "x"), ("x-ok", "line\nbreak"),
    ])
    func invalidHeadersAreRefused(name: String, value: String) {
        #expect(throws: SweepError.self) {
            try Self.signer().sign(
                method: "GET", host: "h", path: "/b/k", headers: [(name, value)], payloadHash: Self.emptyHash,
                time: Self.exampleTime)
        }
    }

    @Test func repeatedHeaderAndRelativePathAreRefused() {
        let error = #expect(throws: SweepError.self) {
            try Self.signer().sign(
                method: "GET", host: "h", path: "/b/k", headers: [("Range", "a"), ("range", "b")],
                payloadHash: Self.emptyHash, time: Self.exampleTime)
        }
        #expect(error?.code == .invalidArgument)
        #expect(throws: SweepError.self) {
            try Self.signer().sign(method: "GET", host: "h", path: "b/k", payloadHash: Self.emptyHash, time: 0)
        }
    }

    // MARK: Date

    @Test(arguments: [
        (Int64(0), "19700101T000000Z"),
        (-1, "19691231T235959Z"),
        (1_369_353_600, "20130524T000000Z"),
        (951_782_400, "20000229T000000Z"),
        (1_709_164_800, "20240229T000000Z"),
        (1_709_210_096, "20240229T123456Z"),
        (1_709_251_199, "20240229T235959Z"),
        (1_709_251_200, "20240301T000000Z"),
        (2_147_483_647, "20380119T031407Z"),
        (2_147_483_648, "20380119T031408Z"),
        (4_102_444_800, "21000101T000000Z"),
        (4_107_542_400, "21000301T000000Z"),
        (253_402_300_799, "99991231T235959Z"),
    ])
    func amzDateFormatsUTC(seconds: Int64, expected: String) {
        #expect(SigV4Signer.amzDate(seconds) == expected)
    }

    /// `CivilDate` against a naive day-by-day walk from 1970 to 2401 (both directions).
    @Test func civilDateMatchesADayByDayWalk() {
        var date = CivilDate(year: 1970, month: 1, day: 1)
        var mismatches: [Int] = []
        var checked = 0
        for days in 0..<(431 * 366) where date.year < 2401 {
            if CivilDate(daysSinceEpoch: days) != date || date.daysSinceEpoch != days { mismatches.append(days) }
            checked += 1
            if date.day < CivilDate.daysIn(month: date.month, year: date.year) {
                date.day += 1
            } else if date.month < 12 {
                date = CivilDate(year: date.year, month: date.month + 1, day: 1)
            } else {
                date = CivilDate(year: date.year + 1, month: 1, day: 1)
            }
        }
        #expect(mismatches.isEmpty, "first mismatches: \(mismatches.prefix(5))")
        #expect(checked == 157_420)
        #expect(CivilDate(daysSinceEpoch: -1) == CivilDate(year: 1969, month: 12, day: 31))
        #expect(CivilDate(year: 1900, month: 2, day: 29).isValid == false)
        #expect(CivilDate(year: 2000, month: 2, day: 29).isValid)
    }

    // MARK: Secrets

    @Test func secretNeverAppearsInDescriptions() throws {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        let token = "SESSION-TOKEN-VALUE"
        let credentials = S3Credentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: token)
        let signer = Self.signer(credentials)
        _ = try signer.sign(method: "GET", host: "h", path: "/b", payloadHash: Self.emptyHash, time: 0)
        var dumped = ""
        dump(credentials, to: &dumped)
        dump(signer, to: &dumped)
        let error = #expect(throws: SweepError.self) {
            try signer.sign(method: "GET", host: "h", path: "b", payloadHash: Self.emptyHash, time: 0)
        }
        let texts = [
            String(describing: credentials), String(reflecting: credentials), "\(credentials)",
            credentials.debugDescription, String(describing: signer), String(reflecting: signer), dumped,
            String(describing: [credentials]), String(describing: error),
        ]
        for text in texts {
            #expect(!text.contains(secret), "\(text)")
            #expect(!text.contains("wJalrXUtnFEMI"), "\(text)")
            #expect(!text.contains(token), "\(text)")
        }
        #expect(String(describing: credentials).contains("AKIAIOSFODNN7EXAMPLE"))
    }

    // MARK: Concurrency

    /// Many tasks signing across two days get what one task signing alone gets (the cached key
    /// follows the date).
    @Test func concurrentSigningAgreesWithSequential() async throws {
        let signer = Self.signer()
        let times: [Int64] = (0..<200).map { Self.exampleTime + Int64($0 % 2) * 86_400 + Int64($0) }
        let expected = try times.map {
            try Self.signer().sign(method: "GET", host: "h", path: "/b/\($0)", payloadHash: Self.emptyHash, time: $0)
                .signature
        }
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (index, time) in times.enumerated() {
                group.addTask {
                    let signed = try signer.sign(
                        method: "GET", host: "h", path: "/b/\(time)", payloadHash: Self.emptyHash, time: time)
                    return (index, signed.signature)
                }
            }
            var out = [String](repeating: "", count: times.count)
            for try await (index, signature) in group { out[index] = signature }
            return out
        }
        #expect(results == expected)
    }
}
