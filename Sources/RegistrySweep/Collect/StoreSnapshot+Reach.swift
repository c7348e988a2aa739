/// Graph queries over a snapshot's manifests.
extension StoreSnapshot {
    /// Revisions of `repository` reachable from `roots`: through index children and referrers
    /// (`subject`) that are revisions of the repository, recursively; the roots themselves included.
    ///
    /// - Complexity: O(revisions + references) of the repository.
    func reach(from roots: [UInt32], in repository: Repository) -> Set<UInt32> {
        let revisions = Set(repository.revisions)
        var referrers: [UInt32: [UInt32]] = [:]
        for id in repository.revisions {
            if let m = manifests.manifest(of: id), manifests.subject[m] != ManifestTable.none {
                referrers[manifests.subject[m], default: []].append(id)
            }
        }
        var reached = Set<UInt32>()
        var stack = roots
        while let id = stack.popLast() {
            guard reached.insert(id).inserted else { continue }
            if let m = manifests.manifest(of: id) {
                stack += manifests.children(m).filter { revisions.contains($0) }
            }
            stack += referrers[id] ?? []
        }
        return reached
    }

    /// Adds a manifest's digest and everything it references, through index children, to `set`.
    func collectClosure(of id: UInt32, into set: inout BitSet) {
        var stack = [id]
        while let current = stack.popLast() {
            guard set.insert(current) else { continue }
            guard let m = manifests.manifest(of: current) else { continue }
            for blob in manifests.blobs(m) { _ = set.insert(blob) }
            stack += manifests.children(m)
        }
    }
}
