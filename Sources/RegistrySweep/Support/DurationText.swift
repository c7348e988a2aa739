/// Go-style durations as operators write them for the registry: `90s`, `30m`, `1h30m`, `168h`, `7d`, `0`.
public enum DurationText {
    /// Parses a duration into seconds.
    ///
    /// - Returns: seconds, or `nil` if the text is not a duration (units: ms, s, m, h, d).
    public static func parse(_ text: String) -> Double? {
        if text == "0" { return 0 }
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            var unit = String(character)
            index = text.index(after: index)
            if unit == "m", index < text.endIndex, text[index] == "s" {
                unit = "ms"
                index = text.index(after: index)
            }
            guard let value = Double(number) else { return nil }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            default: return nil
            }
            total += value * scale
            number = ""
            sawUnit = true
        }
        return sawUnit && number.isEmpty ? total : nil
    }

    /// Formats seconds as the largest two units, e.g. `1h30m`, `2d3h`, `45s`, `0s`.
    public static func format(_ seconds: Double) -> String {
        var rest = Int(max(0, seconds).rounded())
        var parts: [String] = []
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)]
        where rest >= size || (size == 1 && parts.isEmpty) {
            parts.append("\(rest / size)\(unit)")
            rest %= size
            if parts.count == 2 { break }
        }
        return parts.joined()
    }
}
