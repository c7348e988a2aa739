extension DeleteReport {
    /// One CSV row per item the delete removed or found eligible (`delete --report`): the tags
    /// it names (``removedTags``) first, then the rows of its ``report`` (see
    /// ``CollectReport/csvRows`` for how each row's action is decided).
    public var csvRows: [CSVReportRow] {
        let tags = removedTags.map { reference in
            let (repository, tag) = Self.split(reference)
            return CollectReport.TagRow(repository: repository, tag: tag, reason: SweepPlan.reasons["tag"] ?? "")
        }
        return report.csvRows(tags: tags, manifestReason: "only deleted tags reached it")
    }

    /// `NAME:TAG` split at its first colon (repository names have none).
    static func split(_ reference: String) -> (repository: String, tag: String) {
        guard let colon = reference.firstIndex(of: ":") else { return (reference, "") }
        return (String(reference[..<colon]), String(reference[reference.index(after: colon)...]))
    }
}
