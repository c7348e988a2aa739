import RegistrySweep

/// Link objects whose content a scan's listing proves, so that they need no GET.
///
/// A registry link (`…/<hex>/link`, `…/tags/<tag>/current/link`) holds `sha256:<hex>`, 71
/// bytes, written by one PutObject: the store lists it with the MD5 of exactly those bytes as its
/// ETag. When the listing's ETag equals the MD5 of `sha256:<hex>` for a digest the layout names
/// (the link's own directory; for a tag's `current/link`, the tag's history in `index/sha256/`),
/// the object holds those 71 bytes: another content would need a second preimage of MD5. Any
/// other case (no MD5 ETag, another size, no candidate matching, a key that is also a prefix) is
/// read with a GET as before, so the proof can spare requests but never change what is read.
extension S3Backend {
    /// The size of every link the registry writes: `sha256:` and 64 hex digits.
    static let linkSize = 71

    /// The most candidates tried for a tag's `current/link` (its history's length); a longer
    /// history is read with a GET.
    static let maxTagCandidates = 4_096

    /// The MD5 a listed object's ETag states, kept in a listing only where a proof can use it:
    /// for a key of ``linkSize`` bytes ending in `/link` while ``S3Configuration/linkProofs`` is
    /// on; `nil` otherwise (blob data and anything else costs no memory for it).
    func linkProofMD5(_ object: ObjectEntry) -> ContentMD5? {
        guard configuration.linkProofs, object.size == Self.linkSize, object.key.hasSuffix("/link") else { return nil }
        return ContentMD5(etag: object.etag)
    }

    /// The content of the link at `path`, proven from this view's listing of the repositories
    /// tree or of the link's repository part; `nil` when it must be read (proofs off, a scoped
    /// view, not a link, no listing, or no proof).
    func provenLinkContent(_ path: String) async -> [UInt8]? {
        guard configuration.linkProofs, let listings, listings.scope == nil, path.hasSuffix("/link"),
            let found = try? await snapshotListing(for: path), found.base.hasPrefix(StorePath.repositories)
        else { return nil }
        let listing = found.listing
        guard let md5 = listing.contentMD5(of: found.relative, size: Self.linkSize) else { return nil }
        for candidate in Self.linkCandidates(found.relative, in: listing) {
            var content = Array("sha256:".utf8)
            content += candidate.utf8
            if ContentMD5(of: content) == md5 {
                client.provenLinkCount.add(1, ordering: .relaxed)
                return content
            }
        }
        return nil
    }

    /// The hex digests a link at `relative` (below the repositories tree, or below a
    /// repository's `_manifests` or `_layers`) may hold as the
    /// registry writes it: its directory's name under a `sha256` directory; for a tag's
    /// `current/link`, each digest in the tag's `index/sha256/` (up to ``maxTagCandidates``).
    package static func linkCandidates(_ relative: String, in listing: KeyListing) -> [Substring] {
        // The last three components, found from the end (no split of the whole path).
        guard relative.hasSuffix("/link") else { return [] }
        let parentEnd = relative.utf8.index(relative.utf8.endIndex, offsetBy: -5)
        guard let parentSlash = relative.utf8[..<parentEnd].lastIndex(of: 0x2F) else { return [] }
        let parent = relative[relative.utf8.index(after: parentSlash)..<parentEnd]
        let grandparentEnd = parentSlash
        // In a listing of `_layers`, the relative path starts at `sha256`.
        let grandparentSlash = relative.utf8[..<grandparentEnd].lastIndex(of: 0x2F)
        let grandparent = relative[
            (grandparentSlash.map { relative.utf8.index(after: $0) } ?? relative.startIndex)..<grandparentEnd]
        if grandparent == "sha256" {
            return Digest.parseHex(String(parent)) == nil ? [] : [parent]
        }
        guard let grandparentSlash else { return [] }
        // `…/tags/<tag>/current/link`: the tag is the component before `current`.
        // `relative` starts at `tags` in a listing of `_manifests`, above it in one of the tree.
        let aboveTag = relative[..<grandparentSlash]
        guard parent == "current", aboveTag == "tags" || aboveTag.hasSuffix("/tags") else { return [] }
        let tag = String(relative[..<grandparentEnd])
        guard let history = listing.children(of: tag + "/index/sha256"), history.count <= maxTagCandidates else {
            return []
        }
        return history.compactMap { entry in
            entry.kind == .directory && Digest.parseHex(entry.name) != nil ? Substring(entry.name) : nil
        }
    }
}
