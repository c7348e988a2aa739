/// Human-readable byte counts for reports.
public enum ByteCount {
    /// `1234567` -> `"1.2 MB (1234567 bytes)"`; decimal units, as `du --si`.
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let rounded = unit == 0 ? "\(bytes) B" : "\((value * 10).rounded() / 10) \(units[unit])"
        return unit == 0 ? rounded : "\(rounded) (\(bytes) bytes)"
    }
}
