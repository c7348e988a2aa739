extension DeleteReport {
    /// The report as metrics (`delete`): those of its ``report``
    /// (``CollectReport/metricsSamples``), with the tags named by the delete counted as eligible
    /// `tag` items.
    public var metricsSamples: [MetricsSample] {
        report.metricsSamples(eligibleTags: removedTags.count)
    }
}
