import RegistrySweep

/// The open directories of one generated repository, below `repositories/<name>/`.
///
/// Holds four descriptors per repository being written (the repository, `_layers/sha256`,
/// `_manifests/revisions/sha256`, `_manifests/tags`), so at most `4 × concurrency` are open
/// at once. Tag directories are created as tags first appear and named relative to `tags`
/// (a four-component walk, cached by the kernel) instead of being held open, so a
/// repository with many tags does not hold many descriptors.
struct RepositoryDirectories {
    /// `repositories/<name>`.
    let repository: GeneratorDirectory
    /// `_layers/sha256`: one `<hex>/link` per blob the repository may serve.
    let layers: GeneratorDirectory
    /// `_manifests/revisions/sha256`: one `<hex>/link` per manifest pushed.
    let revisions: GeneratorDirectory
    /// `_manifests/tags`: `<tag>/index/sha256/<hex>/link` and `<tag>/current/link`.
    let tags: GeneratorDirectory
    /// Tags whose `<tag>/index/sha256` directory exists.
    private var tagsMade: Set<String> = []
    /// Whether `_uploads` exists.
    private var uploadsMade = false

    /// Creates the repository's directories (and its missing parents, shared with nested
    /// names) below `repositories`, and opens them.
    ///
    /// - Throws: the first `mkdirat` or `openat` that fails; nothing is left open then.
    init(_ name: String, in repositories: GeneratorDirectory) throws(SweepError) {
        try repositories.makeDirectories(name)
        repository = try repositories.subdirectory(name, create: false)
        var opened = [repository]
        do throws(SweepError) {
            try repository.makeDirectory("_layers")
            layers = try repository.subdirectory("_layers/sha256")
            opened.append(layers)
            try repository.makeDirectory("_manifests")
            try repository.makeDirectory("_manifests/revisions")
            revisions = try repository.subdirectory("_manifests/revisions/sha256")
            opened.append(revisions)
            tags = try repository.subdirectory("_manifests/tags")
        } catch {
            for directory in opened { directory.close() }
            throw error
        }
    }

    /// Closes every descriptor; the value must not be used afterwards.
    func close() {
        for directory in [repository, layers, revisions, tags] { directory.close() }
    }

    /// Links `digest` in `tag`'s history (`<tag>/index/sha256/<hex>/link`).
    mutating func linkTagHistory(_ tag: String, _ digest: Digest) throws(SweepError) {
        if !tagsMade.contains(tag) {
            try tags.makeDirectory(tag)
            try tags.makeDirectory("\(tag)/index")
            try tags.makeDirectory("\(tag)/index/sha256")
            tagsMade.insert(tag)
        }
        try tags.writeLink(digest, prefix: "\(tag)/index/sha256/")
    }

    /// Points `tag` at `digest` (`<tag>/current/link`); the tag's history must exist.
    func linkTagCurrent(_ tag: String, _ digest: Digest) throws(SweepError) {
        try tags.makeDirectory("\(tag)/current")
        try tags.write("\(tag)/current/link", Array(digest.description.utf8))
    }

    /// Writes an upload's `data` and `startedat` (`_uploads/<uuid>/`).
    mutating func writeUpload(_ uuid: String, data: [UInt8], startedAt: String) throws(SweepError) {
        if !uploadsMade {
            try repository.makeDirectory("_uploads")
            uploadsMade = true
        }
        try repository.makeDirectory("_uploads/\(uuid)")
        try repository.write("_uploads/\(uuid)/data", data)
        try repository.write("_uploads/\(uuid)/startedat", Array(startedAt.utf8))
    }
}
