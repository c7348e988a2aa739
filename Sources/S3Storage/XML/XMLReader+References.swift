import RegistrySweep

extension XMLReader.Parser {
    /// Decodes the entity or character reference at `index` (its `&`) and appends its UTF-8.
    ///
    /// Accepts `&lt;` `&gt;` `&amp;` `&quot;` `&apos;`, `&#NN;` and `&#xHH;` naming an XML
    /// character (tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF).
    ///
    /// - Throws: `SweepError` `.io` for an unknown entity, a malformed or unterminated reference
    ///   or one naming a character XML does not allow.
    mutating func reference(into text: inout [UInt8]) throws(SweepError) {
        let start = index
        var end = index + 1
        // The longest valid reference is `&#x10FFFF;` plus leading zeros; 32 bytes is plenty.
        while end < bytes.count, end - start < 32, bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else {
            throw S3XMLError.malformed("an unterminated entity reference", at: start)
        }
        let body = bytes[(start + 1)..<end]
        index = end + 1
        switch String(decoding: body, as: UTF8.self) {
        case "lt": text.append(UInt8(ascii: "<"))
        case "gt": text.append(UInt8(ascii: ">"))
        case "amp": text.append(UInt8(ascii: "&"))
        case "quot": text.append(UInt8(ascii: "\""))
        case "apos": text.append(UInt8(ascii: "'"))
        default:
            guard body.first == UInt8(ascii: "#") else {
                throw S3XMLError.malformed("an unknown entity '&\(String(decoding: body, as: UTF8.self));'", at: start)
            }
            var digits = body.dropFirst()
            var radix: UInt32 = 10
            if digits.first == UInt8(ascii: "x") {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty, digits.allSatisfy({ Self.isDigit($0, hex: radix == 16) }),
                let value = UInt32(String(decoding: digits, as: UTF8.self), radix: Int(radix)),
                let scalar = Unicode.Scalar(value), Self.isXMLChar(value)
            else {
                throw S3XMLError.malformed(
                    "an invalid character reference '&\(String(decoding: body, as: UTF8.self));'", at: start)
            }
            text.append(contentsOf: String(Character(scalar)).utf8)
        }
    }

    /// Whether `byte` is an ASCII decimal digit, or a hex digit (either case) when `hex`.
    static func isDigit(_ byte: UInt8, hex: Bool) -> Bool {
        if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { return true }
        guard hex else { return false }
        let lower = byte | 0x20
        return lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f")
    }

    /// Whether `value` is a character XML 1.0 allows in a document.
    static func isXMLChar(_ value: UInt32) -> Bool {
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
