import RegistrySweep
import S3Storage
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
