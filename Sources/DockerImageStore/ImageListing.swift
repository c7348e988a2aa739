import RegistrySweep

/// What `regsweep images` reports for a Docker data root: the images of the chosen kinds, newest first,
/// and for each dangling one the untagged ancestors `docker rmi` would remove with it and the bytes freed.
///
/// `ids` is what `-q` prints; for a given kind set it equals the engine's own
/// `docker images … -q --no-trunc` output on the same data root (see `kinds(all:dangling:intermediate:)`).
public struct ImageListing: Sendable, Codable, Equatable {
    /// One listed image.
    public struct Image: Sendable, Codable, Hashable {
        /// The full image ID, `sha256:<hex>`.
        public var id: String
        /// The parent image ID, if the engine records one.
        public var parent: String?
        /// The image's kind.
        public var kind: ImageKind
        /// Its tags (`name:tag`), sorted.
        public var tags: [String]
        /// Its digest references (`name@sha256:…`), sorted.
        public var digests: [String]
        /// Creation time as RFC 3339 UTC, if the config records one.
        public var created: String?
        /// Creation time in seconds since 1970 (for sorting and relative display).
        public var createdSeconds: Double?
        /// Size as `docker images` shows it: the sum of the image's layers.
        public var size: Int
        /// Dangling images only: the ancestors `docker rmi` removes with it, nearest first.
        public var exclusiveAncestors: [String]?
        /// Dangling images only: bytes freed by removing it (and those ancestors) alone.
        public var bytesFreed: Int?
    }

    /// Removing every dangling image of the store at once.
    public struct DanglingTotal: Sendable, Codable, Hashable {
        /// Dangling images.
        public var images: Int
        /// Untagged ancestors removed with them.
        public var ancestors: Int
        /// Bytes freed (layers no remaining image uses).
        public var bytesFreed: Int
    }

    /// The data root read.
    public var dataRoot: String
    /// The layout read (`image/overlay2`, `graph (repositories-aufs)`).
    public var layout: String
    /// The kinds listed, sorted by name.
    public var kinds: [ImageKind]
    /// The listed images, newest first (then by ID).
    public var images: [Image]
    /// What pruning every dangling image would remove and free (whatever kinds are listed).
    public var dangling: DanglingTotal
    /// Entries the engine would not load, left out of the listing.
    public var problems: [StoreProblem]

    /// The kinds the `docker images` flags select.
    ///
    /// `--dangling` and `--intermediate` select those kinds (both: their union) whatever `--all` says, as
    /// `docker images -a -f dangling=true` lists dangling images only; otherwise `--all` selects every kind
    /// and no flag selects the top-level kinds.
    public static func kinds(all: Bool, dangling: Bool, intermediate: Bool) -> Set<ImageKind> {
        var kinds: Set<ImageKind> = []
        if dangling { kinds.insert(.dangling) }
        if intermediate { kinds.insert(.intermediate) }
        if !kinds.isEmpty { return kinds }
        return all ? Set(ImageKind.allCases) : ImageKind.topLevel
    }

    /// Lists the images of `kinds` in a loaded store.
    ///
    /// - Parameters:
    ///   - result: the loaded store.
    ///   - kinds: the kinds to list.
    /// - Complexity: O(images × walk length) for the per-dangling-image walks, plus sorting.
    public init(_ result: ImageStoreLoader.LoadResult, kinds: Set<ImageKind>) {
        let model = result.model
        dataRoot = result.dataRoot
        layout = result.layout.description
        self.kinds = kinds.sorted { $0.rawValue < $1.rawValue }
        problems = result.problems.map { StoreProblem($0) }

        var listed: [Image] = []
        for image in model.images.values {
            guard let kind = model.kind(of: image.id), kinds.contains(kind) else { continue }
            let references = model.references(of: image.id)
            var entry = Image(
                id: image.id.description, parent: image.parent.map(\.description), kind: kind,
                tags: references.filter { !$0.isDigest }.map(\.reference).sorted(),
                digests: references.filter(\.isDigest).map(\.reference).sorted(),
                created: image.created.map(Timestamp.formatRFC3339), createdSeconds: image.created,
                size: model.size(of: image.id) ?? 0)
            if kind == .dangling {
                let removed = model.removalOrder(deleting: [image.id])
                entry.exclusiveAncestors = removed.dropFirst().map(\.description)
                entry.bytesFreed = model.bytesFreed(removing: Set(removed))
            }
            listed.append(entry)
        }
        images = listed.sorted { lhs, rhs in
            let left = lhs.createdSeconds ?? -.infinity
            let right = rhs.createdSeconds ?? -.infinity
            return left != right ? left > right : lhs.id < rhs.id
        }

        let danglingIDs = model.danglingIDs().sorted()
        let removed = model.removalOrder(deleting: danglingIDs)
        dangling = DanglingTotal(
            images: danglingIDs.count, ancestors: removed.count - danglingIDs.count,
            bytesFreed: model.bytesFreed(removing: Set(removed)))
    }

    /// The listed image IDs (`sha256:<hex>`), sorted: what `-q` prints.
    public var ids: [String] { images.map(\.id).sorted() }

    /// Loads `dataRoot` strictly and lists the images of `kinds`: what `regsweep images DATA_ROOT` runs.
    ///
    /// - Parameters:
    ///   - dataRoot: the engine's `--data-root`.
    ///   - kinds: the kinds to list (see ``kinds(all:dangling:intermediate:)``).
    ///   - driver: the storage driver directory, when `image/` holds several.
    /// - Throws: what ``ImageStoreLoader/loadDetailed(dataRoot:)`` throws.
    public static func load(dataRoot: String, kinds: Set<ImageKind>, driver: String? = nil) async throws(SweepError)
        -> ImageListing
    {
        ImageListing(
            try await ImageStoreLoader(strict: true, driver: driver).loadDetailed(dataRoot: dataRoot), kinds: kinds)
    }
}
