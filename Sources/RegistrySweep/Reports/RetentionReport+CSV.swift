extension RetentionReport {
    /// One CSV row per item the retention run removed or found eligible (`retain --report`): the
    /// tags the policy deletes (``deletedTags``, each with the index of the rule that applied),
    /// then the rows of its ``report`` (see ``CollectReport/csvRows`` for how each row's action
    /// is decided). Kept tags are not rows: the JSON report lists them with their reasons.
    public var csvRows: [CSVReportRow] {
        let rules = Dictionary(repositories.map { ($0.repository, $0.rule) }, uniquingKeysWith: { first, _ in first })
        let tags = deletedTags.map { reference in
            let (repository, tag) = DeleteReport.split(reference)
            let rule = rules[repository].map { "rule \($0)" } ?? "a rule"
            return CollectReport.TagRow(
                repository: repository, tag: tag, reason: "not kept by the retention policy's \(rule)")
        }
        return report.csvRows(tags: tags, manifestReason: "only deleted tags reached it")
    }
}
