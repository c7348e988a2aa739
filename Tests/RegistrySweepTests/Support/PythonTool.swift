import Foundation

/// Python 3 as an independent reader of what regsweep writes: prometheus_client's text parser
/// for metrics files, the `csv` module for CSV reports. Run through ``ChildProcess``.
///
/// The interpreter is `$REGSWEEP_PYTHON3` if set, else the first `python3` in `PATH` (the one
/// `scripts/install-deps.sh` installs prometheus-client into with `python3 -m pip`).
enum PythonTool {
    /// The interpreter's path, looked up once; `nil` when there is none. Does not throw.
    static let python3: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let custom = environment["REGSWEEP_PYTHON3"], !custom.isEmpty {
            return FileManager.default.isExecutableFile(atPath: custom) ? custom : nil
        }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/python3"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    /// True when python3 can import prometheus_client. Does not throw.
    static let hasPrometheusClient: Bool = {
        guard let python3 else { return false }
        let outcome = try? ChildProcess.run(
            python3, ["-c", "import prometheus_client.parser"], output: .discarded, error: .discarded)
        return outcome?.status == 0
    }()

    /// For `.enabled(if:)`: python3 with prometheus_client, or CI (`CI=true`), where their
    /// absence must fail the tests instead of skipping them.
    static var prometheusShouldRun: Bool {
        hasPrometheusClient || isCI
    }

    /// For `.enabled(if:)`: python3 (its `csv` module), or CI.
    static var csvShouldRun: Bool {
        python3 != nil || isCI
    }

    private static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// A sample as prometheus_client's parser read it.
    struct ParsedSample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double

        static func == (lhs: ParsedSample, rhs: ParsedSample) -> Bool {
            lhs.name == rhs.name && lhs.labels == rhs.labels
                && (lhs.value == rhs.value || (lhs.value.isNaN && rhs.value.isNaN))
        }
    }

    /// A metric family as prometheus_client's parser read it.
    struct ParsedFamily {
        var name: String
        var type: String
        var help: String
        var samples: [ParsedSample]
    }

    /// Parses a metrics file with `prometheus_client.parser.text_string_to_metric_families`.
    ///
    /// - Throws: when python3 or prometheus_client is missing, or the parser refuses the file
    ///   (its message is in the error).
    static func parseMetrics(_ path: String) throws -> [ParsedFamily] {
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            text = open(sys.argv[1], encoding="utf-8").read()
            out = []
            for family in text_string_to_metric_families(text):
                out.append({"name": family.name, "type": family.type, "help": family.documentation,
                            "samples": [{"name": s.name, "labels": s.labels, "value": repr(float(s.value))}
                                        for s in family.samples]})
            print(json.dumps(out))
            """
        let data = try run(script, [path])
        guard let families = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
            throw ChildProcessError(description: "prometheus_client printed no family list")
        }
        return families.map { family in
            let samples = (family["samples"] as? [[String: Any]] ?? []).map { sample in
                ParsedSample(
                    name: sample["name"] as? String ?? "", labels: sample["labels"] as? [String: String] ?? [:],
                    value: Double(sample["value"] as? String ?? "") ?? -.infinity)
            }
            return ParsedFamily(
                name: family["name"] as? String ?? "", type: family["type"] as? String ?? "",
                help: family["help"] as? String ?? "", samples: samples)
        }
    }

    /// Parses a CSV file with Python's `csv` module (strict), and checks that the file is exactly
    /// what Python's own RFC 4180 writer (the `excel` dialect: minimal quoting, doubled quotes,
    /// CR LF after every record) makes of the records it read.
    ///
    /// - Returns: the records, header first.
    /// - Throws: when python3 is missing, the file does not parse, or it is written otherwise.
    static func parseCSV(_ path: String) throws -> [[String]] {
        let script = """
            import csv, io, json, sys
            raw = open(sys.argv[1], "rb").read()
            with open(sys.argv[1], newline="", encoding="utf-8") as f:
                rows = list(csv.reader(f, strict=True))
            again = io.StringIO(newline="")
            csv.writer(again).writerows(rows)
            if again.getvalue().encode("utf-8") != raw:
                sys.exit("not written as RFC 4180 writes it: %r" % raw[:300])
            print(json.dumps(rows))
            """
        let data = try run(script, [path])
        guard let rows = try JSONSerialization.jsonObject(with: data) as? [[String]] else {
            throw ChildProcessError(description: "csv printed no rows")
        }
        return rows
    }

    /// Runs `script` with `arguments`; returns its standard output.
    private static func run(_ script: String, _ arguments: [String]) throws -> Data {
        guard let python3 else { throw ChildProcessError(description: "python3 not found (PATH or REGSWEEP_PYTHON3)") }
        let outcome = try ChildProcess.run(python3, ["-c", script] + arguments)
        guard outcome.status == 0 else {
            throw ChildProcessError(description: "python3 failed (\(outcome.termination)): \(outcome.errorText)")
        }
        return Data(outcome.output)
    }
}
