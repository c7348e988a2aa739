extension SweepError {
    /// What kind of failure this is. Stable: scripts and JSON consumers may match on it.
    ///
    /// An open set of codes, not an enum: a release may add codes without breaking an embedder's
    /// `switch`, which must have a `default`. Each code is its raw string (`"notFound"`, …), and
    /// encodes and decodes as that bare string; a code this version does not know decodes as
    /// itself and equals only a code with the same raw value.
    public struct Code: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
        /// The code's stable name, as JSON and scripts see it.
        public let rawValue: String

        /// Creates a code from its name; any string is accepted (see ``known``).
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Creates a code from its name.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        /// Decodes a code from a bare JSON string.
        ///
        /// - Throws: `DecodingError` if the value is not a string.
        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        /// Encodes the code as a bare JSON string.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }

        /// The raw value.
        public var description: String { rawValue }

        /// Every code this version of the library defines, in declaration order.
        public static let known: [Code] = [
            .io,
            .notFound,
            .wrongType,
            .permissionDenied,
            .invalidDigest,
            .unsupportedAlgorithm,
            .emptyLink,
            .corruptLink,
            .linkMismatch,
            .invalidManifest,
            .unknownManifestKind,
            .missingBlob,
            .digestMismatch,
            .invalidName,
            .invalidStore,
            .invalidConfig,
            .locked,
            .unknownReference,
            .invalidBaseline,
            .invalidImageStore,
            .engine,
            .cancelled,
            .invalidArgument,
        ]

        /// A system call failed (see `syscall` and `errno`).
        public static let io = Code("io")

        /// A path does not exist (`ENOENT` only: nothing is there).
        public static let notFound = Code("notFound")

        /// A layout node is of the wrong type: a file where a directory belongs or the reverse,
        /// a symbolic link (never followed), a FIFO, socket or device where a file belongs.
        /// Something is there, so it is never taken for "absent": what it may hold is kept.
        public static let wrongType = Code("wrongType")

        /// Permission denied.
        public static let permissionDenied = Code("permissionDenied")

        /// A digest string is not `sha256:` followed by 64 lowercase hex digits.
        public static let invalidDigest = Code("invalidDigest")

        /// A digest uses an algorithm this tool does not handle.
        public static let unsupportedAlgorithm = Code("unsupportedAlgorithm")

        /// A link file is empty (an interrupted write).
        public static let emptyLink = Code("emptyLink")

        /// A link file's content is not a valid digest.
        public static let corruptLink = Code("corruptLink")

        /// A link file names another digest than its path.
        public static let linkMismatch = Code("linkMismatch")

        /// A manifest is not valid JSON, is truncated, empty, or too large.
        public static let invalidManifest = Code("invalidManifest")

        /// A manifest is valid JSON of a kind this tool does not know.
        public static let unknownManifestKind = Code("unknownManifestKind")

        /// A blob referenced by a link or a manifest is absent from `blobs/`.
        public static let missingBlob = Code("missingBlob")

        /// A blob's content does not hash to its digest.
        public static let digestMismatch = Code("digestMismatch")

        /// A repository path component or tag does not follow the name grammar.
        public static let invalidName = Code("invalidName")

        /// The store root is not a registry store.
        public static let invalidStore = Code("invalidStore")

        /// A configuration file is unreadable or lacks the filesystem root directory.
        public static let invalidConfig = Code("invalidConfig")

        /// Another regsweep run holds the store lock.
        public static let locked = Code("locked")

        /// A repository or tag asked for does not exist.
        public static let unknownReference = Code("unknownReference")

        /// A baseline file is damaged or of another version.
        public static let invalidBaseline = Code("invalidBaseline")

        /// A Docker data root or engine answer could not be understood.
        public static let invalidImageStore = Code("invalidImageStore")

        /// The Docker engine could not be reached or refused a request.
        public static let engine = Code("engine")

        /// The work was cancelled.
        public static let cancelled = Code("cancelled")

        /// An argument is outside what the operation accepts.
        public static let invalidArgument = Code("invalidArgument")
    }
}
