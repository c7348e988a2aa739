import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import RegistrySweep

/// The S3 operations the backend uses, each one request (plus retries).
extension S3Client {
    /// One ListObjectsV2 page.
    ///
    /// - Parameters:
    ///   - prefix: keys starting with this.
    ///   - delimiter: `/` to roll keys below the next `/` into common prefixes, `nil` for a flat listing.
    ///   - startAfter: only keys after this one (the first page only).
    ///   - token: the previous page's continuation token.
    ///   - maxKeys: at most this many keys (1,000 is S3's largest page).
    /// - Throws: the request's errors; `.io` for a body that is not a complete, valid page.
    func listPage(
        prefix: String, delimiter: String? = nil, startAfter: String? = nil, token: String? = nil, maxKeys: Int = 1000,
        path: String?
    ) async throws(SweepError) -> ListObjectsPage {
        var query: [(name: String, value: String)] = [
            ("list-type", "2"), ("prefix", prefix), ("max-keys", String(maxKeys)),
        ]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let token {
            query.append(("continuation-token", token))
        } else if let startAfter {
            query.append(("start-after", startAfter))
        }
        let response = try await send(.GET, key: "", query: query, operation: "ListObjectsV2", path: path)
        guard response.isSuccess else { throw response.listingError("ListObjectsV2", path: path) }
        do {
            return try ListObjectsPage(xml: response.body)
        } catch {
            throw SweepError(
                .io, "S3 ListObjectsV2 answered a page that cannot be read: \(error.message)", path: path, cause: error)
        }
    }

    /// Every key under `prefix`, page after page, passed to `body` a page at a time; stops when
    /// `body` returns false.
    ///
    /// - Throws: the first page that fails (never a shortened listing); `.io` for a truncated
    ///   page without a token, or a token that repeats.
    func listAll(
        prefix: String, delimiter: String? = nil, startAfter: String? = nil, maxKeys: Int = 1000, path: String?,
        _ body: (ListObjectsPage) throws(SweepError) -> Bool
    ) async throws(SweepError) {
        var token: String?
        var seen: Set<String> = []
        while true {
            let page = try await listPage(
                prefix: prefix, delimiter: delimiter, startAfter: startAfter, token: token, maxKeys: maxKeys, path: path
            )
            guard try body(page), page.isTruncated else { return }
            guard let next = page.nextContinuationToken, seen.insert(next).inserted else {
                throw SweepError(
                    .io, "S3 ListObjectsV2 answered a truncated page without a new continuation token", path: path)
            }
            token = next
        }
    }

    /// The whole object, at most `limit` bytes.
    ///
    /// - Throws: `.notFound` for a missing key; `.invalidArgument` for a larger object; others.
    func getObject(_ key: String, limit: Int, path: String?) async throws(SweepError) -> [UInt8] {
        let response = try await send(.GET, key: key, maxBody: limit, operation: "GetObject", path: path)
        guard response.isSuccess else { throw response.error("GetObject", path: path) }
        return response.body
    }

    /// Deletes up to 1,000 keys in one DeleteObjects request.
    ///
    /// - Returns: the keys the store reports deleted and those it reports failed (each with its
    ///   code). A key in neither list is a failure too: nothing is assumed deleted.
    func deleteObjects(_ keys: [String], path: String?) async throws(SweepError) -> DeleteObjectsResult {
        precondition(keys.count <= DeleteObjectsRequest.maximumKeys)
        let body = try DeleteObjectsRequest.body(keys: keys)
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        let response = try await send(
            .POST, key: "", query: [("delete", "")],
            headers: [("content-md5", md5), ("content-type", "application/xml")],
            body: body, operation: "DeleteObjects", path: path)
        guard response.isSuccess else { throw response.error("DeleteObjects", path: path) }
        var result: DeleteObjectsResult
        do {
            result = try DeleteObjectsResult(xml: response.body)
        } catch {
            throw SweepError(
                .io, "S3 DeleteObjects answered a result that cannot be read: \(error.message)", path: path,
                cause: error)
        }
        let answered = Set(result.deleted).union(result.failures.map(\.key))
        for key in keys where !answered.contains(key) {
            result.failures.append(
                .init(key: key, code: "NoAnswer", message: "the DeleteObjects answer does not name this key"))
        }
        return result
    }

    /// Writes an object.
    ///
    /// - Parameter ifNoneMatch: send `If-None-Match: *` (create only if absent).
    /// - Returns: the response (412 when the key exists and the condition held).
    func putObject(_ key: String, body: [UInt8], ifNoneMatch: Bool, path: String?) async throws(SweepError)
        -> S3Response
    {
        var headers: [(name: String, value: String)] = [("content-type", "application/json")]
        if ifNoneMatch { headers.append(("if-none-match", "*")) }
        return try await send(.PUT, key: key, headers: headers, body: body, operation: "PutObject", path: path)
    }

    /// Deletes one object (absent is fine: S3 answers 204 either way).
    func deleteObject(_ key: String, path: String?) async throws(SweepError) {
        let response = try await send(.DELETE, key: key, operation: "DeleteObject", path: path)
        guard response.isSuccess || response.status == 404 else { throw response.error("DeleteObject", path: path) }
    }

    /// Every incomplete multipart upload under `prefix`.
    func listMultipartUploads(prefix: String, path: String?) async throws(SweepError) -> [MultipartUpload] {
        var uploads: [MultipartUpload] = []
        var markers: (String, String)?
        var seen: Set<String> = []
        while true {
            var query: [(name: String, value: String)] = [("uploads", ""), ("prefix", prefix), ("max-uploads", "1000")]
            if let (key, id) = markers {
                query.append(("key-marker", key))
                query.append(("upload-id-marker", id))
            }
            let response = try await send(.GET, key: "", query: query, operation: "ListMultipartUploads", path: path)
            guard response.isSuccess else { throw response.listingError("ListMultipartUploads", path: path) }
            let page: MultipartUploadsPage
            do {
                page = try MultipartUploadsPage(xml: response.body)
            } catch {
                throw SweepError(
                    .io, "S3 ListMultipartUploads answered a page that cannot be read: \(error.message)", path: path,
                    cause: error)
            }
            uploads += page.uploads
            guard page.isTruncated else { return uploads }
            guard let key = page.nextKeyMarker, let id = page.nextUploadIDMarker,
                seen.insert(key + "\u{0}" + id).inserted
            else {
                throw SweepError(
                    .io, "S3 ListMultipartUploads answered a truncated page without new markers", path: path)
            }
            markers = (key, id)
        }
    }

    /// Aborts a multipart upload.
    ///
    /// - Throws: `.notFound` when it is gone (`NoSuchUpload`); others.
    func abortMultipartUpload(_ key: String, uploadID: String, path: String?) async throws(SweepError) {
        let response = try await send(
            .DELETE, key: key, query: [("uploadId", uploadID)], operation: "AbortMultipartUpload", path: path)
        guard response.isSuccess else { throw response.error("AbortMultipartUpload", path: path) }
    }
}
