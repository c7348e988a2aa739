import Crypto

/// What a verified run saw of each blob: size, modification time, XXH3 checksum and the
/// store's content tag (an object store's ETag).
///
/// `verify --baseline FILE` (full mode) records every blob whose SHA-256 matched its
/// digest; `verify --fast --baseline FILE` then re-checks unchanged blobs with XXH3
/// instead of SHA-256, and with `--trust-etag` skips reading those whose content tag is
/// unchanged too. See ``encoded()`` for the file format.
///
/// ## Performance
/// 64 bytes per record in memory and on disk (a million blobs: 64 MB). Records are kept
/// sorted by digest: lookup is a binary search, O(log n), no hashing or allocation.
public struct VerifyBaseline: Sendable, Equatable {
    /// One blob as a verified run saw it.
    public struct Record: Sendable, Hashable {
        /// The blob's digest (proven by SHA-256 when the record was made).
        public var digest: Digest
        /// The size of its `data`, in bytes.
        public var size: Int
        /// The modification time of its `data`, nanoseconds since 1970.
        public var modifiedNanoseconds: Int64
        /// XXH3-64 of its `data`.
        public var xxh3: UInt64
        /// The store's content tag of its `data` when verified (``FileInfo/contentTag``), 0 for none.
        public var contentTag: UInt64

        /// Creates a record.
        public init(digest: Digest, size: Int, modifiedNanoseconds: Int64, xxh3: UInt64, contentTag: UInt64 = 0) {
            self.digest = digest
            self.size = size
            self.modifiedNanoseconds = modifiedNanoseconds
            self.xxh3 = xxh3
            self.contentTag = contentTag
        }
    }

    /// The format version this build writes; it reads this one and version 1 (56-byte records,
    /// without content tags, read as 0).
    public static let version: UInt32 = 2
    /// The first 8 bytes of every baseline file: `\x89RSVB\r\n\x1A` (binary, and damaged
    /// by text-mode transfers in a way that is detected).
    static let magic: [UInt8] = [0x89, 0x52, 0x53, 0x56, 0x42, 0x0D, 0x0A, 0x1A]
    /// Bytes of the header: magic, version, record size, record count, creation time.
    static let headerSize = 32
    /// Bytes per record: digest (32), size (8), modification time (8), XXH3 (8), content tag (8).
    static let recordSize = 64
    /// Bytes per record of version 1 (no content tag).
    static let version1RecordSize = 56
    /// Bytes of the trailing SHA-256 over everything before it.
    static let trailerSize = 32

    /// The records, sorted by digest, one per digest.
    public private(set) var records: [Record]
    /// When the baseline was made, nanoseconds since 1970.
    public var createdNanoseconds: Int64

    /// Creates a baseline; records are sorted, and of two records for one digest the last wins.
    ///
    /// - Parameters:
    ///   - records: the records, in any order.
    ///   - createdNanoseconds: the time of the run that made them.
    /// - Complexity: O(n log n).
    public init(records: [Record], createdNanoseconds: Int64) {
        // A stable sort by digest, so that "the last wins" below is well defined.
        let sorted = records.indices.sorted { lhs, rhs in
            records[lhs].digest == records[rhs].digest ? lhs < rhs : records[lhs].digest < records[rhs].digest
        }
        var unique: [Record] = []
        unique.reserveCapacity(sorted.count)
        for index in sorted {
            if unique.last?.digest == records[index].digest { unique.removeLast() }
            unique.append(records[index])
        }
        self.records = unique
        self.createdNanoseconds = createdNanoseconds
    }

    /// The record of `digest`, if there is one.
    ///
    /// - Complexity: O(log n).
    public func record(for digest: Digest) -> Record? {
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].digest < digest { low = middle + 1 } else { high = middle }
        }
        return low < records.count && records[low].digest == digest ? records[low] : nil
    }

    /// The file image of this baseline.
    ///
    /// Format, version 2; integers little-endian, digests as their 32 raw bytes:
    ///
    /// | offset | bytes | field |
    /// | --- | --- | --- |
    /// | 0 | 8 | magic `89 52 53 56 42 0D 0A 1A` |
    /// | 8 | 4 | version (2) |
    /// | 12 | 4 | record size (64) |
    /// | 16 | 8 | record count n |
    /// | 24 | 8 | creation time, ns since 1970 |
    /// | 32 | 64 n | records sorted by digest: digest 32, size 8, mtime ns 8, XXH3-64 8, content tag 8 |
    /// | 32 + 64 n | 32 | SHA-256 of bytes 0 ..< 32 + 64 n |
    ///
    /// Version 1 is the same with 56-byte records (no content tag).
    ///
    /// - Complexity: O(n).
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerSize + records.count * Self.recordSize + Self.trailerSize)
        bytes += Self.magic
        Self.append(UInt64(Self.version) | UInt64(Self.recordSize) << 32, to: &bytes)
        Self.append(UInt64(records.count), to: &bytes)
        Self.append(UInt64(bitPattern: createdNanoseconds), to: &bytes)
        for record in records {
            for word in [record.digest.w0, record.digest.w1, record.digest.w2, record.digest.w3] {
                Self.append(word.byteSwapped, to: &bytes)  // raw digest bytes, most significant first
            }
            Self.append(UInt64(record.size), to: &bytes)
            Self.append(UInt64(bitPattern: record.modifiedNanoseconds), to: &bytes)
            Self.append(record.xxh3, to: &bytes)
            Self.append(record.contentTag, to: &bytes)
        }
        bytes += Array(SHA256.hash(data: bytes))
        return bytes
    }

    /// Reads a baseline file image, checking everything before trusting anything.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - path: the file, for messages.
    /// - Returns: the baseline.
    /// - Throws: `.invalidBaseline` for a wrong magic or version, a length that does not
    ///   match the record count (truncated or extended), a checksum mismatch, or records
    ///   out of order: a damaged baseline is never half-used.
    /// - Complexity: O(n).
    public static func decode(_ bytes: UnsafeRawBufferPointer, path: String) throws(SweepError) -> VerifyBaseline {
        func invalid(_ reason: String) -> SweepError {
            SweepError(
                .invalidBaseline,
                "\(reason); run a full verification that writes this baseline to record a new one",
                path: path)
        }
        guard bytes.count >= headerSize + trailerSize else {
            throw invalid("baseline is \(bytes.count) bytes, shorter than an empty baseline (truncated)")
        }
        guard bytes.prefix(magic.count).elementsEqual(magic) else { throw invalid("not a regsweep baseline file") }
        let version = UInt32(truncatingIfNeeded: word(bytes, at: 8))
        guard version == 1 || version == Self.version else {
            throw invalid("baseline has format version \(version); this regsweep reads versions 1 and \(Self.version)")
        }
        let recordSize = Int(word(bytes, at: 8) >> 32)
        guard recordSize == (version == 1 ? Self.version1RecordSize : Self.recordSize) else {
            throw invalid("baseline version \(version) declares \(recordSize)-byte records")
        }
        let count = word(bytes, at: 16)
        let (recordBytes, overflow) = count.multipliedReportingOverflow(by: UInt64(recordSize))
        let expected = recordBytes &+ UInt64(headerSize + trailerSize)
        guard !overflow, expected >= recordBytes, expected == UInt64(bytes.count) else {
            throw invalid("baseline is \(bytes.count) bytes but declares \(count) records (truncated or damaged)")
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - trailerSize)])
        var checksum = SHA256()
        checksum.update(bufferPointer: body)
        guard checksum.finalize().elementsEqual(bytes[(bytes.count - trailerSize)...]) else {
            throw invalid("baseline checksum does not match its content (damaged)")
        }
        var records: [Record] = []
        records.reserveCapacity(Int(count))
        var offset = headerSize
        for _ in 0..<Int(count) {
            let digest = Digest(
                w0: word(bytes, at: offset).byteSwapped, w1: word(bytes, at: offset + 8).byteSwapped,
                w2: word(bytes, at: offset + 16).byteSwapped, w3: word(bytes, at: offset + 24).byteSwapped)
            if let last = records.last, !(last.digest < digest) { throw invalid("baseline records are out of order") }
            let size = word(bytes, at: offset + 32)
            guard size <= UInt64(Int.max) else { throw invalid("baseline record of \(digest) has an impossible size") }
            records.append(
                Record(
                    digest: digest, size: Int(size),
                    modifiedNanoseconds: Int64(bitPattern: word(bytes, at: offset + 40)),
                    xxh3: word(bytes, at: offset + 48),
                    contentTag: recordSize > 56 ? word(bytes, at: offset + 56) : 0))
            offset += recordSize
        }
        var baseline = VerifyBaseline(records: [], createdNanoseconds: Int64(bitPattern: word(bytes, at: 24)))
        baseline.records = records
        return baseline
    }

    /// Reads the little-endian word at `offset`.
    @inline(__always)
    private static func word(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        // Safe: every caller checked that offset + 8 <= bytes.count (header and records
        // lie inside the length verified against the record count).
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Appends `value` as 8 little-endian bytes.
    @inline(__always)
    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
}
