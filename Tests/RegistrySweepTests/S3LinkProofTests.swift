import Foundation
import RegistrySweep
import S3Storage
import Testing

/// Links whose listed ETag proves their content (the MD5 of `sha256:<hex>` the registry wrote)
/// are taken as read; every other link is read with a GET, and the scan sees the same store
/// either way. Unit tests of the ETag's form and of the candidates need no server.
struct S3LinkProofUnitTests {
    @Test func onlyAQuotedOrBare32DigitHexETagIsAnMD5() {
        let hex = "a6edd08d73a7765dadf3c5da28584ccf"
        let md5 = ContentMD5(etag: "\"\(hex)\"")
        #expect(md5 != nil)
        #expect(ContentMD5(etag: hex) == md5)
        #expect(ContentMD5(etag: "\"\(hex.uppercased())\"") == md5)
        #expect(ContentMD5(of: Array("sha256:\(String(repeating: "0", count: 64))".utf8)) == md5)
        for bad in [
            "", "\"\"", "\"\(hex)-2\"", "\"\(hex.dropLast())\"", "\"\(hex)0\"", "\"\(hex.dropLast())g\"", "\"\(hex)",
            "W/\"\(hex)\"",
        ] {
            #expect(ContentMD5(etag: bad) == nil, "\(bad)")
        }
    }

    @Test func candidatesAreTheLinksOwnDigestOrTheTagsHistory() {
        let a = String(repeating: "a", count: 64)
        let b = String(repeating: "b", count: 64)
        var listing = KeyListing()
        for key in [
            "r/_manifests/revisions/sha256/\(a)/link",
            "r/_manifests/tags/t/current/link",
            "r/_manifests/tags/t/index/sha256/\(a)/link",
            "r/_manifests/tags/t/index/sha256/\(b)/link",
            "r/_manifests/tags/t/index/sha256/not-a-digest/link",
            "r/_manifests/tags/u/current/link",
        ] {
            listing.appendBytes(key.utf8, size: 71, modified: 1)
        }
        listing.finish()
        #expect(S3Backend.linkCandidates("r/_manifests/revisions/sha256/\(a)/link", in: listing) == [Substring(a)])
        #expect(S3Backend.linkCandidates("r/_layers/sha256/\(b)/link", in: listing) == [Substring(b)])
        #expect(S3Backend.linkCandidates("r/_manifests/revisions/sha256/\(a.uppercased())/link", in: listing).isEmpty)
        #expect(
            S3Backend.linkCandidates("r/_manifests/tags/t/current/link", in: listing).sorted() == [
                Substring(a), Substring(b),
            ])
        // A tag without history, and paths no registry link has, have no candidate: read them.
        #expect(S3Backend.linkCandidates("r/_manifests/tags/u/current/link", in: listing).isEmpty)
        #expect(S3Backend.linkCandidates("r/_manifests/current/link", in: listing).isEmpty)
        #expect(S3Backend.linkCandidates("link", in: listing).isEmpty)
    }

    @Test func candidatesInAListingOfOneRepositoryPart() {
        // A scan's view lists `_manifests` and `_layers` apart: paths relative to the part.
        let a = String(repeating: "a", count: 64)
        var manifests = KeyListing()
        for key in ["revisions/sha256/\(a)/link", "tags/t/current/link", "tags/t/index/sha256/\(a)/link"] {
            manifests.appendBytes(key.utf8, size: 71, modified: 1)
        }
        manifests.finish()
        #expect(S3Backend.linkCandidates("revisions/sha256/\(a)/link", in: manifests) == [Substring(a)])
        #expect(S3Backend.linkCandidates("tags/t/current/link", in: manifests) == [Substring(a)])
        #expect(S3Backend.linkCandidates("sha256/\(a)/link", in: KeyListing()) == [Substring(a)])
        // Not a tag's current link (no `tags` above the tag), and not a digest directory.
        #expect(S3Backend.linkCandidates("t/current/link", in: manifests).isEmpty)
        #expect(S3Backend.linkCandidates("tags/current/link", in: manifests).isEmpty)
        #expect(S3Backend.linkCandidates("sha256/xyz/link", in: manifests).isEmpty)
    }
    @Test func aListingKeepsMD5sOnlyWhereGivenAndEachWithItsKey() {
        let m1 = ContentMD5(high: 1, low: 2)
        let m2 = ContentMD5(high: 3, low: 4)
        // Keys without an MD5 (blob data) first: none is stored for them, and the MD5s given
        // later stay with their keys through out-of-order appends, merges and sorting.
        var blobs = KeyListing()
        blobs.appendBytes("b/data".utf8, size: 71, modified: 1)
        var links = KeyListing()
        links.appendBytes("r/y/link".utf8, size: 71, modified: 1, md5: m2)
        links.appendBytes("r/z/link".utf8, size: 71, modified: 1)
        links.appendBytes("r/x/link".utf8, size: 71, modified: 1, md5: m1)
        links.appendBytes("p/link".utf8, size: 71, modified: 1, md5: m1)
        links.appendBytes("p/link/q".utf8, size: 3, modified: 1)
        var merged = blobs
        merged.append(contentsOf: links)
        merged.finish()
        #expect(merged.count == 6)
        #expect(merged.contentMD5(of: "r/x/link", size: 71) == m1)
        #expect(merged.contentMD5(of: "r/y/link", size: 71) == m2)
        #expect(merged.contentMD5(of: "r/z/link", size: 71) == nil)
        #expect(merged.contentMD5(of: "b/data", size: 71) == nil)
        // Another size, or a key that is also a prefix of others (a node of the wrong type): no proof.
        #expect(merged.contentMD5(of: "r/x/link", size: 70) == nil)
        #expect(merged.contentMD5(of: "p/link", size: 71) == nil)
        #expect(merged.lookup("p/link") == .conflict)
    }
}

@Suite(.serialized, .enabled(if: SeaweedServer.shouldRun && RegistryServer.shouldRun))
struct S3LinkProofTests {
    /// What a scan saw, comparable between runs: per repository, its tags' current manifests,
    /// its revisions and linkless revisions, and the problems.
    struct Seen: Equatable, CustomStringConvertible {
        var repositories: [String: [String]] = [:]
        var problems: [String] = []

        init(_ snapshot: StoreSnapshot) {
            for repository in snapshot.repositories {
                var lines = repository.tags.map {
                    "tag \($0.name) \(snapshot.current(of: $0)?.description ?? "unread")"
                }
                lines += snapshot.revisions(of: repository).map { "revision \($0)" }
                lines += repository.linklessRevisions.map { "linkless \($0)" }
                lines.append("incomplete \(repository.isIncomplete)")
                repositories[repository.name] = lines.sorted()
            }
            problems = snapshot.problems.map { "\($0.code) \($0.path ?? "") \($0.message)" }.sorted()
        }

        var description: String { "\(repositories) \(problems)" }
    }

    @Test func aScanSeesTheSameStoreWithFewerGETsAndAnyLinkNotProvenIsRead() async throws {
        let fixture = try await S3BackendRegistryTests.Fixture.make()
        defer { fixture.stop() }
        var readingEvery = fixture.backend.configuration
        readingEvery.linkProofs = false

        /// A scan on a new backend: what it saw, its GETs (server metrics), the links it proved.
        func scan(proofs: Bool) async throws -> (seen: Seen, gets: Int, proven: Int) {
            let backend = S3Backend(proofs ? fixture.backend.configuration : readingEvery)
            let before = try await fixture.s3.settledRequestCounts()["GET", default: 0]
            let snapshot = try await StoreScanner(backend: backend, options: ScanOptions()).scan()
            let gets = try await fixture.s3.settledRequestCounts()["GET", default: 0] - before
            return (Seen(snapshot), gets, backend.provenLinks)
        }

        let proving = try await scan(proofs: true)
        let reading = try await scan(proofs: false)
        #expect(proving.seen == reading.seen)
        #expect(proving.seen.problems.isEmpty, "\(proving.seen)")
        #expect(reading.proven == 0)
        // Every revision link and tag link the registry wrote is proven: 14 revisions (one
        // deleted manifest's link is gone) and 6 tags.
        let revisions = proving.seen.repositories.values.joined().filter { $0.hasPrefix("revision ") }.count
        let tags = proving.seen.repositories.values.joined().filter { $0.hasPrefix("tag ") }.count
        #expect(proving.proven == revisions + tags, "proven \(proving.proven), revisions \(revisions), tags \(tags)")
        #expect(
            proving.gets + proving.proven == reading.gets,
            "GETs \(proving.gets) + proven \(proving.proven) against \(reading.gets)")

        // Links the proof cannot vouch for are read, and read as they are:
        let backend = fixture.backend
        let app = "library/app"
        let v1 = try #require(fixture.scenario.images.first { $0.repository == app && $0.tag == "v1" }).image
        let oldV1 = fixture.scenario.oldV1
        // - a revision link rewritten (one PutObject: an MD5 ETag) to name another manifest;
        let v1Hex = String(v1.manifestDigest.dropFirst("sha256:".count))
        try await backend.putObject(
            "\(StorePath.repositories)/\(app)/_manifests/revisions/sha256/\(v1Hex)/link",
            Array(oldV1.manifestDigest.utf8))
        // - a tag re-pointed to a manifest outside its history (`stable` only ever named v1);
        try await backend.putObject(
            "\(StorePath.repositories)/\(app)/_manifests/tags/stable/current/link", Array(oldV1.manifestDigest.utf8))
        // - a tag link with a trailing newline (not the bytes the registry writes).
        try await backend.putObject(
            "\(StorePath.repositories)/\(app)/_manifests/tags/v1/current/link", Array((v1.manifestDigest + "\n").utf8))
        try await Task.sleep(nanoseconds: 2_600_000_000)

        let provingAfter = try await scan(proofs: true)
        let readingAfter = try await scan(proofs: false)
        #expect(provingAfter.seen == readingAfter.seen, "\(provingAfter.seen)\n\(readingAfter.seen)")
        // The three rewritten links are read; every other link is still proven.
        #expect(provingAfter.proven == proving.proven - 3)
        #expect(provingAfter.gets == proving.gets + 3)
        let seenApp = try #require(provingAfter.seen.repositories[app])
        #expect(seenApp.contains("tag stable \(oldV1.manifestDigest)"), "\(seenApp)")
        #expect(seenApp.contains("incomplete true"), "\(seenApp)")
        #expect(
            provingAfter.seen.problems.contains { $0.hasPrefix("linkMismatch") && $0.contains(v1Hex) },
            "\(provingAfter.seen.problems)")
        #expect(
            provingAfter.seen.problems.contains { $0.contains("tags/v1/current/link") }, "\(provingAfter.seen.problems)"
        )
    }
}
