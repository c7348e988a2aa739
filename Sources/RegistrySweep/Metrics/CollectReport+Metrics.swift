extension CollectReport {
    /// The report as metrics (`gc`), without the run samples and the command's labels
    /// (``MetricsSample/run(finishedAt:duration:exitStatus:)``, ``MetricsTextWriter/commonLabels``).
    ///
    /// - `regsweep_phase_duration_seconds{phase}`: ``timings`` (`scan`, `mark`, `plan`, `revalidate`, `sweep`);
    /// - `regsweep_store_blobs`, `regsweep_store_manifests`: ``totalBlobs``, ``totalManifests``
    ///   (bytes in the store are not known: `gc` stats only the blobs it may delete);
    /// - `regsweep_marked_blobs`, `regsweep_kept_young_blobs`, `regsweep_revalidations`, `regsweep_warnings`;
    /// - `regsweep_eligible_items{kind}`, `regsweep_removed_items{kind}`, `regsweep_skipped_items{kind}`
    ///   for each kind: `tag`, `manifest`, `link`, `blob`, `upload`, `incomplete-upload`,
    ///   `repository` (removed items are 0 in a dry run; `gc` names no tags);
    /// - `regsweep_eligible_bytes`, `regsweep_removed_bytes`;
    /// - `regsweep_problems{code}`, `regsweep_removal_failures{code}`: one sample per known
    ///   ``SweepError/Code`` (zero when absent), and any other code present.
    public var metricsSamples: [MetricsSample] { metricsSamples(eligibleTags: 0) }

    /// The kinds of item metrics and CSV rows name, in the order a sweep removes them.
    static let metricsKinds = ["tag", "manifest", "link", "blob", "upload", "incomplete-upload", "repository"]

    /// ``metricsSamples`` with the number of tags the operator's delete or retention named.
    func metricsSamples(eligibleTags: Int) -> [MetricsSample] {
        var samples = MetricsFamily.phases(timings)
        samples.append(MetricsFamily.storeBlobs.sample(totalBlobs))
        samples.append(MetricsFamily.storeManifests.sample(totalManifests))
        samples.append(MetricsFamily.markedBlobs.sample(markedBlobs))
        let eligible = [
            "tag": eligibleTags, "manifest": eligibleManifests.count, "link": eligibleLinks.count,
            "blob": eligibleBlobs.count, "upload": eligibleUploads.count,
            "incomplete-upload": eligibleIncompleteUploads.count, "repository": eligibleRepositories.count,
        ]
        let done = removed ?? Removed()
        let removedCounts = [
            "tag": done.tags, "manifest": done.manifests, "link": done.links, "blob": done.blobs,
            "upload": done.uploads, "incomplete-upload": done.incompleteUploads, "repository": done.repositories,
        ]
        var skippedCounts: [String: Int] = [:]
        for item in skipped { skippedCounts[item.kind.rawValue, default: 0] += 1 }
        for kind in Self.metricsKinds {
            samples.append(MetricsFamily.eligibleItems.sample(eligible[kind] ?? 0, labels: ["kind": kind]))
        }
        samples.append(MetricsFamily.eligibleBytes.sample(eligibleBytes))
        for kind in Self.metricsKinds {
            samples.append(MetricsFamily.removedItems.sample(removedCounts[kind] ?? 0, labels: ["kind": kind]))
        }
        samples.append(MetricsFamily.removedBytes.sample(done.bytes))
        // Skipped incomplete uploads are reported as uploads (their item kind).
        for kind in Self.metricsKinds where kind != "incomplete-upload" {
            samples.append(MetricsFamily.skippedItems.sample(skippedCounts[kind] ?? 0, labels: ["kind": kind]))
        }
        samples.append(MetricsFamily.keptYoungBlobs.sample(keptYoungBlobs))
        samples.append(MetricsFamily.revalidations.sample(revalidations))
        samples.append(MetricsFamily.warnings.sample(warnings.count))
        samples += MetricsFamily.byCode(MetricsFamily.problems, problems)
        samples += MetricsFamily.byCode(MetricsFamily.removalFailures, failures)
        return samples
    }
}
