#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// RFC 3339 timestamps (the registry's `startedat`) and wall-clock time.
public enum Timestamp {
    /// Seconds since 1970 now.
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Seconds since 1970 from the kernel's coarse real-time clock: the clock the kernel stamps
    /// file modification times with. A file modified after this call has an mtime strictly
    /// greater than the value returned, except within the same clock tick (a few milliseconds).
    public static func coarseNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// A point in time that splits file modifications in two: whatever was modified before this
    /// call has an mtime at or below the value, whatever is modified after it has one above.
    ///
    /// File times are the kernel's coarse clock, raised (multigrain timestamps, Linux 6.13+) to
    /// the latest fine-grained time handed out, or that fine-grained real time itself: never
    /// later than the real time of the change. But the coarse clock lags real time by up to a
    /// tick plus however late the tick is handled (measured here in a VM: hundreds of
    /// microseconds past the tick), so a change made after a real-time reading can still be
    /// stamped below it. So this reads the real time `t`, waits until the coarse clock has passed
    /// `t` (a tick, a few milliseconds), and returns `t` plus half a microsecond (more than the
    /// rounding of a `Double` near 2^31 seconds): earlier changes are stamped at most `t`, later
    /// ones at least the coarse clock, which is past `t + 1 µs` by then.
    public static func modificationSplit() -> Double {
        let split = now()
        while coarseNow() <= split + 1e-6 { usleep(250) }
        return split + 0.5e-6
    }

    /// Monotonic seconds, for measuring phases.
    public static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `nil` for anything else.
    public static func parseRFC3339(_ text: String) -> Double? {
        let bytes = Array(text.utf8.prefix { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 })
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x74,
            bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
            let hour = number(11, 2), let minute = number(14, 2), let second = number(17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count && bytes[index] == 0x2E {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            if index == start { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        switch bytes[index] {
        case 0x5A, 0x7A:
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:
            guard index + 6 == bytes.count, bytes[index + 3] == 0x3A, let hours = number(index + 1, 2),
                let minutes = number(index + 4, 2)
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2D ? -1 : 1)
        default:
            return nil
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        let seconds = timegm(&parts)
        return Double(seconds - offset) + fraction
    }

    /// Formats seconds since 1970 as RFC 3339 UTC with seconds precision.
    public static func formatRFC3339(_ seconds: Double) -> String {
        var time = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
