extension StoreVerifier {
    /// Codes of blobs that exist but could not be read.
    static let unreadableCodes: Set<SweepError.Code> = [.io, .permissionDenied]

    /// The problem for a blob whose `data` could not be stat'ed or read.
    ///
    /// An absent `data` (`.notFound`) is a `.missingBlob`: the blob directory exists but the
    /// registry cannot serve it. Other failures keep their code and gain the digest.
    static func readProblem(_ error: SweepError, _ digest: Digest, _ backend: any StorageBackend) -> StoreProblem {
        let path = "\(backend.displayName)/\(StorePath.blobData(digest))"
        if error.code == .notFound {
            return StoreProblem(.missingBlob, "blob directory has no data file", path: path, digest: digest)
        }
        var problem = StoreProblem(error)
        problem.message = "blob data could not be read: \(error.message)"
        problem.path = problem.path ?? path
        problem.digest = digest
        return problem
    }

    /// The problem for a blob whose content does not hash to its digest.
    ///
    /// - Parameters:
    ///   - reading: what was read (`sha256` holds the content's actual digest).
    ///   - record: the baseline record, when there is one, to say what changed.
    static func mismatchProblem(
        _ digest: Digest, _ reading: BlobReading, _ record: VerifyBaseline.Record?, _ backend: any StorageBackend
    ) -> StoreProblem {
        var message = "content (\(reading.size) bytes) hashes to \(reading.sha256?.description ?? "?"), not its digest"
        if let record {
            if record.size != reading.size {
                message += "; its size changed from \(record.size) bytes in the baseline (truncated or rewritten)"
            } else if record.modifiedNanoseconds == reading.modifiedNanoseconds {
                message += "; size and modification time are unchanged since the baseline (silent corruption)"
            } else {
                message += "; it was rewritten after the baseline"
            }
        } else if reading.size == 0 {
            message += "; the file is empty (an interrupted write)"
        }
        message += ". Push the image again, or restore the blob from a backup"
        return StoreProblem(
            .digestMismatch, message, path: "\(backend.displayName)/\(StorePath.blobData(digest))", digest: digest)
    }

    /// Warnings for layer links whose blob is absent: what garbage collection leaves behind.
    ///
    /// They break nothing by themselves (a pull that needs the blob is reported as a
    /// problem with its tags); listed so an operator can see them.
    static func danglingLayerLinks(_ snapshot: StoreSnapshot) -> [StoreProblem] {
        var warnings: [StoreProblem] = []
        for repository in snapshot.repositories {
            for id in repository.layers where !snapshot.blobs.contains(id) {
                let digest = snapshot.digests[id]
                warnings.append(
                    StoreProblem(
                        .missingBlob, "layer link names a blob absent from the store (left by garbage collection?)",
                        path: StorePath.layerLink(repository.name, digest) + "/link", digest: digest, brokenTags: []))
            }
        }
        return warnings
    }

    /// True if the local `directory` is the store's `docker/` tree or lies inside it, where
    /// files written by verification would become part of the store
    /// (``LocalFileAccess/containsInStoreTree(_:)``); always false for a store that is not on
    /// the local filesystem.
    ///
    /// - Throws: `.notFound` if `directory` does not exist, other codes if it cannot be resolved.
    static func isInsideStoreTree(_ directory: String, store: any StorageBackend) throws(SweepError) -> Bool {
        guard let local = store as? any LocalFileAccess else { return false }
        return try local.containsInStoreTree(directory)
    }
}
