extension UsageReport {
    /// The report as metrics (`du`), without the run samples and the command's labels:
    ///
    /// - `regsweep_phase_duration_seconds{phase}`: ``timings``;
    /// - `regsweep_store_blobs`, `regsweep_store_bytes`: ``storeBlobs``, ``storeBytes``;
    /// - `regsweep_usage_blobs{use}` and `regsweep_usage_bytes{use}` for `exclusive`, `shared`
    ///   and `unreferenced` (they add up to the store's);
    /// - `regsweep_uploads`, `regsweep_upload_bytes`, `regsweep_repositories`;
    /// - `regsweep_repository_bytes{repository, use}`: `total` and `exclusive`, for the first
    ///   `repositoryLimit` repositories in the report's order (all when nil): one series per
    ///   repository can be many, so the caller bounds it;
    /// - `regsweep_problems{code}`: one sample per known ``SweepError/Code`` (zero when absent).
    ///
    /// - Parameter repositoryLimit: how many repositories get per-repository samples (nil: all).
    public func metricsSamples(repositoryLimit: Int? = nil) -> [MetricsSample] {
        var samples = MetricsFamily.phases(timings)
        samples.append(MetricsFamily.storeBlobs.sample(storeBlobs))
        samples.append(MetricsFamily.storeBytes.sample(storeBytes))
        let uses = [
            ("exclusive", exclusiveBlobs, exclusiveBytes), ("shared", sharedBlobs, sharedBytes),
            ("unreferenced", unreferencedBlobs, unreferencedBytes),
        ]
        for (use, blobs, bytes) in uses {
            samples.append(MetricsFamily.usageBlobs.sample(blobs, labels: ["use": use]))
            samples.append(MetricsFamily.usageBytes.sample(bytes, labels: ["use": use]))
        }
        samples.append(MetricsFamily.uploads.sample(uploads))
        samples.append(MetricsFamily.uploadBytes.sample(uploadBytes))
        samples.append(MetricsFamily.repositories.sample(repositories.count))
        let shown = repositoryLimit.map { repositories.prefix($0) } ?? repositories[...]
        for row in shown {
            samples.append(
                MetricsFamily.repositoryBytes.sample(row.totalBytes, labels: ["repository": row.name, "use": "total"]))
            samples.append(
                MetricsFamily.repositoryBytes.sample(
                    row.exclusiveBytes, labels: ["repository": row.name, "use": "exclusive"]))
        }
        samples += MetricsFamily.byCode(MetricsFamily.problems, problems)
        return samples
    }
}
