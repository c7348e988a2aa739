extension CollectReport {
    /// One CSV row per item the run removed or found eligible (`gc --report`), in the order a
    /// sweep removes them: manifests, links, blobs, uploads, incomplete uploads, repositories;
    /// then items kept or failed that are not among the eligible lists (a dry run drops kept
    /// items from them).
    ///
    /// The action of an eligible item: ``CSVReportRow/Action/skipped`` if it is among
    /// ``skipped``, ``CSVReportRow/Action/failed`` if among ``failedItems`` (each with its
    /// reason); otherwise ``CSVReportRow/Action/eligible`` in a dry run and
    /// ``CSVReportRow/Action/removed`` in a real run. In a cancelled run the report does not say
    /// which of the rest went (only how many: ``removed``), so they stay `eligible`, their reason
    /// saying so. So in a real run that was not cancelled, the `removed` rows of each kind are
    /// exactly the ``removed`` counts.
    public var csvRows: [CSVReportRow] {
        csvRows(tags: [], manifestReason: "untagged: no tag reaches it (delete-untagged)")
    }

    /// A tag the operator's delete or retention removes, and why.
    struct TagRow {
        var repository: String
        var tag: String
        var reason: String
    }

    /// The rows, with the tags of a delete or retention first.
    ///
    /// - Parameters:
    ///   - tags: the tags named by the operator or the policy.
    ///   - manifestReason: why a manifest is eligible in this command.
    func csvRows(tags: [TagRow], manifestReason: String) -> [CSVReportRow] {
        var outcomes = ItemOutcomes(skipped: skipped, failed: failedItems)
        let cancelledNote =
            " (the run was cancelled: removed, or left for the next run; the report's removed counts say how many went)"
        var rows: [CSVReportRow] = []
        /// Adds the row of an eligible item: `kind` in the CSV, `item` and `path` as the sweep names it.
        func add(
            _ kind: String, _ item: ItemKind, _ path: String, repository: String, id: String, bytes: Int? = nil,
            reason: String
        ) {
            var row = CSVReportRow(
                kind: kind, repository: repository, digestOrTag: id, bytes: bytes, action: .removed, reason: reason)
            if let kept = outcomes.takeSkipped(item, path) {
                row.action = .skipped
                row.reason = kept
            } else if let failure = outcomes.takeFailed(item, path) {
                row.action = .failed
                row.reason = failure
            } else if dryRun {
                row.action = .eligible
            } else if cancelled {
                row.action = .eligible
                row.reason += cancelledNote
            }
            rows.append(row)
        }
        for tag in tags {
            add(
                "tag", .tag, StorePath.tag(tag.repository, tag.tag), repository: tag.repository, id: tag.tag,
                reason: tag.reason)
        }
        for manifest in eligibleManifests {
            add(
                "manifest", .manifest, StorePath.revision(manifest.repository, manifest.digest),
                repository: manifest.repository, id: manifest.digest.description, reason: manifestReason)
        }
        for link in eligibleLinks {
            let (path, reason) = Self.pathAndReason(of: link)
            let id = link.digest?.description ?? link.tag ?? ""
            add("link", .link, path, repository: link.repository, id: id, reason: reason)
        }
        for (index, blob) in eligibleBlobs.enumerated() {
            add(
                "blob", .blob, StorePath.blobDirectory(blob), repository: "", id: blob.description,
                bytes: index < eligibleBlobSizes.count ? eligibleBlobSizes[index] : nil,
                reason: SweepPlan.reasons["blob"] ?? "")
        }
        for upload in eligibleUploads {
            let started =
                upload.startedAt.map { "started at \($0)" } ?? "start time unreadable (judged by its directory's time)"
            add(
                "upload", .upload, StorePath.upload(upload.repository, upload.uuid), repository: upload.repository,
                id: upload.uuid, reason: "\(started), before the upload age")
        }
        for upload in eligibleIncompleteUploads {
            add(
                "incomplete-upload", .upload, upload.path, repository: StorePath.repositoryName(in: upload.path) ?? "",
                id: upload.id, reason: SweepPlan.reasons["incompleteUpload"] ?? "")
        }
        for repository in eligibleRepositories {
            add(
                "repository", .repository, StorePath.repository(repository), repository: repository, id: "",
                reason: SweepPlan.reasons["repository"] ?? "")
        }
        for (action, entries) in [(CSVReportRow.Action.skipped, outcomes.skipped), (.failed, outcomes.failed)] {
            for entry in entries.values.joined().sorted(by: { $0.order < $1.order }) {
                let (repository, id) = Self.identify(entry.item.path)
                rows.append(
                    CSVReportRow(
                        kind: entry.item.kind.rawValue, repository: repository, digestOrTag: id, bytes: nil,
                        action: action,
                        reason: entry.item.reason))
            }
        }
        return rows
    }

    /// The kept and failed items, by kind and path, taken as eligible items claim them.
    struct ItemOutcomes {
        struct Key: Hashable {
            var kind: ItemKind
            var path: String
        }

        /// An item and its position in its list (leftovers are written in that order).
        struct Entry {
            var item: Skipped
            var order: Int
        }

        var skipped: [Key: [Entry]] = [:]
        var failed: [Key: [Entry]] = [:]

        init(skipped: [Skipped], failed: [Skipped]) {
            for (order, item) in skipped.enumerated() {
                self.skipped[Key(kind: item.kind, path: item.path), default: []].append(Entry(item: item, order: order))
            }
            for (order, item) in failed.enumerated() {
                self.failed[Key(kind: item.kind, path: item.path), default: []].append(Entry(item: item, order: order))
            }
        }

        /// Removes and returns the reason of the first kept entry for the item, if any.
        mutating func takeSkipped(_ kind: ItemKind, _ path: String) -> String? {
            Self.take(&skipped, Key(kind: kind, path: path))
        }

        /// Removes and returns the reason of the first failed entry for the item, if any.
        mutating func takeFailed(_ kind: ItemKind, _ path: String) -> String? {
            Self.take(&failed, Key(kind: kind, path: path))
        }

        private static func take(_ entries: inout [Key: [Entry]], _ key: Key) -> String? {
            guard var list = entries[key], !list.isEmpty else { return nil }
            let first = list.removeFirst()
            entries[key] = list.isEmpty ? nil : list
            return first.item.reason
        }
    }

    /// A link's directory (as the planner names it) and why it is eligible.
    static func pathAndReason(of link: LinkRef) -> (String, String) {
        let repository = link.repository
        switch link.kind {
        case .layer:
            guard let digest = link.digest else { break }
            return (
                StorePath.layerLink(repository, digest),
                "layer link to a blob that no live manifest of the repository references, or that is gone"
            )
        case .tagHistory:
            guard let digest = link.digest, let tag = link.tag else { break }
            return (
                StorePath.tagIndexEntry(repository, tag, digest),
                "tag-history entry of tag \(tag) naming a manifest that is not a live revision"
            )
        case .revisionWithoutLink:
            guard let digest = link.digest else { break }
            return (
                StorePath.revision(repository, digest),
                "revision directory without its link (left by a manifest delete through the registry)"
            )
        case .tagWithoutLink:
            guard let tag = link.tag else { break }
            return (
                StorePath.tag(repository, tag), "tag directory without current/link (an interrupted push or removal)"
            )
        }
        return (StorePath.repository(repository), "link (\(link.kind))")
    }

    /// The repository and digest, tag or upload id a store path names, as far as it names them.
    static func identify(_ path: String) -> (repository: String, id: String) {
        let repository = StorePath.repositoryName(in: path) ?? ""
        let components = path.split(separator: "/").map(String.init)
        if let last = components.last, let digest = Digest("sha256:" + last) {
            return (repository, digest.description)
        }
        // Repository name components never start with `_`: the first `_manifests` is the repository's.
        if let manifests = components.firstIndex(of: "_manifests"), manifests + 2 < components.count,
            components[manifests + 1] == "tags"
        {
            return (repository, components[manifests + 2])
        }
        if let uploads = components.lastIndex(of: "_uploads"), uploads + 1 < components.count {
            return (repository, components[uploads + 1])
        }
        return (repository, "")
    }
}
