import RegistrySweep

/// Typed access to an element's children, with errors naming the response and the field.
extension XMLElement {
    /// The text of the only child named `name`, untrimmed, or `nil` when there is none.
    ///
    /// - Parameter response: the operation, for the error message (`ListObjectsV2`).
    /// - Throws: `SweepError` `.io` if the child appears more than once or has child elements.
    package func optionalText(_ name: String, in response: String) throws(SweepError) -> String? {
        var found: XMLElement?
        for child in children where child.name == name {
            guard found == nil else { throw S3XMLError.invalid(response, "<\(self.name)> has more than one <\(name)>") }
            found = child
        }
        guard let found else { return nil }
        guard found.children.isEmpty else {
            throw S3XMLError.invalid(response, "<\(name)> in <\(self.name)> holds elements, not text")
        }
        return found.text
    }

    /// The text of the only child named `name`, untrimmed.
    ///
    /// - Throws: `SweepError` `.io` if it is absent or repeated.
    package func requiredText(_ name: String, in response: String) throws(SweepError) -> String {
        guard let text = try optionalText(name, in: response) else {
            throw S3XMLError.invalid(response, "<\(self.name)> has no <\(name)>")
        }
        return text
    }

    /// The child `name` as a non-negative decimal integer (surrounding white space allowed).
    ///
    /// - Throws: `SweepError` `.io` if it is absent, repeated, or not a non-negative integer.
    package func requiredCount(_ name: String, in response: String) throws(SweepError) -> Int {
        let text = try requiredText(name, in: response)
        guard let value = Self.count(text) else {
            throw S3XMLError.invalid(response, "<\(name)> in <\(self.name)> is not a non-negative integer: '\(text)'")
        }
        return value
    }

    /// The child `name` as a non-negative decimal integer, or `nil` when absent.
    ///
    /// - Throws: `SweepError` `.io` if it is repeated or not a non-negative integer.
    package func optionalCount(_ name: String, in response: String) throws(SweepError) -> Int? {
        guard let text = try optionalText(name, in: response) else { return nil }
        guard let value = Self.count(text) else {
            throw S3XMLError.invalid(response, "<\(name)> in <\(self.name)> is not a non-negative integer: '\(text)'")
        }
        return value
    }

    /// The child `name` as `true` or `false` (surrounding white space allowed).
    ///
    /// - Throws: `SweepError` `.io` if it is absent, repeated or another word.
    package func requiredBool(_ name: String, in response: String) throws(SweepError) -> Bool {
        let text = try requiredText(name, in: response)
        switch Self.trimmed(text) {
        case "true": return true
        case "false": return false
        default: throw S3XMLError.invalid(response, "<\(name)> in <\(self.name)> is not true or false: '\(text)'")
        }
    }

    /// The child `name` as an ISO 8601 UTC timestamp, in Unix seconds.
    ///
    /// - Throws: `SweepError` `.io` if it is absent, repeated or not a timestamp.
    package func requiredDate(_ name: String, in response: String) throws(SweepError) -> Double {
        let text = try requiredText(name, in: response)
        guard let seconds = ISO8601Timestamp.seconds(Self.trimmed(text)) else {
            throw S3XMLError.invalid(response, "<\(name)> in <\(self.name)> is not an ISO 8601 timestamp: '\(text)'")
        }
        return seconds
    }

    /// Checks this element is the root a response must have.
    ///
    /// - Throws: `SweepError` `.io` naming the root found.
    package func expectRoot(_ name: String, in response: String) throws(SweepError) {
        guard self.name == name else {
            throw S3XMLError.invalid(response, "the root element is <\(self.name)>, not <\(name)>")
        }
    }

    /// `text` as a non-negative decimal integer after trimming XML white space; ASCII digits only.
    package static func count(_ text: String) -> Int? {
        let digits = trimmed(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(digits)
    }

    /// `text` without leading and trailing XML white space (space, tab, LF, CR).
    package static func trimmed(_ text: String) -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return text[first...last]
    }
}
