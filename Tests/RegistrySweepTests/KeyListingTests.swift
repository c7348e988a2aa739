import RegistrySweep
import S3Storage
import Synchronization
import Testing

/// The S3 backend's compact listing: what a flat key listing says about the tree it stands for.
struct KeyListingTests {
    private func listing(_ keys: [String], sorted: Bool = true) -> KeyListing {
        var listing = KeyListing()
        for (index, key) in (sorted ? keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } : keys).enumerated() {
            listing.appendBytes(key.utf8, size: index + 1, modified: Double(100 + index))
        }
        listing.finish()
        return listing
    }

    @Test func childrenAreFilesAndDirectoriesOneLevelDown() {
        let keys = listing(["a/x/link", "a/y/link", "a/z", "a-b/link", "b/c/d/e", "f"])
        // In key order, as S3 lists: "a-b/…" sorts before "a/…" ("-" < "/").
        #expect(keys.children(of: "")?.map(\.name) == ["a-b", "a", "b", "f"])
        #expect(keys.children(of: "")?.map(\.kind) == [.directory, .directory, .directory, .file])
        #expect(keys.children(of: "a")?.map(\.name) == ["x", "y", "z"])
        #expect(keys.children(of: "a")?.map(\.kind) == [.directory, .directory, .file])
        #expect(keys.children(of: "b/c")?.map(\.name) == ["d"])
        #expect(keys.children(of: "a/q") == nil)
        #expect(keys.children(of: "f") == nil)
    }

    @Test func aNameThatIsBothAnObjectAndAPrefixIsOfTheWrongType() {
        // "a" the object sorts before "a-x", which sorts before "a/…": still one entry, `.other`.
        let keys = listing(["a", "a-x", "a/b"])
        #expect(keys.children(of: "")?.map(\.name) == ["a", "a-x"])
        #expect(keys.children(of: "")?.first?.kind == .other)
        #expect(keys.lookup("a") == .conflict)
        #expect(keys.lookup("a-x") == .file(size: 2, modified: 101, tag: 0))
    }

    @Test func directoryMarkersAndEmptyComponentsAreNotEntries() {
        let keys = listing(["d/", "d/e", "g//h"])
        #expect(keys.children(of: "d")?.map(\.name) == ["e"])
        #expect(keys.children(of: "g") == [])
    }

    @Test func lookupGivesFilesAndTheLatestTimeBelowADirectory() {
        let keys = listing(["r/a/link", "r/b/link", "r/c/link"])
        #expect(keys.lookup("r/b/link") == .file(size: 2, modified: 101, tag: 0))
        #expect(keys.lookup("r") == .directory(latest: 102))
        #expect(keys.lookup("r/b") == .directory(latest: 101))
        #expect(keys.lookup("r/bb") == .absent)
        #expect(keys.lookup("") == .directory(latest: 102))
    }

    @Test func rangesListedApartStayRunsAndAnswerAsOne() {
        // Ranges that follow one another are kept as they came (no merged copy); a directory
        // whose keys span two ranges is one entry, with the latest time of both.
        var tree = listing(["a", "a-x", "r/a/link", "r/b/link"])
        var second = KeyListing()
        for (index, key) in ["a/b", "r/c/link", "s/x"].enumerated() {
            second.appendBytes(key.utf8, size: 10 + index, modified: Double(200 + index))
        }
        second.finish()
        // "a/b" sorts below "r/b/link", the first range's last key: the ranges overlap, so merged.
        tree.append(contentsOf: second)
        tree.finish()
        #expect(tree.runCount == 1)
        var first = listing(["a", "a-x", "a/b", "r/a/link", "r/b/link"])
        first.append(contentsOf: listing(["r/c/link", "s/x"]))
        first.finish()
        #expect(first.runCount == 2)
        #expect(first.count == 7)
        #expect(first.children(of: "")?.map(\.name) == ["a", "a-x", "r", "s"])
        #expect(first.children(of: "r")?.map(\.name) == ["a", "b", "c"])
        #expect(first.lookup("r") == .directory(latest: 104))
        #expect(first.lookup("a") == .conflict)
        #expect(first.lookup("r/c/link") == .file(size: 1, modified: 100, tag: 0))
        #expect(first.lookup("r/d") == .absent)
        #expect(first.hasKeys(below: "r"))
        #expect(!first.hasKeys(below: "s/x"))
        // A file in one run and keys below it in the next: still the wrong type.
        var split = listing(["q"])
        split.append(contentsOf: listing(["q/r"]))
        split.finish()
        #expect(split.runCount == 2)
        #expect(split.lookup("q") == .conflict)
        #expect(split.children(of: "")?.first?.kind == .other)
        // Runs appended in any order are put in order before they are checked.
        var reversed = listing(["x/1"])
        reversed.append(contentsOf: listing(["b/1", "b/2"]))
        reversed.finish()
        #expect(reversed.runCount == 2)
        #expect(reversed.children(of: "")?.map(\.name) == ["b", "x"])
    }

    @Test func mergedRangesOutOfOrderAreSortedAndDeduplicated() {
        var merged = listing(["m/2", "m/3"])
        merged.append(contentsOf: listing(["m/1", "m/2"]))
        merged.finish()
        #expect(merged.count == 3)
        #expect(merged.children(of: "m")?.map(\.name) == ["1", "2", "3"])
        let unsorted = listing(["z", "b", "b", "a"], sorted: false)
        #expect(unsorted.count == 3)
        #expect(unsorted.children(of: "")?.map(\.name) == ["a", "b", "z"])
    }
}

extension KeyListingTests {
    /// A run of blob-shard keys (`<64 lowercase hex>/data`) is held as digests: every question
    /// gets the answer the same keys held as bytes get (the control listing has one more key,
    /// `zz`, which is no shard key and sorts after all of them, so it is held as bytes).
    @Test func shardKeysHeldAsDigestsAnswerAsTheirBytesDo() {
        // Digests with every hex digit in every position, including runs of 0 and f.
        let digits = Array("0123456789abcdef")
        var generated = [String(repeating: "0", count: 64), String(repeating: "f", count: 64)]
        for index in 0..<40 {
            let step = index % 5 + 1
            generated.append(
                String((0..<64).map { (position: Int) -> Character in digits[(index * 7 + position * step) % 16] }))
        }
        let hexes = Array(Set(generated))
        let keys = hexes.map { "\($0)/data" }
        let digests = listing(keys)
        let bytes = listing(keys + ["zz"])
        #expect(digests.digestRunCount == 1)
        #expect(bytes.digestRunCount == 0)
        #expect(digests.count == keys.count)
        let sorted = hexes.sorted()
        #expect(digests.children(of: "")?.map(\DirectoryEntry.name) == sorted)
        let kinds = (digests.children(of: "") ?? []).map { (entry: DirectoryEntry) -> DirectoryEntry.Kind in entry.kind
        }
        #expect(kinds == Array(repeating: DirectoryEntry.Kind.directory, count: hexes.count))
        // The root: the control listing's extra key is its latest.
        #expect(digests.lookup("") == .directory(latest: Double(100 + hexes.count - 1)))
        var probes: [String] = []
        for hex in hexes {
            probes += [
                hex, "\(hex)/data", "\(hex)/dat", "\(hex)/data/x", String(hex.prefix(1)), String(hex.prefix(63)),
            ]
        }
        probes += ["0", "f", "g", String(repeating: "0", count: 65), "\(String(repeating: "a", count: 64))/data"]
        for probe in probes {
            #expect(digests.lookup(probe) == bytes.lookup(probe), "lookup \(probe)")
            #expect(digests.hasKeys(below: probe) == bytes.hasKeys(below: probe), "hasKeys \(probe)")
            #expect(
                digests.children(of: probe)?.map(\DirectoryEntry.name)
                    == bytes.children(of: probe)?.map(\DirectoryEntry.name), "children \(probe)")
        }
        #expect(digests.lookup("\(sorted[0])/data") == .file(size: 1, modified: 100, tag: 0))
        #expect(digests.children(of: sorted[3])?.map(\DirectoryEntry.name) == ["data"])
    }

    /// Keys that look almost like shard keys stay bytes; a key appended to a run held as digests,
    /// and ranges of shard keys that overlap, are still answered right.
    @Test func nearShardKeysStayBytesAndDigestRunsMergeAndGrow() {
        let hex = String(repeating: "ab", count: 32)
        for odd in ["\(hex.uppercased())/data", "\(hex)/datA", "\(hex)x/data".dropFirst().description, "\(hex)/data2"] {
            let single = listing([odd])
            #expect(single.digestRunCount == 0, "\(odd)")
            #expect(single.lookup(odd) == .file(size: 1, modified: 100, tag: 0), "\(odd)")
        }
        let low = String(repeating: "1", count: 64)
        let high = String(repeating: "e", count: 64)
        var grown = listing(["\(low)/data", "\(high)/data"])
        #expect(grown.digestRunCount == 1)
        grown.appendBytes("\(high)/data/extra".utf8, size: 9, modified: 300)
        grown.finish()
        #expect(grown.digestRunCount == 0)
        #expect(grown.lookup("\(high)/data") == .conflict)
        #expect(grown.lookup("\(low)/data") == .file(size: 1, modified: 100, tag: 0))
        // Two ranges of shard keys that overlap are merged into one run, still held as digests.
        var merged = listing(["\(low)/data", "\(high)/data"])
        merged.append(contentsOf: listing(["\(String(repeating: "5", count: 64))/data", "\(high)/data"]))
        merged.finish()
        #expect(merged.runCount == 1)
        #expect(merged.digestRunCount == 1)
        #expect(merged.count == 3)
        #expect(merged.children(of: "")?.map(\DirectoryEntry.name) == [low, String(repeating: "5", count: 64), high])
    }
}

/// Which listing a view of an S3 store answers a path from, and how many a scan's view keeps.
struct ListingSnapshotTests {
    private let tree = StorePath.repositories

    @Test func aScansViewListsEachRepositoryPartApart() {
        let scan = ListingSnapshot(.scan)
        #expect(scan.base(for: "\(tree)/ns/app/_manifests/tags/v1/current/link") == "\(tree)/ns/app/_manifests")
        #expect(scan.base(for: "\(tree)/ns/app/_layers") == "\(tree)/ns/app/_layers")
        // A repository nested in another is its own: its parts are not the outer one's.
        #expect(scan.base(for: "\(tree)/ns/app/sub/_uploads/u/data") == "\(tree)/ns/app/sub/_uploads")
        // A tag whose name starts with "_" is below `_manifests`: the first such component counts.
        #expect(scan.base(for: "\(tree)/app/_manifests/tags/_x/current/link") == "\(tree)/app/_manifests")
        // Above the parts (the tree, namespaces, repository directories): read live.
        for live in [tree, "\(tree)/ns", "\(tree)/ns/app", "\(tree)/ns/app/sub", StorePath.v2] {
            #expect(scan.base(for: live) == nil, "\(live)")
        }
        #expect(
            scan.base(for: "\(StorePath.blobShards)/ab/\(String(repeating: "a", count: 64))/data")
                == "\(StorePath.blobShards)/ab")
        // A revalidation's snapshot lists the whole tree once.
        #expect(ListingSnapshot(.snapshot).base(for: "\(tree)/ns/app/_layers") == tree)
        #expect(ListingSnapshot(.snapshot).base(for: "\(tree)/ns") == tree)
    }

    @Test func aScansViewKeepsABoundedNumberOfPartsAndListsADroppedOneAgain() async throws {
        let scan = ListingSnapshot(.scan, partCapacity: 2)
        let made = Counter()
        func part(_ name: String) async throws -> Int {
            let listing = try await scan.listing("\(tree)/\(name)/_manifests") { () async throws(SweepError) in
                made.add()
                var listing = KeyListing()
                listing.appendBytes(name.utf8, size: 1, modified: 1)
                listing.finish()
                return listing
            }
            return listing.count
        }
        for name in ["a", "b", "a", "c"] { _ = try await part(name) }
        // "a" was read again before "c" came: "b", the least recently read, was dropped.
        #expect(made.value == 3)
        #expect(scan.heldCount == 2)
        _ = try await part("a")
        #expect(made.value == 3)
        _ = try await part("b")
        #expect(made.value == 4)
        // Blob shards are all kept.
        for shard in 0..<4 {
            _ = try await scan.listing("\(StorePath.blobShards)/0\(shard)") { () async throws(SweepError) in
                KeyListing()
            }
        }
        #expect(scan.heldCount == 6)
    }
}

extension ListingSnapshotTests {
    /// Tasks asking for a listing while it is being made share that one listing; once made it is
    /// answered as kept (no second listing), and a failed listing fails every asker alike.
    @Test func askersWhileAListingIsMadeShareItAndAMadeOneIsKept() async throws {
        let scan = ListingSnapshot(.scan)
        let made = Counter()
        let base = "\(StorePath.repositories)/app/_layers"
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await scan.listing(base) { () async throws(SweepError) in
                        made.add()
                        try? await Task.sleep(for: .milliseconds(50))
                        var listing = KeyListing()
                        listing.appendBytes("sha256/x/link".utf8, size: 1, modified: 1)
                        listing.finish()
                        return listing
                    }.count
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 1, count: 8))
        #expect(made.value == 1)
        let again = try await scan.listing(base) { () async throws(SweepError) in
            made.add()
            return KeyListing()
        }
        #expect(again.count == 1)
        #expect(made.value == 1)
        let failing = "\(StorePath.repositories)/other/_layers"
        for _ in 0..<2 {
            await #expect(throws: SweepError.self) {
                try await scan.listing(failing) { () async throws(SweepError) in
                    made.add()
                    throw SweepError(.io, "listing failed", path: failing)
                }
            }
        }
        #expect(made.value == 2)
    }
}

/// A count shared with a `@Sendable` closure.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
