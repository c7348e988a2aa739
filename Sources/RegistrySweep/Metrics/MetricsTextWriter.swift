/// Writes ``MetricsSample``s in the Prometheus text exposition format (0.0.4), the format
/// node_exporter's textfile collector reads, to a file replaced atomically.
///
/// The output is deterministic: families in the order of their first sample, each as a
/// `# HELP` line, a `# TYPE` line, then its samples in the order given; labels sorted by name;
/// every line ends in a line feed. Label values escape backslash, double quote and line feed
/// (`\\`, `\"`, `\n`), help texts backslash and line feed. Values are written as integers when
/// they are whole and exact (below 2^53), as `NaN`, `+Inf` and `-Inf`, else in Swift's shortest
/// round-trip form (`0.25`, `1e-07`), which Prometheus parses as Go's `ParseFloat` does.
///
/// A list that would make an invalid or ambiguous file is refused, not repaired: an invalid
/// metric or label name, a label name starting with `__` (reserved), two samples of one name
/// with different help or type, the same series twice, a sample label that a common label
/// would overwrite.
///
/// ## Why not swift-prometheus
/// swift-prometheus (2.4.1) is made for a long-lived process that serves `/metrics`: a
/// registry of lock-protected, atomically updated metric objects. For one file per run it
/// adds ceremony and falls short here: it emits families and series in dictionary order (a
/// different file for the same run, from one run to the next), stops the process
/// (`fatalError`) on a help-text or type conflict where we want an error the command reports,
/// silently rewrites invalid names, writes `nan` and `inf` for non-finite values, and brings
/// two packages (swift-atomics, swift-metrics) for what is a hundred lines here.
public struct MetricsTextWriter: Sendable {
    /// Labels added to every sample (a run's `command` and `dry_run`).
    public var commonLabels: [String: String]

    /// Creates a writer.
    ///
    /// - Parameter commonLabels: labels added to every sample, e.g. `["command": "gc", "dry_run": "false"]`.
    public init(commonLabels: [String: String] = [:]) {
        self.commonLabels = commonLabels
    }

    /// The text of `samples` (see the type's description).
    ///
    /// - Parameter samples: the samples, in the order to write them (samples of one name may be
    ///   apart: they are written together, at the first one's place).
    /// - Returns: the whole file, ending in a line feed (empty for no samples).
    /// - Throws: `.invalidArgument` naming the metric for a list the type refuses.
    /// - Complexity: O(n log n) for n samples (label sorting), O(total text) otherwise.
    public func render(_ samples: [MetricsSample]) throws(SweepError) -> String {
        for name in commonLabels.keys { try Self.checkLabelName(name, metric: "(common labels)") }
        var order: [String] = []
        var families: [String: (help: String, kind: MetricsSample.Kind, lines: [String], series: Set<String>)] = [:]
        for sample in samples {
            guard Self.isMetricName(sample.name) else {
                throw SweepError(.invalidArgument, "not a valid Prometheus metric name: \"\(sample.name)\"")
            }
            var labels = sample.labels
            for (name, value) in commonLabels {
                guard labels[name] == nil else {
                    throw SweepError(
                        .invalidArgument, "\(sample.name): the sample's label \"\(name)\" is also a common label")
                }
                labels[name] = value
            }
            for name in labels.keys { try Self.checkLabelName(name, metric: sample.name) }
            let series = sample.name + Self.labelText(labels)
            if let family = families[sample.name] {
                guard family.help == sample.help, family.kind == sample.kind else {
                    throw SweepError(
                        .invalidArgument, "\(sample.name): samples of one metric must have the same help text and type")
                }
                guard !family.series.contains(series) else {
                    throw SweepError(.invalidArgument, "\(series) appears twice")
                }
            } else {
                order.append(sample.name)
                families[sample.name] = (sample.help, sample.kind, [], [])
            }
            families[sample.name]?.series.insert(series)
            families[sample.name]?.lines.append(series + " " + Self.format(sample.value))
        }
        var text = ""
        for name in order {
            guard let family = families[name] else { continue }
            text += "# HELP \(name) \(Self.escapeHelp(family.help))\n"
            text += "# TYPE \(name) \(family.kind.rawValue)\n"
            for line in family.lines { text += line + "\n" }
        }
        return text
    }

    /// Renders `samples` and writes them to `path` atomically (``OutputFile/write(_:to:)``).
    ///
    /// - Parameters:
    ///   - samples: the samples.
    ///   - path: the file, e.g. `/var/lib/node_exporter/textfile_collector/regsweep.prom`.
    /// - Throws: what ``render(_:)`` and ``OutputFile/write(_:to:)`` throw; the file is then
    ///   left as it was.
    public func write(_ samples: [MetricsSample], to path: String) async throws(SweepError) {
        try await OutputFile.write(try render(samples), to: path)
    }

    /// A value as the exposition format writes it: `NaN`, `+Inf`, `-Inf`, a whole number below
    /// 2^53 without a fraction, anything else in Swift's shortest round-trip form.
    ///
    /// - Parameter value: the value.
    /// - Returns: its text.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        if value == value.rounded(.towardZero) && abs(value) < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    /// `{a="1",b="2"}` with names sorted and values escaped; empty for no labels.
    static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escapeLabelValue($0.value))\"" }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    /// A label value with backslash, double quote and line feed escaped.
    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(value.utf8.count)
        for character in value.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A help text with backslash and line feed escaped.
    static func escapeHelp(_ help: String) -> String {
        var escaped = ""
        for character in help.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// True for `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    static func isMetricName(_ name: String) -> Bool {
        isName(name, colon: true)
    }

    /// Throws unless `name` is `[a-zA-Z_][a-zA-Z0-9_]*` and does not start with `__`.
    static func checkLabelName(_ name: String, metric: String) throws(SweepError) {
        guard isName(name, colon: false), !name.hasPrefix("__") else {
            throw SweepError(.invalidArgument, "\(metric): not a valid Prometheus label name: \"\(name)\"")
        }
    }

    /// The name grammar of metrics (with `:`) and labels (without).
    private static func isName(_ name: String, colon: Bool) -> Bool {
        var first = true
        for byte in name.utf8 {
            defer { first = false }
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                continue
            case UInt8(ascii: ":") where colon:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9") where !first:
                continue
            default:
                return false
            }
        }
        return !first
    }
}
