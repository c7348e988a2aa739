extension RetentionReport {
    /// The report as metrics (`retain`): those of its ``report``
    /// (``CollectReport/metricsSamples``), with the tags the policy deletes counted as eligible
    /// `tag` items, and `regsweep_retention_unjudged_tags` (``keptUnjudged``: tags kept because
    /// they could not be judged, which make the run exit 1).
    public var metricsSamples: [MetricsSample] {
        report.metricsSamples(eligibleTags: deletedTags.count)
            + [MetricsFamily.unjudgedTags.sample(keptUnjudged.count)]
    }
}
