import DockerImageStore
import Foundation
import RegistrySweep
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP parsing, API decoding and the unreachable-daemon paths of `EngineClient` (`ImagesTests` drives a real one).
@Suite struct EngineClientTests {
    /// A Content-Length body is complete only once all its bytes are there.
    @Test func contentLength() throws {
        let bytes = Array(
            "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"message\":\"x\"}"
                .utf8)
        #expect(try EngineHTTPResponse.parse(Array(bytes.dropLast(3)), atEOF: false) == nil)
        #expect(throws: SweepError.self) { try EngineHTTPResponse.parse(Array(bytes.dropLast(3)), atEOF: true) }
        let response = try #require(try EngineHTTPResponse.parse(bytes, atEOF: false))
        #expect(response.status == 409)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.errorMessage == "x")
    }

    /// Chunked bodies are de-chunked; incomplete ones wait for more bytes, or fail at end of stream.
    @Test func chunked() throws {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4\r\n[1,2\r\na;ext=1\r\n,3,4,5,6,7\r\n1\r\n]\r\n0\r\n\r\n"
        let bytes = Array(text.utf8)
        let response = try #require(try EngineHTTPResponse.parse(bytes, atEOF: false))
        #expect(response.text == "[1,2,3,4,5,6,7]")
        #expect(try EngineHTTPResponse.parse(Array(bytes.dropLast(2)), atEOF: false) == nil)
        #expect(throws: SweepError.self) { try EngineHTTPResponse.parse(Array(bytes.dropLast(2)), atEOF: true) }
        let bad = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".utf8)
        let error = #expect(throws: SweepError.self) { try EngineHTTPResponse.parse(bad, atEOF: false) }
        #expect(error?.code == .engine)
    }

    /// Something that is not HTTP is a malformed answer, not a crash; a body that ends at EOF is taken whole.
    @Test func malformedAndCloseDelimited() throws {
        #expect(throws: SweepError.self) {
            try EngineHTTPResponse.parse(Array("SSH-2.0-OpenSSH\r\n\r\n".utf8), atEOF: false)
        }
        let bytes = Array("HTTP/1.0 500 Oops\r\n\r\nplain text\n".utf8)
        #expect(try EngineHTTPResponse.parse(bytes, atEOF: false) == nil)
        let response = try #require(try EngineHTTPResponse.parse(bytes, atEOF: true))
        #expect(response.errorMessage == "plain text")
    }

    /// `GET /images/json` and `DELETE /images/<id>` answers decode; `<none>` placeholders and nulls are dropped.
    @Test func decodesAnswers() throws {
        let a = "sha256:" + String(repeating: "a", count: 64)
        let b = "sha256:" + String(repeating: "b", count: 64)
        let list = """
            [{"Containers":-1,"Created":1700000000,"Id":"\(a)","Labels":null,"ParentId":"",
              "RepoDigests":["<none>@<none>"],"RepoTags":["<none>:<none>"],"SharedSize":-1,"Size":12,"VirtualSize":12},
             {"Created":1700000001,"Id":"\(b)","ParentId":"\(a)","RepoDigests":null,
              "RepoTags":["app:1","app:2"],"Size":30}]
            """
        let images = try EngineImageSummary.decodeList(Array(list.utf8))
        #expect(images.count == 2)
        #expect(
            images[0]
                == EngineImageSummary(
                    id: Digest(a)!, parent: nil, repoTags: [], repoDigests: [], created: 1_700_000_000, size: 12))
        #expect(images[1].parent == Digest(a) && images[1].repoTags == ["app:1", "app:2"] && images[1].size == 30)
        #expect(throws: SweepError.self) { try EngineImageSummary.decodeList(Array("[{\"Size\":1}]".utf8)) }

        let deleted = try ImageDeleteRecord.decodeList(
            Array("[{\"Untagged\":\"app@\(a)\"},{\"Deleted\":\"\(b)\"}]".utf8))
        #expect(deleted == [.untagged("app@\(a)"), .deleted(Digest(b)!)])

        // The API model: one layer per image holding its size minus its parent's.
        let model = ImagePruner.model(images: images, containers: [])
        #expect(model.danglingIDs().isEmpty)
        #expect(model.intermediateIDs() == [Digest(a)!])
        #expect(model.bytesFreed(removing: [Digest(b)!]) == 18)
        #expect(model.size(of: Digest(b)!) == 30)
    }

    /// Only unix:// hosts with an absolute path are accepted.
    @Test func hosts() throws {
        #expect(try EngineClient(host: "unix:///var/run/docker.sock").socketPath == "/var/run/docker.sock")
        for host in ["tcp://127.0.0.1:2375", "ssh://me@host", "/var/run/docker.sock", "unix://relative.sock"] {
            let error = #expect(throws: SweepError.self) { try EngineClient(host: host) }
            #expect(error?.code == .invalidArgument, "\(host)")
        }
    }

    /// No socket file: an `.engine` error naming the socket and saying what to check.
    @Test func missingSocket() {
        let path = "/tmp/rsw-none-\(getpid()).sock"
        let error = #expect(throws: SweepError.self) { try EngineClient(socketPath: path).ping() }
        #expect(error?.code == .engine)
        #expect(error?.path == path)
        #expect(error?.errno == ENOENT)
        #expect(error?.message.contains("is dockerd running") == true)
        let pruner = ImagePruner(client: EngineClient(socketPath: path))
        #expect(throws: SweepError.self) { try pruner.plan() }
    }

    /// A stale socket file with nobody listening: connection refused, reported as unreachable.
    @Test func staleSocket() throws {
        let listener = try UnixListener(name: "stale")
        listener.closeKeepingFile()
        let error = #expect(throws: SweepError.self) { try EngineClient(socketPath: listener.path).listImages() }
        #expect(error?.code == .engine)
        #expect(error?.errno == ECONNREFUSED)
        #expect(error?.message.contains("dockerd is not running") == true)
    }

    /// A listener that never answers gives a timeout error within about the timeout, not a hang.
    @Test func silentDaemonTimesOut() throws {
        let listener = try UnixListener(name: "silent")
        let start = Date()
        let error = #expect(throws: SweepError.self) {
            try EngineClient(socketPath: listener.path, timeout: 0.5).deleteImage(
                Digest("sha256:" + String(repeating: "0", count: 64))!)
        }
        #expect(error?.code == .engine)
        #expect(error?.errno == EAGAIN)
        #expect(error?.message.contains("did not answer") == true)
        #expect(Date().timeIntervalSince(start) < 5)
    }
}
