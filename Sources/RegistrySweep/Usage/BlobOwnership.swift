/// Which repositories reference each blob, kept as one small value per blob: no repository,
/// the one repository that references it, or "shared" (two or more). Built by walking each
/// repository's references once, in one pass over the repositories.
///
/// A repository references the closure (``StoreSnapshot/walkClosure(from:visited:_:)``) of its
/// revisions and of the manifests its tags name, and, when kept whole (``Marker/wholeReason(_:)``),
/// every blob its `_layers` links name: the roots `gc`'s default mark takes for it, so a blob
/// owned by one repository alone is exactly what `delete --image` of that repository frees.
///
/// ## Performance
/// Time: O(blobs + the sum over repositories of their closure). Memory, per blob: 4 bytes
/// (owner) + 4 (the last repository that counted it, so a blob is counted once per repository
/// without a set per repository) + 8 (size); per digest: 1 bit (manifests walked, cleared after
/// each repository through the list of ids the walk met). No per-repository blob sets.
package struct BlobOwnership {
    /// Owner of a blob no repository references.
    package static let unowned: Int32 = -1
    /// Owner of a blob two or more repositories reference.
    package static let shared: Int32 = -2

    /// Per blob id below ``limit``: ``unowned``, ``shared``, or the index (in the snapshot's
    /// repositories) of the one repository that references it. Ids that are not blobs stay
    /// ``unowned``.
    package private(set) var owners: [Int32]
    /// Per blob id below ``limit``: the size of its `data` (0 when it could not be stat'ed).
    package private(set) var sizes: [Int]
    /// Per repository: distinct blobs it references.
    package private(set) var referencedBlobs: [Int]
    /// Per repository: bytes of the distinct blobs it references.
    package private(set) var referencedBytes: [Int]
    /// Per repository: why it is kept whole, or `nil`.
    package private(set) var keptWhole: [String?]
    /// Every blob id is below this.
    package let limit: Int

    /// Walks every repository of the snapshot.
    ///
    /// - Parameter snapshot: a scan with blob sizes (``ScanOptions/statBlobs``); without them
    ///   every blob counts 0 bytes.
    package init(_ snapshot: StoreSnapshot) {
        var limit = snapshot.digests.count
        while limit > 0 && !snapshot.blobs.contains(UInt32(limit - 1)) { limit -= 1 }
        self.limit = limit
        var sizes = [Int](repeating: 0, count: limit)
        for (id, size) in snapshot.blobSizes where Int(id) < limit { sizes[Int(id)] = size }
        var owners = [Int32](repeating: Self.unowned, count: limit)
        // counted[id] == index + 1: the repository at `index` has counted this blob already.
        var counted = [UInt32](repeating: 0, count: limit)
        var visited = BitSet(universe: snapshot.digests.count)
        var touched: [UInt32] = []
        let marker = Marker(snapshot: snapshot, options: CollectOptions())
        var blobCounts: [Int] = []
        var byteCounts: [Int] = []
        var reasons: [String?] = []
        for (index, repository) in snapshot.repositories.enumerated() {
            let epoch = UInt32(index + 1)
            let owner = Int32(index)
            var blobs = 0
            var bytes = 0
            func count(_ id: UInt32) {
                let slot = Int(id)
                guard slot < limit, counted[slot] != epoch, snapshot.blobs.contains(id) else { return }
                counted[slot] = epoch
                blobs += 1
                bytes += sizes[slot]
                owners[slot] = owners[slot] == Self.unowned ? owner : Self.shared
            }
            let roots = repository.revisions + repository.tags.compactMap(\.current)
            snapshot.walkClosure(from: roots, visited: &visited) { id, node in
                if node == .manifest { touched.append(id) }
                count(id)
            }
            for id in touched { visited.remove(id) }
            touched.removeAll(keepingCapacity: true)
            let reason = marker.wholeReason(repository)
            // Kept whole: the mark keeps every layer link's blob (not walked as a manifest).
            if reason != nil { for id in repository.layers { count(id) } }
            blobCounts.append(blobs)
            byteCounts.append(bytes)
            reasons.append(reason)
        }
        self.owners = owners
        self.sizes = sizes
        referencedBlobs = blobCounts
        referencedBytes = byteCounts
        keptWhole = reasons
    }

    /// The usage report of the snapshot this ownership was built from.
    ///
    /// - Parameters:
    ///   - snapshot: the same snapshot as ``init(_:)``.
    ///   - uploadBytes: per repository (in the snapshot's order), bytes of its uploads.
    /// - Complexity: O(blobs + repositories).
    package func report(_ snapshot: StoreSnapshot, uploadBytes: [Int]) -> UsageReport {
        var report = UsageReport()
        report.isTreeComplete = snapshot.isTreeComplete
        var exclusiveBlobs = [Int](repeating: 0, count: snapshot.repositories.count)
        var exclusiveBytes = [Int](repeating: 0, count: snapshot.repositories.count)
        for slot in 0..<limit where snapshot.blobs.contains(UInt32(slot)) {
            let size = sizes[slot]
            report.storeBlobs += 1
            report.storeBytes += size
            let owner = owners[slot]
            if owner == Self.unowned {
                report.unreferencedBlobs += 1
                report.unreferencedBytes += size
                continue
            }
            report.referencedBlobs += 1
            report.referencedBytes += size
            if owner >= 0 && snapshot.isTreeComplete {
                exclusiveBlobs[Int(owner)] += 1
                exclusiveBytes[Int(owner)] += size
                report.exclusiveBlobs += 1
                report.exclusiveBytes += size
            } else {
                // Two repositories or more; or one, and the unseen part of the tree may be another.
                report.sharedBlobs += 1
                report.sharedBytes += size
            }
        }
        for (index, repository) in snapshot.repositories.enumerated() {
            let uploads = index < uploadBytes.count ? uploadBytes[index] : 0
            report.repositories.append(
                RepositoryUsage(
                    name: repository.name, tags: repository.tags.count, manifests: repository.revisions.count,
                    blobs: referencedBlobs[index], totalBytes: referencedBytes[index],
                    exclusiveBlobs: exclusiveBlobs[index], exclusiveBytes: exclusiveBytes[index],
                    uploads: repository.uploads.count, uploadBytes: uploads, keptWhole: keptWhole[index]))
            report.uploads += repository.uploads.count
            report.uploadBytes += uploads
        }
        report.problems = snapshot.problems
        return report
    }
}
