/// The words and numbers of a one-line progress display, as pure functions of a
/// ``ProgressEvent`` (the CLI's `--progress` line; tests reach them through `package` access).
///
/// A line reads `reading manifests  412,331/1,000,000  41%  88,102/s  ETA 7s`: the phase in
/// words, items done (and the total and percentage when known), bytes when the phase reports
/// them, the rate (bytes per second when the phase reports bytes, else items per second) and
/// the time left when the total is known. Every part is ASCII, one column per character.
package enum ProgressText {
    /// The separator between the parts of a line.
    package static let separator = "  "

    /// What a phase is doing, in a few lowercase words (`listing blobs`, `removing blobs`).
    package static func words(_ phase: ProgressEvent.Phase) -> String {
        switch phase {
        case .listBlobs: "listing blob shards"
        case .listRepositories: "listing repositories"
        case .readManifests: "reading manifests"
        case .statBlobs: "reading blob sizes"
        case .mark: "marking live content"
        case .plan: "planning removals"
        case .revalidate: "looking for new pushes"
        case .removeTags: "removing tags"
        case .removeManifests: "removing manifests"
        case .removeLinks: "removing links"
        case .removeBlobs: "removing blobs"
        case .removeUploads: "removing uploads"
        case .removeRepositories: "removing repositories"
        case .verify: "hashing blobs"
        }
    }

    /// The line for `event`.
    ///
    /// - Parameters:
    ///   - event: what to show. Counts are left out when nothing is done yet and the total is 0
    ///     or 1 (a phase such as marking that reports only its start).
    ///   - rate: per second, of bytes when `event.bytes` is set, else of items; `nil` (or not
    ///     positive) leaves it out.
    ///   - eta: seconds left; `nil` (or negative) leaves it out.
    /// - Returns: the untruncated line (see ``truncated(_:toColumns:)``).
    package static func line(_ event: ProgressEvent, rate: Double? = nil, eta: Double? = nil) -> String {
        var parts = [words(event.phase)]
        let showsCounts = event.done > 0 || (event.total.map { $0 > 1 } ?? true)
        if showsCounts {
            if let total = event.total {
                parts.append("\(grouped(event.done))/\(grouped(total))")
                if total > 0 { parts.append("\(percent(event.done, of: total))%") }
            } else {
                parts.append(grouped(event.done))
            }
        }
        if let bytes = event.bytes { parts.append(self.bytes(bytes)) }
        if let rate, rate > 0 {
            parts.append(event.bytes == nil ? "\(count(rate))/s" : "\(bytes(Int(rate.rounded())))/s")
        }
        if let eta, eta >= 0 { parts.append("ETA \(duration(eta))") }
        return parts.joined(separator: separator)
    }

    /// The part of `done` in `total`, in whole percent rounded down (100 only when done), 0…100.
    package static func percent(_ done: Int, of total: Int) -> Int {
        guard total > 0 else { return 0 }
        return max(0, min(100, Int((Double(done) * 100 / Double(total)).rounded(.down))))
    }

    /// `1234567` → `"1,234,567"`.
    package static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = value < 0 ? "-" : ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    /// A rate of items: one decimal below 10 (`2.5`), else a grouped whole number (`88,102`).
    package static func count(_ value: Double) -> String {
        if value < 9.95 {
            let tenths = Int((value * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)"
        }
        return grouped(Int(value.rounded()))
    }

    /// Bytes in decimal units, short: `512 B`, `1.2 kB`, `12.3 MB`, `310 GB`.
    package static func bytes(_ value: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var scaled = Double(value)
        var unit = 0
        // 999.96 kB would print as 1000.0 kB: move to the next unit where the rounding would.
        while scaled >= 999.95 && unit < units.count - 1 {
            scaled /= 1000
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        if scaled < 99.95 {
            let tenths = Int((scaled * 10).rounded())
            return "\(tenths / 10).\(tenths % 10) \(units[unit])"
        }
        return "\(Int(scaled.rounded())) \(units[unit])"
    }

    /// Seconds, rounded up: `7s`, `1m05s`, `2h03m` (hours and minutes past an hour).
    package static func duration(_ seconds: Double) -> String {
        let whole = seconds.isFinite ? Int(min(seconds, 1e9).rounded(.up)) : 999_999_999
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return "\(whole / 60)m\(twoDigits(whole % 60))s" }
        return "\(whole / 3600)h\(twoDigits(whole / 60 % 60))m"
    }

    /// `text` cut so that it fits a terminal `columns` wide without wrapping: at most
    /// `columns - 1` characters, since some terminals wrap as soon as the last column is written.
    ///
    /// Lines from ``line(_:rate:eta:)`` are ASCII, one column per character.
    package static func truncated(_ text: String, toColumns columns: Int) -> String {
        let room = max(0, columns - 1)
        return text.count <= room ? text : String(text.prefix(room))
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
