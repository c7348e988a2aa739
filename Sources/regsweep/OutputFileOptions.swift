import ArgumentParser
import RegistrySweep

/// `--metrics-file`: the run's metrics for node_exporter's textfile collector (gc, delete,
/// retain, verify, du).
///
/// The file is written after the report is printed, and is replaced atomically (a temporary
/// file in the same directory, `fsync`, `rename`): a scrape never reads half a file. It holds
/// the run's end time, duration and exit status (``MetricsSample/run(finishedAt:duration:exitStatus:)``),
/// the report's metrics, and the labels `command` and, where the command has a dry run,
/// `dry_run`. A run that fails before it has a report (exit 3: the store could not be used)
/// still writes its end time and exit status, so that an alert sees it.
///
/// If the file cannot be written, the error goes to standard error and the command exits 1
/// when the run itself would have exited 0 (a run's own non-zero status is kept): the report
/// has been printed by then, and the run's changes stand.
struct MetricsFileOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write the run's metrics to PATH in the Prometheus text format (for node_exporter's textfile collector), replaced atomically; the directory must exist. If it cannot be written, the command exits 1 after its report. Not written with --plan-out.",
            valueName: "PATH"))
    var metricsFile: String?

    func validate() throws {
        RunClock.start()
        if metricsFile?.isEmpty == true { throw ValidationError("--metrics-file: give a file path") }
    }

    /// Writes the metrics file if asked for: the run samples (with `status`), then `samples`.
    ///
    /// - Returns: false if the file was asked for and could not be written (the error is printed).
    func write(
        command: String, dryRun: Bool?, status: ExitCode, samples: @autoclosure () -> [MetricsSample]
    ) async -> Bool {
        guard let metricsFile else { return true }
        var labels = ["command": command]
        if let dryRun { labels["dry_run"] = dryRun ? "true" : "false" }
        let run = MetricsSample.run(
            finishedAt: Timestamp.now(), duration: RunClock.elapsed(), exitStatus: status.rawValue)
        let all = run + samples()
        do throws(SweepError) {
            try await MetricsTextWriter(commonLabels: labels).write(all, to: metricsFile)
            return true
        } catch {
            printError("regsweep: the metrics file was not written: \(error)")
            return false
        }
    }

    /// Ends a command that has its report (already printed): writes the metrics file, then
    /// throws `status` unless it is success, or exit 1 if the metrics file could not be written.
    func finish(
        _ status: ExitCode, command: String, dryRun: Bool?, samples: @autoclosure () -> [MetricsSample]
    ) async throws {
        let written = await write(command: command, dryRun: dryRun, status: status, samples: samples())
        if !status.isSuccess { throw status }
        if !written { throw ExitStatus.problems }
    }

    /// For a run that ends without a report (the store could not be used): writes the run
    /// samples with `status` (a failure to do so is printed and changes nothing), and returns `status`.
    func failed(_ status: ExitCode, command: String, dryRun: Bool?) async -> ExitCode {
        _ = await write(command: command, dryRun: dryRun, status: status, samples: [])
        return status
    }
}

/// `--metrics-file` and `--report`: the files `gc`, `delete` and `retain` write besides their
/// report on standard output.
///
/// `--report FILE` writes one CSV row per item removed, eligible, kept or failed
/// (``CollectReport/csvRows``), replaced atomically like the metrics file. It is written before
/// the metrics file, so that the metrics' exit status is the command's: 1 if the CSV could not be
/// written (the error goes to standard error) and the run itself would have exited 0.
struct OutputFileOptions: ParsableArguments {
    @OptionGroup var metrics: MetricsFileOptions

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Write one CSV row per item removed, eligible, skipped or failed (RFC 4180; columns kind, repository, digest_or_tag, bytes, action, reason) to FILE, replaced atomically. If it cannot be written, the command exits 1 after its report. Not written with --plan-out.",
            valueName: "FILE"))
    var report: String?

    func validate() throws {
        RunClock.start()
        if report?.isEmpty == true { throw ValidationError("--report: give a file path") }
    }

    /// Ends a command that has its report (already printed): writes the CSV report and the
    /// metrics file if asked for, then throws `status` unless it is success, or exit 1 if a file
    /// could not be written.
    func finish(
        _ status: ExitCode, command: String, dryRun: Bool, samples: @autoclosure () -> [MetricsSample],
        rows: @autoclosure () -> [CSVReportRow]
    ) async throws {
        var status = status
        if let report {
            do throws(SweepError) {
                try await CSVReportWriter.write(rows(), to: report)
            } catch {
                printError("regsweep: the CSV report was not written: \(error)")
                if status.isSuccess { status = ExitStatus.problems }
            }
        }
        try await metrics.finish(status, command: command, dryRun: dryRun, samples: samples())
    }

    /// For a run that ends without a report: see ``MetricsFileOptions/failed(_:command:dryRun:)``
    /// (no CSV is written).
    func failed(_ status: ExitCode, command: String, dryRun: Bool) async -> ExitCode {
        await metrics.failed(status, command: command, dryRun: dryRun)
    }
}

/// When the command started: the first options validation, right after parsing, before `run()`.
enum RunClock {
    private static let started = Timestamp.monotonic()

    /// Starts the clock (later calls change nothing).
    static func start() { _ = started }

    /// Seconds since ``start()``.
    static func elapsed() -> Double { Timestamp.monotonic() - started }
}
