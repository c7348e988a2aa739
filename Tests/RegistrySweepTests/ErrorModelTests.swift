import Foundation
import RegistrySweep
import Testing

/// The error model: extensible codes, cause chains, problems as one `Codable` value.
struct ErrorModelTests {
    /// An error thrown by something below the library (an object store's HTTP client, say).
    struct HTTPFailure: Error, CustomStringConvertible {
        var status: Int
        var description: String { "HTTP \(status) from the object store" }
    }

    @Test func everyKnownCodeRoundTripsAsItsBareName() throws {
        #expect(SweepError.Code.known.count == 23)
        #expect(Set(SweepError.Code.known).count == SweepError.Code.known.count)
        for code in SweepError.Code.known {
            let data = try JSONEncoder().encode([code])
            #expect(String(decoding: data, as: UTF8.self) == "[\"\(code.rawValue)\"]")
            #expect(try JSONDecoder().decode([SweepError.Code].self, from: data) == [code])
            #expect(SweepError.Code(rawValue: code.rawValue) == code)
        }
        // The names scripts match on today, spelled out (a renamed member would change them).
        #expect(SweepError.Code.notFound.rawValue == "notFound")
        #expect(SweepError.Code.permissionDenied.rawValue == "permissionDenied")
        #expect(SweepError.Code.invalidImageStore.rawValue == "invalidImageStore")
        #expect(SweepError.Code.digestMismatch.description == "digestMismatch")
    }

    @Test func anUnknownCodeDecodesAndDiffersFromEveryKnownOne() throws {
        let decoded = try JSONDecoder().decode([SweepError.Code].self, from: Data("[\"objectStoreThrottled\"]".utf8))
        let code = try #require(decoded.first)
        #expect(code.rawValue == "objectStoreThrottled")
        #expect(!SweepError.Code.known.contains(code))
        #expect(code == SweepError.Code("objectStoreThrottled"))
        let reencoded = String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self)
        #expect(reencoded == "[\"objectStoreThrottled\"]")
        let matched: String
        switch code {
        case .io, .notFound: matched = "known"
        default: matched = "other"
        }
        #expect(matched == "other")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([SweepError.Code].self, from: Data("[1]".utf8))
        }
    }

    @Test func causeChainsPrintAndSurviveWrapping() throws {
        let http = HTTPFailure(status: 503)
        let read = SweepError(.io, "cannot read the blob", path: "blobs/sha256/ab/abcd/data", cause: http)
        #expect(
            read.description
                == "io: cannot read the blob [blobs/sha256/ab/abcd/data]: caused by HTTP 503 from the object store")
        let scan = SweepError(.invalidStore, "the store cannot be scanned", path: "/srv/registry", cause: read)
        #expect(
            scan.description
                == "invalidStore: the store cannot be scanned [/srv/registry]: caused by io: cannot read the blob "
                + "[blobs/sha256/ab/abcd/data]: caused by HTTP 503 from the object store")
        #expect(scan.causes.count == 2)
        #expect((scan.causes[0] as? SweepError) == read)
        #expect((scan.causes[1] as? HTTPFailure)?.status == 503)
        #expect(SweepError(.io, "cannot read the blob").causes.isEmpty)
    }

    @Test func equalityComparesEveryFieldAndTheCauseDescription() {
        let digest = FixtureStore.digest(of: Array("x".utf8))
        func error(cause: (any Error)? = nil, errno: Int32? = 5) -> SweepError {
            SweepError(.io, "read failed", path: "p", digest: digest, syscall: "read", errno: errno, cause: cause)
        }
        #expect(error() == error())
        #expect(error() != error(errno: 4))
        #expect(error(cause: HTTPFailure(status: 503)) == error(cause: HTTPFailure(status: 503)))
        #expect(error(cause: HTTPFailure(status: 503)) != error(cause: HTTPFailure(status: 500)))
        #expect(error(cause: HTTPFailure(status: 503)) != error())
        let distinct = Set([error(cause: HTTPFailure(status: 503)), error(cause: HTTPFailure(status: 503)), error()])
        #expect(distinct.count == 2)
    }

    @Test func aProblemFromAnErrorKeepsEveryField() throws {
        let digest = FixtureStore.digest(of: Array("layer".utf8))
        let error = SweepError(
            .permissionDenied, "openat failed: Permission denied", path: "/srv/registry/docker", digest: digest,
            syscall: "openat", errno: 13, cause: HTTPFailure(status: 403))
        let problem = StoreProblem(error, brokenTags: ["app:1"])
        #expect(problem.code == .permissionDenied)
        #expect(problem.message == "openat failed: Permission denied")
        #expect(problem.path == "/srv/registry/docker")
        #expect(problem.digest == digest)
        #expect(problem.syscall == "openat")
        #expect(problem.errno == 13)
        #expect(problem.cause == "HTTP 403 from the object store")
        #expect(problem.brokenTags == ["app:1"])
        let back = problem.error
        #expect(back.code == error.code && back.message == error.message && back.path == error.path)
        #expect(back.digest == digest && back.syscall == "openat" && back.errno == 13)
        #expect(back.description == error.description)
    }

    @Test func aProblemEncodesAsBeforeAndDecodesWhole() throws {
        let digest = FixtureStore.digest(of: Array("layer".utf8))
        let problem = StoreProblem(
            SweepError(.io, "read failed", path: "blobs/x", digest: digest, syscall: "pread", errno: 5))
        let object = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(problem)) as? [String: Any])
        // The keys and values `scan --json` printed before problems had one type.
        #expect(Set(object.keys) == ["code", "message", "path", "digest"])
        #expect(object["code"] as? String == "io")
        #expect(object["message"] as? String == "read failed (pread errno 5)")
        #expect(object["digest"] as? String == digest.description)
        let decoded = try JSONDecoder().decode(StoreProblem.self, from: try JSONEncoder().encode(problem))
        #expect(decoded == problem)

        var verified = StoreProblem(.missingBlob, "blob is missing (left by gc)", path: "p", brokenTags: [])
        let verifiedObject = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(verified)) as? [String: Any])
        #expect(verifiedObject["brokenTags"] as? [String] == [])
        #expect(try JSONDecoder().decode(StoreProblem.self, from: try JSONEncoder().encode(verified)) == verified)
        verified.brokenTags = nil
        let scanned = try JSONDecoder().decode(StoreProblem.self, from: try JSONEncoder().encode(verified))
        #expect(scanned.brokenTags == nil && scanned.syscall == nil)
        #expect(scanned.message == "blob is missing (left by gc)")
    }

    @Test func aDigestEncodesAsItsText() throws {
        let digest = FixtureStore.digest(of: Array("d".utf8))
        let data = try JSONEncoder().encode([digest])
        #expect(String(decoding: data, as: UTF8.self) == "[\"sha256:\(digest.hex)\"]")
        #expect(try JSONDecoder().decode([Digest].self, from: data) == [digest])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([Digest].self, from: Data("[\"sha256:00\"]".utf8))
        }
    }

    /// A dry run over a store with one of each eligible kind, encoded as `gc --json` encodes it.
    @Test func collectReportJSONKeepsTheDocumentedFields() async throws {
        let store = try FixtureStore()
        try store.image("app", tag: "latest", seed: "kept")
        let untagged = try store.image("app", tag: nil, layers: 1, seed: "untagged")
        let orphan = try store.blob("an orphaned blob")
        try store.layerLink("app", FixtureStore.digest(of: Array("a layer that was never pushed".utf8)))
        try store.makeDirectory("\(FixtureStore.v2)/repositories/app/_manifests/tags/half/index/sha256")
        try store.write("\(FixtureStore.v2)/blobs/sha256/zz", "not a shard")

        var options = CollectOptions()
        options.dryRun = true
        options.deleteUntagged = true
        options.grace = 0
        let report = try await Collector(backend: try store.backend(), options: options).run()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])

        #expect(
            Set(object.keys) == [
                "dryRun", "markedBlobs", "eligibleBlobs", "eligibleManifests", "eligibleBytes", "eligibleUploads",
                "eligibleIncompleteUploads",
                "eligibleLinks", "eligibleRepositories", "keptYoungBlobs", "totalBlobs", "totalManifests",
                "warnings", "problems", "failures", "timings", "skipped", "revalidations", "cancelled",
                "eligibleBlobSizes", "failedItems", "scannedAt",
            ])
        // One size per eligible blob, in order, adding up to the eligible bytes.
        let sizes = try #require(object["eligibleBlobSizes"] as? [Int])
        #expect(sizes.count == report.eligibleBlobs.count && sizes.reduce(0, +) == report.eligibleBytes)
        let blobs = try #require(object["eligibleBlobs"] as? [String])
        #expect(blobs.contains(orphan.description))
        #expect(blobs.allSatisfy { Digest($0) != nil })
        let manifests = try #require(object["eligibleManifests"] as? [[String: String]])
        #expect(manifests == [["repository": "app", "digest": untagged.manifest.description]])

        let links = try #require(object["eligibleLinks"] as? [[String: String]])
        let kinds = Set(links.compactMap { $0["kind"] })
        #expect(kinds.isSuperset(of: ["layer", "tag-without-link"]), "\(links)")
        let linkless = try #require(links.first { $0["kind"] == "tag-without-link" })
        #expect(linkless == ["repository": "app", "kind": "tag-without-link", "tag": "half", "digest": ""])
        let layer = try #require(links.first { $0["kind"] == "layer" })
        #expect(Set(layer.keys) == ["repository", "kind", "digest"])
        #expect(Digest(layer["digest"] ?? "") != nil)
        #expect(report.eligibleLinks.contains { $0.kind == .tagWithoutLink && $0.digest == nil && $0.tag == "half" })

        let problems = try #require(object["problems"] as? [[String: String]])
        let shard = try #require(problems.first { $0["path"]?.hasSuffix("blobs/sha256/zz") == true }, "\(problems)")
        #expect(Set(shard.keys) == ["code", "message", "path"])
        #expect(shard["code"] == "invalidStore")

        #expect(try JSONDecoder().decode(CollectReport.self, from: data) == report)
    }
}
