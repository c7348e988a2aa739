/// One value in the Prometheus text exposition format: a metric name, its labels, a value, and
/// its family's `# HELP` text and `# TYPE`.
///
/// Samples are plain values: a report turns into a list of them (``CollectReport/metricsSamples``,
/// ``DeleteReport/metricsSamples``, ``RetentionReport/metricsSamples``,
/// ``VerifyReport/metricsSamples``), a command adds its run samples
/// (``run(finishedAt:duration:exitStatus:)``), and ``MetricsTextWriter`` writes the list.
/// Anything else that measures a store (a `du`) makes its own samples the same way.
///
/// Names follow Prometheus practice: base units (`_seconds`, `_bytes`), `_total` only for
/// counters. regsweep's own samples are all gauges: each file describes one run, and the next
/// run replaces it.
public struct MetricsSample: Sendable, Hashable {
    /// A metric family's type: its `# TYPE` line.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A value that may go up and down (every per-run value).
        case gauge
        /// A value that only grows over the life of a process (its name should end in `_total`).
        case counter
        /// A value of no declared type.
        case untyped
    }

    /// The metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    public var name: String
    /// The labels (names `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`); written sorted by name.
    public var labels: [String: String]
    /// The value; NaN and infinities are allowed.
    public var value: Double
    /// The family's `# HELP` text: every sample of one name must carry the same.
    public var help: String
    /// The family's type: every sample of one name must carry the same.
    public var kind: Kind

    /// Creates a sample.
    ///
    /// - Parameters:
    ///   - name: the metric name.
    ///   - value: the value.
    ///   - labels: the labels, if any.
    ///   - help: the family's help text (one line; a line feed is written escaped).
    ///   - kind: the family's type; a gauge by default.
    public init(_ name: String, _ value: Double, labels: [String: String] = [:], help: String, kind: Kind = .gauge) {
        self.name = name
        self.labels = labels
        self.value = value
        self.help = help
        self.kind = kind
    }

    /// Creates a sample from an integer value (exact up to 2^53).
    ///
    /// - Parameters:
    ///   - name: the metric name.
    ///   - value: the value.
    ///   - labels: the labels, if any.
    ///   - help: the family's help text.
    ///   - kind: the family's type; a gauge by default.
    public init(_ name: String, _ value: Int, labels: [String: String] = [:], help: String, kind: Kind = .gauge) {
        self.init(name, Double(value), labels: labels, help: help, kind: kind)
    }

    /// The samples every run writes, whatever the command and however it ended:
    /// `regsweep_last_run_timestamp_seconds`, `regsweep_run_duration_seconds` (when known) and
    /// `regsweep_exit_status`.
    ///
    /// - Parameters:
    ///   - finishedAt: when the run ended, seconds since 1970 (``Timestamp/now()``).
    ///   - duration: how long the run took, in seconds, if measured.
    ///   - exitStatus: the process's exit status (0 done, 1 problems or failed removals, 3 store
    ///     unusable, 4 unknown reference, 64 usage, 130 interrupted).
    /// - Returns: the samples, without the command's labels (``MetricsTextWriter/commonLabels``).
    public static func run(finishedAt: Double, duration: Double?, exitStatus: Int32) -> [MetricsSample] {
        var samples = [MetricsFamily.lastRun.sample(finishedAt)]
        if let duration { samples.append(MetricsFamily.runDuration.sample(duration)) }
        samples.append(MetricsFamily.exitStatus.sample(Double(exitStatus)))
        return samples
    }
}
