/// Which modification times mean "leave it alone": young (within the grace period) or changed
/// since the scan read the store.
///
/// A live registry keeps writing while a run works. Everything it creates or rewrites after the
/// scan began has a modification time after ``changedSince`` (the scan's start, taken with
/// ``Timestamp/modificationSplit()``); everything written within the grace period
/// has one after `now - grace`. Removals keep both.
struct Freshness: Sendable {
    /// The scan's start: a later modification time means the scan may not have seen the change.
    var changedSince: Double
    /// The earlier of `now - grace` and ``changedSince``: a later modification time is young.
    var youngSince: Double
    /// When the operator's decision was made (a `delete` scan; for `gc`, ``changedSince``): a tag
    /// or revision the decision names whose link was written later was pushed again, and stays.
    ///
    /// Finishing an interrupted delete, this is the first run's scan, while ``changedSince`` is the
    /// finishing run's own: that scan saw everything written before it (the first run's own
    /// removals among it), so only file times are compared with the older decision.
    var decidedAt: Double

    /// The cutoffs for a snapshot and collection options.
    ///
    /// With a grace period of 0, only what changed since the scan began is young.
    init(snapshot: StoreSnapshot, options: CollectOptions) {
        changedSince = snapshot.startedAt
        decidedAt = snapshot.startedAt
        youngSince = options.grace > 0 ? min(options.now - options.grace, snapshot.startedAt) : snapshot.startedAt
    }

    /// True if a file or directory modified at `modified` is young or changed since the scan.
    func isYoung(_ modified: Double) -> Bool { modified > youngSince }

    /// True if it was modified after the scan began.
    func changedAfterScan(_ modified: Double) -> Bool { modified > changedSince }
}
