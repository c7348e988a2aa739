/// The SigV4 request time, formatted without Foundation.
extension SigV4Signer {
    /// Formats Unix seconds as SigV4's `x-amz-date`: `YYYYMMDDTHHMMSSZ` in UTC.
    ///
    /// Uses ``CivilDate``'s integer arithmetic (no Foundation date formatter, no time zone
    /// database). Years are written with at least four digits; SigV4 has no meaning for times
    /// before year 1 or after 9999, which callers never pass.
    ///
    /// - Parameter seconds: seconds since 1970-01-01T00:00:00Z (negative before it).
    package static func amzDate(_ seconds: Int64) -> String {
        let secondsPerDay: Int64 = 86_400
        // Floor division, so a negative time falls on the day before the epoch.
        var days = seconds / secondsPerDay
        var secondOfDay = seconds % secondsPerDay
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += secondsPerDay
        }
        let date = CivilDate(daysSinceEpoch: Int(days))
        let second = Int(secondOfDay)
        return pad(date.year, 4) + pad(date.month, 2) + pad(date.day, 2) + "T" + pad(second / 3600, 2)
            + pad(second / 60 % 60, 2) + pad(second % 60, 2) + "Z"
    }

    /// `value` in decimal, zero-padded on the left to `width` digits.
    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
