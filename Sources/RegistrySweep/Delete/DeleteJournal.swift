import Foundation

/// The decisions of a `delete` run, written to the store before anything is removed and removed
/// once the run has finished, so that a run killed at any point is finished by the next one.
///
/// A delete decides from tags which manifests and blobs go. Once the tags (or the revision
/// links) are gone, that decision cannot be made again from the store, so the decision itself
/// is kept: the tags removed, the dead manifests per repository and the blobs they referenced.
/// The next real `delete` or `gc` finishes it against a fresh scan: the mark is made again (so
/// nothing live is ever removed), and everything written after the journal's scan is kept.
///
/// The file is `ROOT/.regsweep-delete.journal` (beside the lock, where the registry never
/// looks), JSON, written atomically and synced.
struct DeleteJournal: Codable, Sendable, Equatable {
    /// The file's name under the store root.
    static let fileName = ".regsweep-delete.journal"
    /// The format version this code writes and reads.
    static let currentVersion = 1

    /// A tag removed, with the manifest its `current/link` named.
    struct Tag: Codable, Sendable, Equatable {
        var repository: String
        var tag: String
        var current: String?
    }

    var version = DeleteJournal.currentVersion
    /// The scan's start of the run that wrote it: whatever changed after it is kept.
    var scannedAt: Double
    /// The targets as given (`NAME` or `NAME:TAG`).
    var targets: [String]
    /// Tags removed.
    var tags: [Tag]
    /// Dead manifests (digests) by repository.
    var deadRevisions: [String: [Digest]]
    /// Repositories deleted whole.
    var wholeRepositories: [String]
    /// Blobs the dead manifests and removed tags referenced (the only blobs the delete may remove).
    var blobCandidates: [Digest]
    /// Whether emptied repositories are pruned.
    var prune: Bool
}

extension DeleteJournal {
    /// Keeps only the decisions a reviewed plan also lists: a reviewed delete never removes a
    /// tag, manifest, repository or blob its plan did not show.
    mutating func restrict(to reviewed: SweepPlan) {
        let tagPaths = Set(reviewed.tags.map(\.path))
        tags.removeAll { !tagPaths.contains(StorePath.tag($0.repository, $0.tag)) }
        let manifests = Set(reviewed.manifests.map { "\($0.repository)@\($0.digest)" })
        for (repository, digests) in deadRevisions {
            deadRevisions[repository] = digests.filter { manifests.contains("\(repository)@\($0)") }
        }
        let repositories = Set(reviewed.repositories)
        wholeRepositories.removeAll { !repositories.contains($0) }
        let blobs = Set(reviewed.blobs.map(\.digest))
        blobCandidates.removeAll { !blobs.contains($0) }
    }

    /// Reads the journal of an interrupted delete, if there is one.
    ///
    /// - Returns: `nil` when there is none, or the backend keeps no journal (not a filesystem).
    /// - Throws: `.invalidStore` for a damaged journal or one of another version (fix or remove
    ///   it by hand; it is never ignored).
    static func load(_ backend: any StorageBackend) async throws(SweepError) -> DeleteJournal? {
        guard backend is FileSystemBackend else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try await backend.withContents(of: fileName, limit: 256 * 1024 * 1024) { Array($0) }
        } catch  where error.code == .notFound {
            return nil
        }
        guard let journal = try? JSONDecoder().decode(DeleteJournal.self, from: Data(bytes)),
            journal.version == currentVersion
        else {
            throw SweepError(
                .invalidStore,
                "the journal of an interrupted delete is damaged or of another version; inspect and remove it by hand",
                path: "\(backend.displayName)/\(fileName)")
        }
        return journal
    }

    /// Writes the journal atomically and durably (a filesystem store only; others keep none).
    func save(_ backend: any StorageBackend) throws(SweepError) {
        guard let filesystem = backend as? FileSystemBackend else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes: [UInt8]
        do {
            bytes = Array(try encoder.encode(self))
        } catch {
            throw SweepError(.invalidArgument, "cannot encode the delete journal: \(error)")
        }
        try JSONCursor.withBytes(bytes) { raw throws(SweepError) in
            try filesystem.writeAtomically(Self.fileName, raw, durable: true, createDirectories: false)
        }
    }

    /// Removes the journal once its run has finished.
    static func remove(_ backend: any StorageBackend) async throws(SweepError) {
        guard backend is FileSystemBackend else { return }
        do {
            try await backend.removeFile(fileName)
        } catch  where error.code == .notFound {}
    }
}
