extension InMemoryBackend {
    /// A failure an ``InMemoryBackend`` injects into its own operations, for tests that prove a
    /// caller survives every kind of storage failure.
    ///
    /// ```swift
    /// store.inject(.init(.read, .subtree("docker/registry/v2/blobs"), SweepError(.io, "disk error")))
    /// store.inject(.init(.list, .path(tags), SweepError(.permissionDenied, "denied"), afterCalls: 2))
    /// ```
    public struct Fault: Sendable {
        /// The kinds of operation a fault can fail.
        public enum Operation: Sendable, Hashable, CaseIterable {
            /// `list`, `listDigests`, `subdirectory` (opening a directory).
            case list
            /// `withContents`, `forEachDigestFile`, `stream`.
            case read
            /// `stat`.
            case stat
            /// `removeFile`, `removeEmptyDirectory`, and each node `removeTree` removes.
            case remove
        }

        /// Which paths a fault applies to (store-relative, as the backend receives them).
        public enum Scope: Sendable, Hashable {
            /// Exactly this path.
            case path(String)
            /// This path and everything below it.
            case subtree(String)
            /// Every path that starts with this text (`…/tags/v` matches `v1` and `v2`).
            case prefix(String)
            /// Every path whose last component is this name (`link`, `data`).
            case named(String)

            func matches(_ path: String) -> Bool {
                switch self {
                case .path(let target): path == target
                case .subtree(let root): root.isEmpty || path == root || path.hasPrefix(root + "/")
                case .prefix(let text): path.hasPrefix(text)
                case .named(let name): path == name || path.hasSuffix("/" + name)
                }
            }
        }

        /// The operations that fail.
        public var operations: Set<Operation>
        /// Where.
        public var scope: Scope
        /// What is thrown; a `nil` path is filled with the failing path.
        public var error: SweepError
        /// Matching calls that succeed before the fault fires.
        public var afterCalls: Int
        /// How many times it fires once armed; `nil` for every later call.
        public var times: Int?

        /// Creates a fault.
        ///
        /// - Parameters:
        ///   - operations: the operations that fail.
        ///   - scope: the paths they fail at.
        ///   - error: what they throw (its `path` is set to the failing path when `nil`).
        ///   - afterCalls: let this many matching calls succeed first.
        ///   - times: fail this many calls, then succeed again; `nil` fails every later call.
        public init(
            _ operations: Set<Operation>, _ scope: Scope, _ error: SweepError, afterCalls: Int = 0, times: Int? = nil
        ) {
            self.operations = operations
            self.scope = scope
            self.error = error
            self.afterCalls = afterCalls
            self.times = times
        }

        /// Creates a fault on one operation.
        public init(_ operation: Operation, _ scope: Scope, _ error: SweepError, afterCalls: Int = 0, times: Int? = nil)
        {
            self.init([operation], scope, error, afterCalls: afterCalls, times: times)
        }
    }

    /// The injected faults and how often each matched and fired.
    struct FaultTable: Sendable {
        struct Entry: Sendable {
            var fault: Fault
            var matched = 0
            var fired = 0
        }

        var entries: [Entry] = []
        /// Failures produced since the backend was created.
        var fired = 0

        /// The error to throw for `operation` at `path`, counting the call, or `nil` to go on.
        mutating func check(_ operation: Fault.Operation, _ path: String, display: String) -> SweepError? {
            for index in entries.indices {
                let fault = entries[index].fault
                guard fault.operations.contains(operation), fault.scope.matches(path) else { continue }
                entries[index].matched += 1
                guard entries[index].matched > fault.afterCalls else { continue }
                if let times = fault.times, entries[index].fired >= times { continue }
                entries[index].fired += 1
                fired += 1
                var error = fault.error
                if error.path == nil { error.path = display }
                return error
            }
            return nil
        }
    }

    /// Adds a fault; faults are checked in the order they were added, and the first that fires
    /// decides.
    public func inject(_ fault: Fault) {
        state.withLock { $0.faults.entries.append(FaultTable.Entry(fault: fault)) }
    }

    /// Removes every fault (the count of failures produced is kept).
    public func removeAllFaults() {
        state.withLock { $0.faults.entries.removeAll() }
    }

    /// The number of failures injected faults have produced: a test asserts it is not 0, so it
    /// never passes because its fault was never reached.
    public var injectedFailures: Int {
        state.withLock { $0.faults.fired }
    }
}
