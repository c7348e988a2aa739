import Foundation
import RegistrySweep
import Testing

/// CSV reports: RFC 4180 quoting checked as exact text and read back by Python's `csv` module,
/// and the rows a report makes (one per item, the action from what the report holds), on real
/// runs of the in-memory store with an injected removal failure.
@Suite struct CSVReportTests {
    static let trickyRows = [
        CSVReportRow(
            kind: "blob", repository: "", digestOrTag: "sha256:00", bytes: 12, action: .removed, reason: "plain"),
        CSVReportRow(
            kind: "tag", repository: "a,b", digestOrTag: "say \"hi\"", bytes: nil, action: .skipped,
            reason: "line one\nline two"),
        CSVReportRow(
            kind: "link", repository: "r", digestOrTag: "t", bytes: 0, action: .failed,
            reason: "crlf\r\nhere, and \"more\""),
        CSVReportRow(
            kind: "upload", repository: "lone\rcr", digestOrTag: "", bytes: nil, action: .eligible, reason: "ünïcödé ✓"),
    ]

    @Test func fieldsAreQuotedOnlyWhereRFC4180SaysAndRecordsEndInCRLF() {
        #expect(CSVReportWriter.field("plain text") == "plain text")
        #expect(CSVReportWriter.field("") == "")
        #expect(CSVReportWriter.field("a,b") == "\"a,b\"")
        #expect(CSVReportWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVReportWriter.field("one\ntwo") == "\"one\ntwo\"")
        #expect(CSVReportWriter.field("one\r\ntwo") == "\"one\r\ntwo\"")
        #expect(CSVReportWriter.field("lone\rcr") == "\"lone\rcr\"")
        let text = CSVReportWriter.render(Array(Self.trickyRows.prefix(2)))
        #expect(
            text
                == "kind,repository,digest_or_tag,bytes,action,reason\r\n"
                + "blob,,sha256:00,12,removed,plain\r\n"
                + "tag,\"a,b\",\"say \"\"hi\"\"\",,skipped,\"line one\nline two\"\r\n")
    }

    @Test(.enabled(if: PythonTool.csvShouldRun))
    func pythonReadsBackEveryField() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("report.csv").path
        try Data("stale\r\n".utf8).write(to: URL(fileURLWithPath: path))
        try await CSVReportWriter.write(Self.trickyRows, to: path)
        let records = try PythonTool.parseCSV(path)
        #expect(records == [CSVReportRow.header] + Self.trickyRows.map(\.fields))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["report.csv"])
    }

    /// Rows of one action, counted by kind.
    static func counts(_ rows: [CSVReportRow], _ action: CSVReportRow.Action) -> [String: Int] {
        rows.filter { $0.action == action }.reduce(into: [:]) { $0[$1.kind, default: 0] += 1 }
    }

    @Test func aRealRunNamesEachRemovedItemAndTheFailedOne() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        backend.inject(
            .init(.remove, .path(FixtureStore.blobData(store.orphan)), SweepError(.permissionDenied, "injected denial"))
        )
        let report = try await Collector(
            backend: backend, options: InMemoryCollectTests.options(dryRun: false, deleteUntagged: true, grace: 0)
        ).run()
        let removed = try #require(report.removed)
        #expect(report.failures.count == 1)
        #expect(report.failedItems.map(\.path) == [StorePath.blobDirectory(store.orphan)])

        let rows = report.csvRows
        let failed = rows.filter { $0.action == .failed }
        #expect(failed.count == 1)
        #expect(failed.first?.digestOrTag == store.orphan.description)
        #expect(failed.first?.reason.contains("injected denial") == true)
        #expect(rows.allSatisfy { $0.action == .removed || $0.action == .failed })
        let removedRows = Self.counts(rows, .removed)
        #expect(removedRows["blob"] == removed.blobs)
        #expect(removedRows["manifest"] == removed.manifests)
        #expect(removedRows["link"] == removed.links)
        #expect(removed.blobs > 0 && removed.manifests > 0 && removed.links > 0)
        #expect(
            rows.filter { $0.action == .removed && $0.kind == "blob" }.compactMap(\.bytes).reduce(0, +) == removed.bytes
        )
        #expect(rows.count == report.eligibleBlobs.count + report.eligibleManifests.count + report.eligibleLinks.count)

        // The metrics say the same: one permissionDenied failure, the removed counts.
        let samples = report.metricsSamples
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
        #expect(value("regsweep_removal_failures", ["code": "permissionDenied"]) == 1)
        #expect(value("regsweep_removal_failures", ["code": "io"]) == 0)
        #expect(value("regsweep_removed_items", ["kind": "blob"]) == Double(removed.blobs))
        #expect(value("regsweep_removed_bytes") == Double(removed.bytes))
        #expect(value("regsweep_eligible_items", ["kind": "blob"]) == Double(report.eligibleBlobs.count))
        let phases = samples.filter { $0.name == "regsweep_phase_duration_seconds" }.compactMap { $0.labels["phase"] }
        #expect(Set(phases) == Set(report.timings.keys))
    }

    @Test func aDryRunListsEligibleItemsKeptOnesAndACancelledRunSaysWhatIsUnknown() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        var report = try await Collector(
            backend: backend, options: InMemoryCollectTests.options(dryRun: true, deleteUntagged: true, grace: 0)
        ).run()
        var rows = report.csvRows
        #expect(rows.allSatisfy { $0.action == .eligible })
        #expect(Self.counts(rows, .eligible)["blob"] == report.eligibleBlobs.count)
        #expect(Self.counts(rows, .eligible)["manifest"] == report.eligibleManifests.count)
        #expect(rows.filter { $0.kind == "blob" }.compactMap(\.bytes).reduce(0, +) == report.eligibleBytes)
        #expect(report.eligibleBytes > 0)
        let manifest = try #require(rows.first { $0.kind == "manifest" })
        #expect(manifest.repository == "app" && manifest.digestOrTag == store.old.manifest.description)

        // A kept item among the eligible ones takes the kept reason; one that is not (a dry run
        // drops kept items from its lists) is a row of its own, named from its path.
        report.skipped = [
            .init(
                kind: .blob, path: StorePath.blobDirectory(store.orphan),
                reason: "referenced by something written after the scan"),
            .init(
                kind: .tag, path: StorePath.tag("team/multi", "latest"),
                reason: "the tag was pushed again after the scan"),
        ]
        rows = report.csvRows
        let orphan = try #require(rows.first { $0.digestOrTag == store.orphan.description })
        #expect(orphan.action == .skipped && orphan.reason == "referenced by something written after the scan")
        let tag = try #require(rows.last)
        #expect(
            tag
                == CSVReportRow(
                    kind: "tag", repository: "team/multi", digestOrTag: "latest", bytes: nil, action: .skipped,
                    reason: "the tag was pushed again after the scan"))

        // Cancelled: the report says how many went, not which: the rest stay eligible, and say so.
        report.dryRun = false
        report.cancelled = true
        report.removed = CollectReport.Removed()
        rows = report.csvRows
        let unknown = rows.filter { $0.action == .eligible }
        #expect(unknown.count == rows.count - 2)
        #expect(unknown.allSatisfy { $0.reason.contains("cancelled") })
        report.cancelled = false
        #expect(report.csvRows.filter { $0.action == .removed }.count == rows.count - 2)
    }

    @Test func aDeleteNamesItsTagsFirst() async throws {
        let (backend, store) = try MemoryStore.inMemory()
        var options = DeleteOptions()
        options.dryRun = false
        options.grace = 0
        let result = try await ImageDeleter(backend: backend, options: options).run([DeleteTarget(parsing: "app")])
        let rows = result.csvRows
        #expect(result.removedTags == ["app:v1"])
        #expect(
            rows.first
                == CSVReportRow(
                    kind: "tag", repository: "app", digestOrTag: "v1", bytes: nil, action: .removed,
                    reason: SweepPlan.reasons["tag"] ?? ""))
        let removed = try #require(result.report.removed)
        #expect(Self.counts(rows, .removed)["tag"] == removed.tags)
        #expect(Self.counts(rows, .removed)["manifest"] == removed.manifests)
        #expect(Self.counts(rows, .removed)["blob"] == removed.blobs)
        #expect(Self.counts(rows, .removed)["repository"] == removed.repositories)
        #expect(rows.contains { $0.kind == "manifest" && $0.digestOrTag == store.app.manifest.description })
        let samples = result.metricsSamples
        #expect(samples.first { $0.name == "regsweep_eligible_items" && $0.labels == ["kind": "tag"] }?.value == 1)
    }
}
