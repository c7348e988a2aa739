import Foundation
import RegistrySweep
import Testing

/// The Prometheus text writer: exact text for escaping, values and grouping; refusals of lists
/// that would make an invalid file; and a round trip through prometheus_client's parser.
@Suite struct MetricsTextWriterTests {
    @Test func valuesAreWrittenAsPrometheusReadsThem() {
        #expect(MetricsTextWriter.format(.nan) == "NaN")
        #expect(MetricsTextWriter.format(.infinity) == "+Inf")
        #expect(MetricsTextWriter.format(-.infinity) == "-Inf")
        #expect(MetricsTextWriter.format(0) == "0")
        #expect(MetricsTextWriter.format(-0.0) == "0")
        #expect(MetricsTextWriter.format(42) == "42")
        #expect(MetricsTextWriter.format(-3) == "-3")
        #expect(MetricsTextWriter.format(0.25) == "0.25")
        #expect(MetricsTextWriter.format(1_234_567_890_123) == "1234567890123")
        #expect(MetricsTextWriter.format(1e20) == "1e+20")
        #expect(MetricsTextWriter.format(1.5e-7) == "1.5e-07")
    }

    @Test func familiesAreGroupedWithHelpAndTypeAndLabelsEscaped() throws {
        let samples = [
            MetricsSample("a_seconds", 1.5, labels: ["phase": "scan"], help: "Seconds."),
            MetricsSample("b_total", 7, help: "A counter \\ with a backslash\nand a line feed.", kind: .counter),
            MetricsSample("a_seconds", 2, labels: ["phase": "path \\ \"quoted\"\nnext"], help: "Seconds."),
        ]
        let text = try MetricsTextWriter(commonLabels: ["command": "gc"]).render(samples)
        #expect(
            text == """
                # HELP a_seconds Seconds.
                # TYPE a_seconds gauge
                a_seconds{command="gc",phase="scan"} 1.5
                a_seconds{command="gc",phase="path \\\\ \\"quoted\\"\\nnext"} 2
                # HELP b_total A counter \\\\ with a backslash\\nand a line feed.
                # TYPE b_total counter
                b_total{command="gc"} 7

                """)
        #expect(try MetricsTextWriter().render([]) == "")
    }

    @Test func invalidListsAreRefused() {
        func refused(_ samples: [MetricsSample], common: [String: String] = [:]) -> Bool {
            do {
                _ = try MetricsTextWriter(commonLabels: common).render(samples)
                return false
            } catch {
                return error.code == .invalidArgument
            }
        }
        #expect(refused([MetricsSample("1abc", 1, help: "h")]))
        #expect(refused([MetricsSample("a-b", 1, help: "h")]))
        #expect(refused([MetricsSample("", 1, help: "h")]))
        #expect(refused([MetricsSample("a", 1, labels: ["__name": "x"], help: "h")]))
        #expect(refused([MetricsSample("a", 1, labels: ["a-b": "x"], help: "h")]))
        #expect(
            refused([
                MetricsSample("a", 1, labels: ["x": "1"], help: "h"),
                MetricsSample("a", 2, labels: ["x": "1"], help: "h"),
            ]))
        #expect(
            refused([
                MetricsSample("a", 1, labels: ["x": "1"], help: "h"),
                MetricsSample("a", 2, labels: ["x": "2"], help: "other"),
            ]))
        #expect(
            refused([
                MetricsSample("a", 1, help: "h"), MetricsSample("a", 2, labels: ["x": "2"], help: "h", kind: .counter),
            ]))
        #expect(refused([MetricsSample("a", 1, labels: ["command": "x"], help: "h")], common: ["command": "gc"]))
        #expect(refused([MetricsSample("a", 1, help: "h")], common: ["0bad": "gc"]))
        // And the valid neighbours of those are accepted: each refusal above is for its reason.
        #expect(
            !refused([
                MetricsSample("a:b_c9", 1, labels: ["_x9": "1"], help: "h"),
                MetricsSample("a:b_c9", 2, labels: ["_x9": "2"], help: "h"),
            ]))
    }

    @Test func theFileIsReplacedWholeAndNoTemporaryFileIsLeft() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("regsweep.prom").path
        try Data("stale_metric 1\n".utf8).write(to: URL(fileURLWithPath: path))
        try await MetricsTextWriter().write([MetricsSample("fresh", 2, help: "h")], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "# HELP fresh h\n# TYPE fresh gauge\nfresh 2\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["regsweep.prom"])
        // A directory that does not exist: a clear error naming the file, nothing created.
        let missing = directory.appendingPathComponent("no-such-dir/regsweep.prom").path
        do {
            try await MetricsTextWriter().write([MetricsSample("fresh", 2, help: "h")], to: missing)
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.code == .notFound)
            #expect(error.path == missing)
            #expect(error.description.contains("could not write the file"))
        }
        // A render refusal leaves the old file as it was.
        await #expect(throws: SweepError.self) {
            try await MetricsTextWriter().write([MetricsSample("bad name", 1, help: "h")], to: path)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("# HELP fresh h"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["regsweep.prom"])
    }

    @Test(.enabled(if: PythonTool.prometheusShouldRun))
    func prometheusClientReadsBackEveryLabelAndValue() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("round-trip.prom").path
        let tricky = [
            "a,b", "say \"hi\"", "line one\nline two", "back\\slash", "\\n is not a line feed", "ünïcödé ✓", "",
        ]
        var samples: [MetricsSample] = []
        for (index, value) in tricky.enumerated() {
            samples.append(
                MetricsSample(
                    "regsweep_test_value", Double(index) + 0.5, labels: ["text": value],
                    help: "Help with \\ and\na line feed."))
        }
        let values: [Double] = [.nan, .infinity, -.infinity, 0, 1e20, 1.5e-7, 9_007_199_254_740_992, -42]
        for (index, value) in values.enumerated() {
            samples.append(
                MetricsSample("regsweep_test_number", value, labels: ["index": String(index)], help: "Numbers."))
        }
        try await MetricsTextWriter(commonLabels: ["command": "test"]).write(samples, to: path)
        let families = try PythonTool.parseMetrics(path)
        #expect(families.map(\.name) == ["regsweep_test_value", "regsweep_test_number"])
        #expect(families.allSatisfy { $0.type == "gauge" })
        #expect(families.first?.help == "Help with \\ and\na line feed.")
        let parsed = families.flatMap(\.samples)
        let expected = samples.map {
            PythonTool.ParsedSample(
                name: $0.name, labels: $0.labels.merging(["command": "test"]) { a, _ in a }, value: $0.value)
        }
        #expect(parsed == expected)
    }
}

/// A new empty directory under the system's temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("regsweep-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
