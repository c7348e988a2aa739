/// A digest encodes as its canonical text, `sha256:` followed by 64 lowercase hex digits,
/// exactly as ``Digest/description`` prints it and as the registry writes it in link files.
extension Digest: Codable {
    /// Decodes a digest from its canonical text.
    ///
    /// - Throws: `DecodingError.dataCorrupted` if the string is not a valid `sha256:` digest.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let digest = Digest(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not a sha256 digest (sha256: and 64 lowercase hex digits): \(text)")
        }
        self = digest
    }

    /// Encodes the digest as its canonical text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
