/// Whole-document walkers and value readers on top of the strict `JSONCursor`, shared by the
/// manifest parser and the Docker engine readers (image configs, repositories.json, API answers).
///
/// Errors keep the cursor's byte offset; callers turn them into `.invalidImageStore` or `.engine`
/// errors that name the file or the request (see `SweepError.rewrapped`).
extension JSONCursor {
    /// Walks a whole document that must be one object, then checks nothing follows it.
    ///
    /// - Parameters:
    ///   - bytes: the document.
    ///   - what: what the document is, for the message (`"an image config"`).
    ///   - body: called with each member; must consume the value.
    /// - Throws: what the cursor or `body` throws.
    package static func forEachMember(
        of bytes: UnsafeRawBufferPointer, what: String,
        _ body: (inout JSONCursor, StringToken) throws(SweepError) -> Void
    ) throws(SweepError) {
        var cursor = JSONCursor(bytes)
        guard try cursor.peek() == 0x7B else { throw cursor.fail("\(what) is a JSON object") }
        try cursor.forEachMember(body)
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.fail("content after the end of \(what)") }
    }

    /// Walks a whole document that must be one array, then checks nothing follows it.
    ///
    /// - Throws: what the cursor or `body` throws.
    package static func forEachElement(
        of bytes: UnsafeRawBufferPointer, what: String,
        _ body: (inout JSONCursor, Int) throws(SweepError) -> Void
    ) throws(SweepError) {
        var cursor = JSONCursor(bytes)
        guard try cursor.peek() == 0x5B else { throw cursor.fail("\(what) is a JSON array") }
        try cursor.forEachElement(body)
        cursor.skipWhitespace()
        guard cursor.atEnd else { throw cursor.fail("content after the end of \(what)") }
    }

    /// Reads a string value, or `nil` for `null`.
    ///
    /// - Parameter field: the member's name, for the message.
    /// - Throws: `.invalidManifest` (cursor error) when the value is neither a string nor `null`.
    package mutating func readOptionalString(field: String) throws(SweepError) -> String? {
        if try consumeNull() { return nil }
        guard try peek() == 0x22 else { throw fail("\"\(field)\" is not a string") }
        return string(try readString())
    }

    /// Reads an integer value, or `nil` for `null`.
    ///
    /// - Throws: a cursor error when the value is not an integer that fits in `Int`.
    package mutating func readOptionalInteger(field: String) throws(SweepError) -> Int? {
        if try consumeNull() { return nil }
        let byte = try peek()
        guard byte == 0x2D || (0x30...0x39).contains(byte) else { throw fail("\"\(field)\" is not a number") }
        return try readInteger()
    }

    /// Reads an array of strings; `null` is an empty array.
    ///
    /// - Throws: a cursor error when the value is not an array of strings.
    package mutating func readStringArray(field: String) throws(SweepError) -> [String] {
        if try consumeNull() { return [] }
        guard try peek() == 0x5B else { throw fail("\"\(field)\" is not an array") }
        var result: [String] = []
        try forEachElement { cursor, _ throws(SweepError) in
            guard try cursor.peek() == 0x22 else { throw cursor.fail("\"\(field)\" holds a non-string") }
            result.append(cursor.string(try cursor.readString()))
        }
        return result
    }

    /// Reads an image or layer ID: `sha256:<64 hex>`, or (`allowBareHex`) 64 hex digits as legacy stores write.
    ///
    /// - Throws: a cursor error when the value is not a string holding such an ID.
    package mutating func readImageID(field: String, allowBareHex: Bool = false) throws(SweepError) -> Digest {
        guard let text = try readOptionalString(field: field) else { throw fail("\"\(field)\" is null") }
        guard let digest = Self.imageID(text, allowBareHex: allowBareHex) else {
            throw fail("\"\(field)\" is not an image ID: \(Self.preview(text))")
        }
        return digest
    }

    /// Parses `sha256:<hex>` or, when allowed, bare 64-hex text.
    package static func imageID(_ text: String, allowBareHex: Bool) -> Digest? {
        if let digest = Digest(text) { return digest }
        return allowBareHex ? Digest.parseHex(text) : nil
    }

    /// Calls `body` with the bytes of `array`, keeping the typed error (`Array.withUnsafeBytes` rethrows untyped).
    package static func withBytes<R>(
        _ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(SweepError) -> R
    ) throws(SweepError) -> R {
        let result: Result<R, SweepError> = array.withUnsafeBytes { raw in
            do throws(SweepError) {
                return .success(try body(raw))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// At most 80 characters of `text`, quoted, for messages.
    package static func preview(_ text: String) -> String {
        var copy = text
        return copy.withUTF8 { Digest.preview(UnsafeRawBufferPointer($0)) }
    }
}

extension SweepError {
    /// This error's message under a new code, prefixed with `context`, naming `path`.
    ///
    /// Used to turn a path-less parser error (`.invalidManifest` from `JSONCursor`) into an error
    /// about a given file or answer, keeping the syscall and errno if there were any.
    package func rewrapped(_ code: Code, _ context: String, path: String) -> SweepError {
        SweepError(
            code, "\(context): \(message)", path: self.path ?? path, digest: digest, syscall: syscall, errno: errno)
    }
}
