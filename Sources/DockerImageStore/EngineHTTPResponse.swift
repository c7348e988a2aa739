import RegistrySweep

/// A parsed HTTP/1.1 response from the Docker engine: status, headers, de-chunked body.
///
/// The engine answers API calls with `Content-Length` or `Transfer-Encoding: chunked` bodies;
/// with `Connection: close` a body may also end at end of stream. `parse(_:atEOF:)` handles all three
/// and tells "need more bytes" (`nil`) from "cannot be a response" (throws).
public struct EngineHTTPResponse: Sendable, Hashable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Header fields with lowercased names (the last occurrence wins).
    public var headers: [String: String]
    /// The body, de-chunked.
    public var body: [UInt8]

    /// Creates a response value.
    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The body as UTF-8 text (invalid bytes replaced), for messages.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// Parses a response from the bytes received so far.
    ///
    /// - Parameters:
    ///   - bytes: everything received on the connection so far.
    ///   - atEOF: the peer closed the connection, so no more bytes will come.
    /// - Returns: the response, or `nil` when more bytes are needed (only when `atEOF` is false).
    /// - Throws: `SweepError(.engine)` when the bytes cannot be an HTTP/1.x response, or are incomplete at EOF.
    /// - Complexity: O(n) in `bytes.count`.
    public static func parse(_ bytes: [UInt8], atEOF: Bool) throws(SweepError) -> EngineHTTPResponse? {
        guard let headerEnd = find([13, 10, 13, 10], in: bytes, from: 0) else {
            if atEOF { throw malformed("the connection closed before the headers ended") }
            return nil
        }
        var lines = String(decoding: bytes[0..<headerEnd], as: UTF8.self).split(
            separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]), (100...599).contains(status)
        else {
            throw malformed("bad status line \(JSONCursor.preview(String(statusLine)))")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else {
                throw malformed("bad header line \(JSONCursor.preview(String(line)))")
            }
            headers[trim(line[..<colon]).lowercased()] = trim(line[line.index(after: colon)...])
        }

        let bodyStart = headerEnd + 4
        let body: [UInt8]
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            guard let decoded = try decodeChunked(bytes, from: bodyStart) else {
                if atEOF { throw malformed("the connection closed inside a chunked body") }
                return nil
            }
            body = decoded
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw malformed("bad Content-Length \(lengthText)") }
            guard bytes.count - bodyStart >= length else {
                if atEOF {
                    throw malformed("the connection closed after \(bytes.count - bodyStart) of \(length) body bytes")
                }
                return nil
            }
            body = Array(bytes[bodyStart..<(bodyStart + length)])
        } else if status == 204 || status == 304 || status < 200 {
            body = []
        } else {
            guard atEOF else { return nil }
            body = Array(bytes[bodyStart...])
        }
        return EngineHTTPResponse(status: status, headers: headers, body: body)
    }

    /// The engine's error text: the `message` member of a JSON error body, else the body itself.
    public var errorMessage: String {
        var message: String?
        do {
            try JSONCursor.withBytes(body) { (raw) throws(SweepError) in
                try JSONCursor.forEachMember(of: raw, what: "an error") { cursor, key throws(SweepError) in
                    guard cursor.equals(key, "message") else { return try cursor.skipValue() }
                    message = try cursor.readOptionalString(field: "message")
                }
            }
        } catch {
            message = nil
        }
        var fallback = Substring(text)
        while fallback.last?.isWhitespace == true { fallback.removeLast() }
        return message ?? String(fallback.prefix(300))
    }

    /// Decodes a chunked body starting at `start`; `nil` when incomplete.
    private static func decodeChunked(_ bytes: [UInt8], from start: Int) throws(SweepError) -> [UInt8]? {
        var out: [UInt8] = []
        var index = start
        while true {
            guard let lineEnd = find([13, 10], in: bytes, from: index) else { return nil }
            let line = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
            let sizeText = trim(line.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0])
            guard let size = Int(sizeText, radix: 16), size >= 0 else {
                throw malformed("bad chunk size \(JSONCursor.preview(sizeText))")
            }
            index = lineEnd + 2
            if size == 0 {
                // Optional trailer fields, then an empty line.
                while true {
                    guard let end = find([13, 10], in: bytes, from: index) else { return nil }
                    if end == index { return out }
                    index = end + 2
                }
            }
            guard bytes.count >= index + size + 2 else { return nil }
            out.append(contentsOf: bytes[index..<(index + size)])
            guard bytes[index + size] == 13, bytes[index + size + 1] == 10 else {
                throw malformed("a chunk is not followed by CRLF")
            }
            index += size + 2
        }
    }

    /// The first index of `needle` in `haystack` at or after `from`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var index = from
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0] && haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// `text` without leading and trailing spaces and tabs.
    private static func trim<S: StringProtocol>(_ text: S) -> String {
        var view = Substring(text)
        while view.first == " " || view.first == "\t" { view.removeFirst() }
        while view.last == " " || view.last == "\t" { view.removeLast() }
        return String(view)
    }

    /// A malformed-response error.
    private static func malformed(_ reason: String) -> SweepError {
        SweepError(.engine, "malformed HTTP response from the Docker daemon: \(reason)")
    }
}
