/// The registry's grammar for repository names and tags.
public enum NameGrammar {
    /// True if `component` matches `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`.
    public static func isValidComponent<S: StringProtocol>(_ component: S) -> Bool {
        let bytes = Array(component.utf8)
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isAlnum(bytes[index]) {
                index += 1
                continue
            }
            // A separator run: ".", "_", "__", or one or more "-", followed by an alphanumeric.
            let start = index
            let separator = bytes[index]
            switch separator {
            case 0x2E:
                index += 1
            case 0x5F:
                index += 1
                if index < bytes.count && bytes[index] == 0x5F { index += 1 }
            case 0x2D:
                while index < bytes.count && bytes[index] == 0x2D { index += 1 }
            default:
                return false
            }
            guard index > start, index < bytes.count, isAlnum(bytes[index]) else { return false }
        }
        return true
    }

    /// True if `name` is a valid repository name: valid components joined by `/`, at most 255 bytes.
    public static func isValidRepository(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isValidComponent)
    }

    /// True if `tag` matches `[\w][\w.-]{0,127}`.
    public static func isValidTag(_ tag: String) -> Bool {
        let utf8 = tag.utf8
        guard let first = utf8.first, utf8.count <= 128, isWord(first) else { return false }
        return utf8.dropFirst().allSatisfy { isWord($0) || $0 == 0x2E || $0 == 0x2D }
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
    }

    private static func isWord(_ byte: UInt8) -> Bool {
        isAlnum(byte) || (0x41...0x5A).contains(byte) || byte == 0x5F
    }
}
