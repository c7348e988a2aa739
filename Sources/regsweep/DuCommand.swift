import ArgumentParser
import Foundation
import RegistrySweep

/// `regsweep du`: where a store's space goes, per repository.
struct DuCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "du",
        abstract: "Where the space goes: per repository, the bytes it references and the bytes only it references.",
        discussion: """
            Per repository: tags, manifests, TOTAL (bytes of the distinct blobs it references: its manifests, their index children, configs, layers and artifact blobs, as gc's default mark counts them), EXCLUSIVE (blobs no other repository references: exactly the blob bytes `delete --image NAME --dry-run --grace 0` reports; grace periods play no part here) and SHARED (TOTAL - EXCLUSIVE).

            Totals: every blob in the store is exclusive to one repository, shared (counted once), or unreferenced (garbage: what `gc --dry-run --grace 0` reports), so exactly: store = referenced + unreferenced, and referenced = sum of EXCLUSIVE over all repositories + shared. Uploads in progress are not blobs and are counted apart.

            A repository that could not be read completely (an unreadable manifest, an unlistable part, an invalid name) is marked *: like gc, it also references every blob its layer links name, so nothing it might need looks exclusive elsewhere or unreferenced; delete refuses it. If part of the repository tree could not be read, no blob is exclusive and unreferenced bytes are not proven garbage.

            --top limits the text table and the per-repository series of --metrics-file (default 20, 0 for all); --json prints every repository, in --sort order, with exact byte counts. Reads the store without changing it; safe next to a running registry. Exit codes: 0 clean, 1 problems found (listed), 3 the store could not be read.
            """
    )

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Repositories in the text table (0: all); --json lists all.")
    var top = 20

    @Option(name: .long, help: "Order: exclusive, total (bytes) or tags, largest first.")
    var sort: UsageReport.Order = .exclusive

    @Flag(name: .long, help: "Print the whole report as JSON (every repository, exact byte counts).")
    var json = false

    @OptionGroup var output: MetricsFileOptions

    @OptionGroup var progress: ProgressOptions

    func validate() throws {
        if top < 0 { throw ValidationError("--top must be 0 (all) or more") }
    }

    func run() async throws {
        let report: UsageReport
        do throws(SweepError) {
            let (backend, _) = try store.open()
            var options = UsageOptions()
            options.concurrency = StoreOptions.concurrency(for: backend, default: options.concurrency)
            options.progress = progress.start()
            report = try await UsageCalculator(backend: backend, options: options).run().sorted(by: sort)
        } catch {
            throw await output.failed(ExitStatus.fail(error, hints: StoreOptions.hints), command: "du", dryRun: nil)
        }
        progress.finish()
        if json {
            try printJSON(report)
        } else {
            print(Self.render(report, top: top))
        }
        let status = report.problems.isEmpty ? ExitCode.success : ExitStatus.problems
        // Per-repository series: the same --top repositories as the table (0: all).
        try await output.finish(
            status, command: "du", dryRun: nil, samples: report.metricsSamples(repositoryLimit: top == 0 ? nil : top))
    }

    /// The table (rows in the report's order, at most `top` unless 0), then the totals and problems.
    static func render(_ report: UsageReport, top: Int) -> String {
        let shown = top == 0 ? report.repositories[...] : report.repositories.prefix(top)
        var rows = [["REPOSITORY", "TAGS", "MANIFESTS", "BLOBS", "TOTAL", "EXCLUSIVE", "SHARED"]]
        for row in shown {
            rows.append([
                row.name + (row.keptWhole == nil ? "" : " *"), "\(row.tags)", "\(row.manifests)", "\(row.blobs)",
                ImagesTable.humanSize(row.totalBytes), ImagesTable.humanSize(row.exclusiveBytes),
                ImagesTable.humanSize(row.sharedBytes),
            ])
        }
        var lines = aligned(rows)
        let hidden = report.repositories.count - shown.count
        if hidden > 0 { lines.append("(\(hidden) more \(hidden == 1 ? "repository" : "repositories"))") }
        if shown.contains(where: { $0.keptWhole != nil }) {
            lines.append("* not read completely (see problems): its layer links count as referenced; delete refuses it")
        }
        func amount(_ blobs: Int, _ bytes: Int) -> String { "\(blobs) blobs, \(ByteCount.format(bytes))" }
        lines.append("")
        lines.append("store:        " + amount(report.storeBlobs, report.storeBytes))
        lines.append("referenced:   " + amount(report.referencedBlobs, report.referencedBytes))
        lines.append("  exclusive:  " + amount(report.exclusiveBlobs, report.exclusiveBytes) + "  (sum of EXCLUSIVE)")
        lines.append("  shared:     " + amount(report.sharedBlobs, report.sharedBytes) + "  (each blob once)")
        lines.append(
            "unreferenced: " + amount(report.unreferencedBlobs, report.unreferencedBytes)
                + "  (garbage: gc --grace 0 frees it)")
        lines.append("uploads:      \(report.uploads), \(ByteCount.format(report.uploadBytes))  (not blobs)")
        if !report.isTreeComplete {
            lines.append(
                "part of the repository tree could not be read: no blob counts as exclusive, and unreferenced is not proven garbage"
            )
        }
        lines.append("problems:     \(report.problems.count)")
        for problem in report.problems {
            var line = "  \(problem.code): \(problem.detailedMessage)"
            if let path = problem.path { line += " [\(path)]" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Rows as columns two spaces apart: the first left-aligned, the others (numbers) right-aligned.
    private static func aligned(_ rows: [[String]]) -> [String] {
        var widths = [Int](repeating: 0, count: rows.first?.count ?? 0)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return rows.map { row in
            row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return index == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}

extension UsageReport.Order: ExpressibleByArgument {}
