import Foundation
import RegistrySweep
import Testing

/// `--metrics-file` and `--report` through the built CLI on stores written by the real
/// registry: the metrics file read back by prometheus_client's parser and the CSV by Python's
/// `csv` module, each compared with the command's own `--json` report.
@Suite(.serialized, .enabled(if: RegistryServer.shouldRun && PythonTool.prometheusShouldRun))
struct MetricsRegistryTests {
    /// Runs the CLI; returns its outcome (standard output and error captured apart).
    static func regsweep(_ arguments: [String]) throws -> ChildProcess.Outcome {
        try ChildProcess.run(try regsweepExecutable().path, arguments)
    }

    /// The registry scenario pushed, the registry stopped (a quiet store).
    static func pushedStore() async throws -> RegistryServer {
        let registry = try await RegistryServer.start()
        do {
            _ = try await RegistryScenario.build(registry)
        } catch {
            registry.stop()
            throw error
        }
        registry.stop()
        return registry
    }

    /// The parsed file as one value per series, keyed `name{label=value,…}` (labels sorted).
    struct Metrics {
        var families: [PythonTool.ParsedFamily]
        var values: [String: Double] = [:]

        init(_ path: String) throws {
            families = try PythonTool.parseMetrics(path)
            for sample in families.flatMap(\.samples) {
                values[Self.key(sample.name, sample.labels)] = sample.value
            }
        }

        static func key(_ name: String, _ labels: [String: String]) -> String {
            name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
        }

        /// The value of a series, with the command's labels added to `labels`.
        func value(_ name: String, _ labels: [String: String] = [:], common: [String: String]) -> Double? {
            values[Self.key(name, labels.merging(common) { a, _ in a })]
        }
    }

    /// Checks what every command's file holds: HELP and gauge TYPE for every family, the command
    /// labels on every sample, the run's time window, duration and exit status.
    static func checkRun(
        _ metrics: Metrics, common: [String: String], status: Int32, window: ClosedRange<Double>,
        phases: [String: Double]
    ) {
        #expect(!metrics.families.isEmpty)
        for family in metrics.families {
            #expect(family.type == "gauge", "\(family.name)")
            #expect(!family.help.isEmpty, "\(family.name)")
            for sample in family.samples {
                for (name, value) in common { #expect(sample.labels[name] == value, "\(sample.name) \(name)") }
                if common["dry_run"] == nil { #expect(sample.labels["dry_run"] == nil) }
            }
        }
        #expect(metrics.value("regsweep_exit_status", common: common) == Double(status))
        let finished = metrics.value("regsweep_last_run_timestamp_seconds", common: common) ?? 0
        #expect(window.contains(finished), "\(finished) in \(window)")
        let duration = metrics.value("regsweep_run_duration_seconds", common: common) ?? 0
        #expect(duration > 0 && duration <= window.upperBound - window.lowerBound)
        // Every phase of the report, exactly (values survive the text round trip); the run took at least the scan.
        for (phase, seconds) in phases {
            #expect(
                metrics.value("regsweep_phase_duration_seconds", ["phase": phase], common: common) == seconds,
                "\(phase)")
        }
        #expect(duration >= phases["scan"] ?? 0)
        let written = metrics.families.first { $0.name == "regsweep_phase_duration_seconds" }?.samples.count ?? 0
        #expect(written == phases.count)
    }

    /// Checks the collect metrics against the report.
    static func checkCollect(_ metrics: Metrics, _ report: CollectReport, common: [String: String], tags: Int = 0) {
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            metrics.value(name, labels, common: common)
        }
        #expect(value("regsweep_store_blobs") == Double(report.totalBlobs))
        #expect(value("regsweep_store_manifests") == Double(report.totalManifests))
        #expect(value("regsweep_marked_blobs") == Double(report.markedBlobs))
        #expect(value("regsweep_eligible_bytes") == Double(report.eligibleBytes))
        let eligible = [
            "tag": tags, "manifest": report.eligibleManifests.count, "link": report.eligibleLinks.count,
            "blob": report.eligibleBlobs.count, "upload": report.eligibleUploads.count,
            "incomplete-upload": report.eligibleIncompleteUploads.count,
            "repository": report.eligibleRepositories.count,
        ]
        for (kind, count) in eligible {
            #expect(value("regsweep_eligible_items", ["kind": kind]) == Double(count), "\(kind)")
        }
        let removed = report.removed ?? CollectReport.Removed()
        let removedCounts = [
            "tag": removed.tags, "manifest": removed.manifests, "link": removed.links, "blob": removed.blobs,
            "upload": removed.uploads, "incomplete-upload": removed.incompleteUploads,
            "repository": removed.repositories,
        ]
        for (kind, count) in removedCounts {
            #expect(value("regsweep_removed_items", ["kind": kind]) == Double(count), "\(kind)")
        }
        #expect(value("regsweep_removed_bytes") == Double(removed.bytes))
        #expect(
            value("regsweep_skipped_items", ["kind": "blob"])
                == Double(report.skipped.filter { $0.kind == .blob }.count))
        #expect(value("regsweep_warnings") == Double(report.warnings.count))
        for code in SweepError.Code.known {
            #expect(
                value("regsweep_problems", ["code": code.rawValue])
                    == Double(report.problems.filter { $0.code == code }.count))
            #expect(
                value("regsweep_removal_failures", ["code": code.rawValue])
                    == Double(report.failures.filter { $0.code == code }.count))
        }
    }

    /// Checks the CSV (read by Python) against the report: header, a row per item, the actions'
    /// counts by kind, the bytes.
    static func checkCSV(_ path: String, _ report: CollectReport, tags: [String]) throws {
        let records = try PythonTool.parseCSV(path)
        #expect(records.first == ["kind", "repository", "digest_or_tag", "bytes", "action", "reason"])
        let rows = records.dropFirst()
        #expect(rows.allSatisfy { $0.count == 6 })
        func count(_ kind: String, _ action: String) -> Int { rows.filter { $0[0] == kind && $0[4] == action }.count }
        if let removed = report.removed {
            #expect(!report.cancelled)
            #expect(count("tag", "removed") == removed.tags)
            #expect(count("manifest", "removed") == removed.manifests)
            #expect(count("link", "removed") == removed.links)
            #expect(count("blob", "removed") == removed.blobs)
            #expect(count("upload", "removed") == removed.uploads)
            #expect(count("repository", "removed") == removed.repositories)
            let bytes = rows.filter { $0[0] == "blob" && $0[4] == "removed" }.compactMap { Int($0[3]) }.reduce(0, +)
            #expect(bytes == removed.bytes)
            #expect(rows.filter { $0[4] == "eligible" }.isEmpty)
        } else {
            #expect(count("tag", "eligible") == tags.count)
            #expect(count("manifest", "eligible") == report.eligibleManifests.count)
            #expect(count("link", "eligible") == report.eligibleLinks.count)
            #expect(count("blob", "eligible") == report.eligibleBlobs.count)
            #expect(count("upload", "eligible") == report.eligibleUploads.count)
            #expect(count("repository", "eligible") == report.eligibleRepositories.count)
            let bytes = rows.filter { $0[0] == "blob" }.compactMap { Int($0[3]) }.reduce(0, +)
            #expect(bytes == report.eligibleBytes)
            #expect(Set(rows.filter { $0[0] == "blob" }.map { $0[2] }) == Set(report.eligibleBlobs.map(\.description)))
        }
        #expect(rows.filter { $0[4] == "skipped" }.count == report.skipped.count)
        #expect(rows.filter { $0[4] == "failed" }.count == report.failures.count)
        #expect(Set(rows.filter { $0[0] == "tag" }.map { "\($0[1]):\($0[2])" }) == Set(tags))
    }

    @Test func gcMetricsAndCSVMatchTheJSONReportAndReplaceTheFilesWhole() async throws {
        let registry = try await Self.pushedStore()
        let root = registry.rootDirectory.path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let metricsPath = directory.appendingPathComponent("regsweep.prom").path
        let csvPath = directory.appendingPathComponent("report.csv").path
        try Data("# HELP stale_metric s\n# TYPE stale_metric gauge\nstale_metric 1\n".utf8).write(
            to: URL(fileURLWithPath: metricsPath))

        for dryRun in [true, false] {
            var arguments = ["gc", root, "-m", "--grace", "0", "--uploads", "0", "--prune", "--json"]
            arguments += ["--metrics-file", metricsPath, "--report", csvPath]
            if dryRun { arguments.append("--dry-run") }
            let started = Timestamp.now()
            let outcome = try Self.regsweep(arguments)
            let ended = Timestamp.now()
            #expect(outcome.status == 0, "\(outcome.errorText)")
            let report = try JSONDecoder().decode(CollectReport.self, from: Data(outcome.output))
            #expect(report.dryRun == dryRun)
            #expect(
                report.eligibleBlobs.count > 0 && report.eligibleManifests.count > 0
                    && report.eligibleUploads.count == 1)
            if !dryRun { #expect((report.removed?.bytes ?? 0) > 0) }

            let metrics = try Metrics(metricsPath)
            #expect(!metrics.families.contains { $0.name == "stale_metric" }, "the old file is replaced whole")
            let common = ["command": "gc", "dry_run": dryRun ? "true" : "false"]
            Self.checkRun(metrics, common: common, status: 0, window: started...ended, phases: report.timings)
            Self.checkCollect(metrics, report, common: common)
            try Self.checkCSV(csvPath, report, tags: [])
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                    "regsweep.prom", "report.csv",
                ])
        }
    }

    @Test func deleteAndRetainWriteTheirTagsAndCounts() async throws {
        let registry = try await Self.pushedStore()
        let root = registry.rootDirectory.path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let metricsPath = directory.appendingPathComponent("regsweep.prom").path
        let csvPath = directory.appendingPathComponent("report.csv").path

        for dryRun in [true, false] {
            var arguments = ["delete", root, "--image", "team/svc/api", "--grace", "0", "--json"]
            arguments += ["--metrics-file", metricsPath, "--report", csvPath]
            if dryRun { arguments.append("--dry-run") }
            let started = Timestamp.now()
            let outcome = try Self.regsweep(arguments)
            let ended = Timestamp.now()
            #expect(outcome.status == 0, "\(outcome.errorText)")
            let result = try JSONDecoder().decode(DeleteReport.self, from: Data(outcome.output))
            #expect(result.removedTags == ["team/svc/api:latest"])
            #expect(result.report.eligibleBlobs.count > 0)
            let metrics = try Metrics(metricsPath)
            let common = ["command": "delete", "dry_run": dryRun ? "true" : "false"]
            Self.checkRun(metrics, common: common, status: 0, window: started...ended, phases: result.report.timings)
            Self.checkCollect(metrics, result.report, common: common, tags: result.removedTags.count)
            try Self.checkCSV(csvPath, result.report, tags: result.removedTags)
        }

        // retain: keep `stable` of library/app, so `v1` goes (its manifest stays: `stable` names it), and collect.
        for dryRun in [true, false] {
            var arguments = [
                "retain", root, "--repository", "library/app", "--keep-tag", "stable", "--collect", "--grace", "0",
                "--json",
                "--metrics-file", metricsPath, "--report", csvPath,
            ]
            if dryRun { arguments.append("--dry-run") }
            let started = Timestamp.now()
            let outcome = try Self.regsweep(arguments)
            let ended = Timestamp.now()
            #expect(outcome.status == 0, "\(outcome.errorText)")
            let result = try JSONDecoder().decode(RetentionReport.self, from: Data(outcome.output))
            #expect(result.deletedTags == ["library/app:v1"])
            let metrics = try Metrics(metricsPath)
            let common = ["command": "retain", "dry_run": dryRun ? "true" : "false"]
            Self.checkRun(metrics, common: common, status: 0, window: started...ended, phases: result.report.timings)
            Self.checkCollect(metrics, result.report, common: common, tags: result.deletedTags.count)
            #expect(metrics.value("regsweep_retention_unjudged_tags", common: common) == 0)
            try Self.checkCSV(csvPath, result.report, tags: result.deletedTags)
        }
    }

    @Test func duWritesUsageThatAddsUpAndPerRepositorySeriesForTop() async throws {
        let registry = try await Self.pushedStore()
        let root = registry.rootDirectory.path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let metricsPath = directory.appendingPathComponent("du.prom").path
        let started = Timestamp.now()
        let outcome = try Self.regsweep(["du", root, "--json", "--top", "2", "--metrics-file", metricsPath])
        let ended = Timestamp.now()
        #expect(outcome.status == 0, "\(outcome.errorText)")
        let report = try JSONDecoder().decode(UsageReport.self, from: Data(outcome.output))
        let metrics = try Metrics(metricsPath)
        let common = ["command": "du"]
        Self.checkRun(metrics, common: common, status: 0, window: started...ended, phases: report.timings)
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            metrics.value(name, labels, common: common)
        }
        #expect(value("regsweep_store_bytes") == Double(report.storeBytes))
        #expect(value("regsweep_store_blobs") == Double(report.storeBlobs))
        var usedBytes = 0.0
        for (use, bytes) in [
            ("exclusive", report.exclusiveBytes), ("shared", report.sharedBytes),
            ("unreferenced", report.unreferencedBytes),
        ] {
            #expect(value("regsweep_usage_bytes", ["use": use]) == Double(bytes), "\(use)")
            usedBytes += value("regsweep_usage_bytes", ["use": use]) ?? 0
        }
        #expect(usedBytes == Double(report.storeBytes), "exclusive + shared + unreferenced = store")
        #expect(value("regsweep_repositories") == Double(report.repositories.count))
        // --top 2: the two largest repositories get their series, the others none.
        let series = metrics.families.first { $0.name == "regsweep_repository_bytes" }?.samples ?? []
        #expect(Set(series.compactMap { $0.labels["repository"] }) == Set(report.repositories.prefix(2).map(\.name)))
        for row in report.repositories.prefix(2) {
            #expect(
                value("regsweep_repository_bytes", ["repository": row.name, "use": "exclusive"])
                    == Double(row.exclusiveBytes))
            #expect(
                value("regsweep_repository_bytes", ["repository": row.name, "use": "total"]) == Double(row.totalBytes))
        }
    }

    @Test func problemsAreCountedByCodeAndTheExitStatusIsTheCommands() async throws {
        let registry = try await Self.pushedStore()
        let root = registry.rootDirectory.path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let metricsPath = directory.appendingPathComponent("regsweep.prom").path
        // A corrupt tag link, and a blob whose content no longer matches its digest.
        let tagLink = registry.rootDirectory.appendingPathComponent(
            StorePath.tag("library/app", "stable") + "/current/link")
        try Data("not a digest".utf8).write(to: tagLink)
        let backend = try FileSystemBackend(root: root)
        let snapshot = try await StoreScanner(backend: backend).scan()
        let team = try #require(snapshot.repositories.first { $0.name == "team/svc/api" })
        let layer = try #require(snapshot.layers(of: team).first)
        let data = registry.rootDirectory.appendingPathComponent(StorePath.blobData(layer))
        var bytes = try Data(contentsOf: data)
        bytes[0] ^= 0xFF
        try bytes.write(to: data)

        var started = Timestamp.now()
        var outcome = try Self.regsweep([
            "gc", root, "--dry-run", "--grace", "0", "--json", "--metrics-file", metricsPath,
        ])
        var ended = Timestamp.now()
        #expect(outcome.status == 1, "\(outcome.errorText)")
        let report = try JSONDecoder().decode(CollectReport.self, from: Data(outcome.output))
        #expect(report.problems.contains { $0.code == .corruptLink }, "\(report.problems)")
        var metrics = try Metrics(metricsPath)
        let gc = ["command": "gc", "dry_run": "true"]
        Self.checkRun(metrics, common: gc, status: 1, window: started...ended, phases: report.timings)
        Self.checkCollect(metrics, report, common: gc)
        #expect((metrics.value("regsweep_problems", ["code": "corruptLink"], common: gc) ?? 0) >= 1)

        started = Timestamp.now()
        outcome = try Self.regsweep(["verify", root, "--json", "--metrics-file", metricsPath])
        ended = Timestamp.now()
        #expect(outcome.status == 1, "\(outcome.errorText)")
        let verified = try JSONDecoder().decode(VerifyReport.self, from: Data(outcome.output))
        #expect(verified.corrupt == 1)
        metrics = try Metrics(metricsPath)
        let verify = ["command": "verify"]
        Self.checkRun(metrics, common: verify, status: 1, window: started...ended, phases: verified.timings)
        #expect(metrics.value("regsweep_store_blobs", common: verify) == Double(verified.blobs))
        let results = [
            ("verified", verified.verified), ("corrupt", 1), ("missing", verified.missing),
            ("unreadable", verified.unreadable),
        ]
        for (result, count) in results {
            #expect(
                metrics.value("regsweep_verify_blobs", ["result": result], common: verify) == Double(count), "\(result)"
            )
        }
        #expect(metrics.value("regsweep_verify_hashed_bytes", common: verify) == Double(verified.bytesHashed))
        #expect(metrics.value("regsweep_verify_broken_tags", common: verify) == Double(verified.brokenTags.count))
        #expect(verified.brokenTags.contains("team/svc/api:latest"))
        for code in SweepError.Code.known {
            #expect(
                metrics.value("regsweep_problems", ["code": code.rawValue], common: verify)
                    == Double(verified.problems(code).count))
        }
        #expect((metrics.value("regsweep_problems", ["code": "digestMismatch"], common: verify) ?? 0) >= 1)
    }

    @Test func aFileThatCannotBeWrittenFailsTheRunAfterItsReport() async throws {
        let registry = try await Self.pushedStore()
        let root = registry.rootDirectory.path
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let metricsPath = directory.appendingPathComponent("regsweep.prom").path
        let missing = directory.appendingPathComponent("no-such-directory/regsweep.prom").path

        // The metrics file's directory is missing: the report is printed whole, the error named, exit 1.
        var outcome = try Self.regsweep(["gc", root, "--dry-run", "--grace", "0", "--json", "--metrics-file", missing])
        #expect(outcome.status == 1)
        #expect(try JSONDecoder().decode(CollectReport.self, from: Data(outcome.output)).dryRun)
        #expect(outcome.errorText.contains("the metrics file was not written"), "\(outcome.errorText)")
        #expect(outcome.errorText.contains(missing), "\(outcome.errorText)")

        // The CSV cannot be written: exit 1, and the metrics file says so.
        outcome = try Self.regsweep(
            [
                "gc", root, "--dry-run", "--grace", "0", "--json", "--metrics-file", metricsPath, "--report",
                directory.path + "/",
            ])
        #expect(outcome.status == 1)
        #expect(outcome.errorText.contains("the CSV report was not written"), "\(outcome.errorText)")
        var metrics = try Metrics(metricsPath)
        #expect(metrics.value("regsweep_exit_status", common: ["command": "gc", "dry_run": "true"]) == 1)

        // The store cannot be used (exit 3): the metrics file still says when and how the run ended.
        let started = Timestamp.now()
        outcome = try Self.regsweep(["gc", directory.path + "/not-a-store", "--metrics-file", metricsPath])
        let ended = Timestamp.now()
        #expect(outcome.status == 3)
        metrics = try Metrics(metricsPath)
        let common = ["command": "gc", "dry_run": "false"]
        Self.checkRun(metrics, common: common, status: 3, window: started...ended, phases: [:])
        #expect(metrics.value("regsweep_store_blobs", common: common) == nil)

        // A directory the user may not write to (as a non-root user: root ignores permissions).
        if getuid() != 0 || canDropPrivileges() {
            let store = try LayoutNodeTests.Store()
            let locked = directory.appendingPathComponent("read-only")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
            chmod(locked.path, 0o555)
            defer { chmod(locked.path, 0o755) }
            let target = locked.path + "/regsweep.prom"
            let arguments = ["gc", store.fixture.root.path, "--dry-run", "--json", "--metrics-file", target]
            let status: Int32
            let output: Data
            let error: String
            if getuid() == 0 {
                chmod(directory.path, 0o755)
                let owner = "\(UnreadableNodeTests.user):\(UnreadableNodeTests.user)"
                try UnreadableNodeTests.run("/usr/bin/chown", ["-R", owner, store.fixture.root.path])
                (status, output, error) = try UnreadableNodeTests.runAsUser(arguments)
            } else {
                let run = try Self.regsweep(arguments)
                (status, output, error) = (run.status, Data(run.output), run.errorText)
            }
            #expect(status == 1, "\(error)")
            #expect(try JSONDecoder().decode(CollectReport.self, from: output).dryRun)
            #expect(
                error.contains("the metrics file was not written") && error.contains("permissionDenied"), "\(error)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: locked.path).isEmpty)
        }
    }
}
