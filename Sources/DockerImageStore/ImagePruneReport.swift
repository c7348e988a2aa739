import RegistrySweep

/// A prune plan, and what the prune did, flattened for people and scripts (`regsweep images --prune --json`).
public struct ImagePruneReport: Sendable, Codable, Equatable {
    /// One dangling image and what goes with it.
    public struct Step: Sendable, Codable, Equatable {
        /// The dangling image ID.
        public var id: String
        /// The untagged ancestors its delete removes, nearest first.
        public var exclusiveAncestors: [String]
        /// The bytes its delete frees at its turn.
        public var bytesFreed: Int
    }

    /// A dangling image left in place.
    public struct Refusal: Sendable, Codable, Equatable {
        /// The image ID.
        public var id: String
        /// The engine's conflict message, or why it was skipped.
        public var reason: String
    }

    /// What was done.
    public struct Result: Sendable, Codable, Equatable {
        /// Images deleted, in engine order.
        public var removedImages: [String]
        /// Layer chain IDs deleted.
        public var deletedLayers: [String]
        /// References removed with the images.
        public var untagged: [String]
        /// Dangling images left in place, and why.
        public var refused: [Refusal]
        /// Bytes freed.
        public var bytesFreed: Int
    }

    /// The daemon's socket, as `unix://<path>`.
    public var host: String
    /// True when nothing was deleted (`--dry-run`).
    public var dryRun: Bool
    /// Where the byte counts come from (`layerdb` or `imageSizes`).
    public var bytesSource: ImagePruner.BytesSource
    /// The dangling images to delete, in order, with their exclusive ancestors.
    public var steps: [Step]
    /// Images the plan removes (dangling images plus ancestors).
    public var images: Int
    /// Bytes the plan frees.
    public var bytesFreed: Int
    /// Cross-check: dangling for the engine only (left alone).
    public var onlyInEngine: [String]
    /// Cross-check: dangling in the data root only (left alone).
    public var onlyOnDisk: [String]
    /// What the prune did; `nil` for a dry run.
    public var result: Result?

    /// Flattens a plan and, unless it was a dry run, its outcome.
    ///
    /// - Parameters:
    ///   - plan: the plan.
    ///   - outcome: what `ImagePruner.prune(_:)` did, or `nil` for a dry run.
    ///   - socketPath: the daemon's socket.
    public init(plan: ImagePruner.Plan, outcome: ImagePruner.Outcome?, socketPath: String) {
        host = "unix://\(socketPath)"
        dryRun = outcome == nil
        bytesSource = plan.bytesSource
        steps = plan.steps.map {
            Step(
                id: $0.image.description, exclusiveAncestors: $0.ancestors.map(\.description), bytesFreed: $0.bytesFreed
            )
        }
        images = plan.removalOrder.count
        bytesFreed = plan.bytesFreed
        onlyInEngine = plan.onlyInEngine.map(\.description)
        onlyOnDisk = plan.onlyOnDisk.map(\.description)
        result = outcome.map { outcome in
            Result(
                removedImages: outcome.removedImages.map(\.description),
                deletedLayers: outcome.deletedLayers.map(\.description),
                untagged: outcome.untagged,
                refused: outcome.refused.map { Refusal(id: $0.image.description, reason: $0.reason) },
                bytesFreed: outcome.bytesFreed)
        }
    }

    /// True when something needs the operator's attention: a cross-check mismatch or a refused delete.
    public var hasProblems: Bool {
        !onlyInEngine.isEmpty || !onlyOnDisk.isEmpty || !(result?.refused.isEmpty ?? true)
    }
}
