/// Graph queries over a snapshot: the one place that walks manifests' references.
///
/// Two walks cover every consumer:
/// - the **closure** of some manifests: the manifests themselves, their index children
///   recursively, and every blob (config, layers, artifact blobs) any of them references: what a
///   pull of them needs, what a mark keeps, what a delete may free;
/// - the **reach** within one repository: the revisions reachable from some roots through index
///   children and, optionally, referrers (manifests whose `subject` is reached): which revisions
///   of a repository stay when these roots do.
extension StoreSnapshot {
    /// What a closure walk met.
    package enum ClosureNode {
        /// A manifest (a root or an index child); walked once per `visited` set.
        case manifest
        /// A blob a manifest references (config, layer, artifact blob).
        case blob
    }

    /// Walks the closure of `roots`, calling `visit` for every node met (a node may be met more
    /// than once: from several manifests, or as a blob and as a manifest).
    ///
    /// A manifest in `visited` is not walked again (its own node is still visited); the walk
    /// adds every manifest it walks to `visited`, so successive walks over many roots share it.
    /// Unparsed manifests (unreadable, or not manifests at all) are visited but have nothing
    /// below them.
    ///
    /// - Complexity: O(nodes of the closure not yet visited); no allocation beyond the stack.
    package func walkClosure(
        from roots: some Sequence<UInt32>, visited: inout BitSet, _ visit: (UInt32, ClosureNode) -> Void
    ) {
        var stack = Array(roots)
        while let id = stack.popLast() {
            visit(id, .manifest)
            guard visited.insert(id), let m = manifests.manifest(of: id) else { continue }
            for blob in manifests.blobs(m) { visit(blob, .blob) }
            stack.append(contentsOf: manifests.children(m))
        }
    }

    /// Inserts the closure of `roots` (manifests and blobs) into `set`.
    ///
    /// - Parameter visited: manifests already walked (see ``walkClosure(from:visited:_:)``).
    package func closure(from roots: some Sequence<UInt32>, into set: inout BitSet, visited: inout BitSet) {
        walkClosure(from: roots, visited: &visited) { id, _ in _ = set.insert(id) }
    }

    /// Revisions of `repository` reachable from `roots` through index children that are
    /// revisions of the repository and, with `referrers`, through revisions whose `subject` is
    /// reached; recursively. Roots themselves are included; ids already in `reached` are not
    /// walked again, so a second call extends a first.
    ///
    /// - Complexity: O(revisions + references) of the repository.
    package func reach(
        from roots: some Sequence<UInt32>, in repository: Repository, referrers: Bool = true,
        into reached: inout Set<UInt32>
    ) {
        let revisions = Set(repository.revisions)
        var bySubject: [UInt32: [UInt32]] = [:]
        if referrers {
            for id in repository.revisions {
                if let m = manifests.manifest(of: id), manifests.subject[m] != ManifestTable.none {
                    bySubject[manifests.subject[m], default: []].append(id)
                }
            }
        }
        var stack = Array(roots)
        while let id = stack.popLast() {
            guard reached.insert(id).inserted else { continue }
            if let m = manifests.manifest(of: id) {
                stack += manifests.children(m).filter { revisions.contains($0) }
            }
            stack += bySubject[id] ?? []
        }
    }

    /// ``reach(from:in:referrers:into:)`` into a new set.
    package func reach(from roots: some Sequence<UInt32>, in repository: Repository, referrers: Bool = true) -> Set<
        UInt32
    > {
        var reached = Set<UInt32>()
        reach(from: roots, in: repository, referrers: referrers, into: &reached)
        return reached
    }
}
