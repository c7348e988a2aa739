extension VerifyReport {
    /// The report as metrics (`verify`), without the run samples and the command's labels:
    ///
    /// - `regsweep_phase_duration_seconds{phase}`: ``timings`` (`scan`, `stat`, `hash`, `attribute`,
    ///   and `quarantine`, `baseline` when done);
    /// - `regsweep_store_blobs`: ``blobs``;
    /// - `regsweep_verify_blobs{result}`: `verified`, `corrupt`, `missing`, `unreadable`;
    /// - `regsweep_verify_hashed_blobs{algorithm}`: `sha256`, `xxh3`;
    /// - `regsweep_verify_hashed_bytes`, `regsweep_verify_broken_tags`,
    ///   `regsweep_verify_quarantined_blobs`, `regsweep_warnings`;
    /// - `regsweep_problems{code}`: one sample per known ``SweepError/Code`` (zero when absent),
    ///   and any other code present.
    public var metricsSamples: [MetricsSample] {
        var samples = MetricsFamily.phases(timings)
        samples.append(MetricsFamily.storeBlobs.sample(blobs))
        let results = [("verified", verified), ("corrupt", corrupt), ("missing", missing), ("unreadable", unreadable)]
        for (result, count) in results {
            samples.append(MetricsFamily.verifyBlobs.sample(count, labels: ["result": result]))
        }
        samples.append(MetricsFamily.verifyHashedBlobs.sample(hashedSHA256, labels: ["algorithm": "sha256"]))
        samples.append(MetricsFamily.verifyHashedBlobs.sample(checkedXXH3, labels: ["algorithm": "xxh3"]))
        samples.append(MetricsFamily.verifyHashedBytes.sample(bytesHashed))
        samples.append(MetricsFamily.verifyBrokenTags.sample(brokenTags.count))
        samples.append(MetricsFamily.verifyQuarantinedBlobs.sample(quarantined.count))
        samples.append(MetricsFamily.warnings.sample(warnings.count))
        samples += MetricsFamily.byCode(MetricsFamily.problems, problems)
        return samples
    }
}
