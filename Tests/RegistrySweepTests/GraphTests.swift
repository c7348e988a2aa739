import RegistrySweep
import Testing

/// `DigestTable`, `BitSet` and `ManifestTable`: the flat graph structures mark and sweep run on.
@Suite struct GraphTests {
    static func randomDigests(_ count: Int, seed: UInt64) -> [Digest] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Digest(w0: random.next(), w1: random.next(), w2: random.next(), w3: random.next())
        }
    }

    // MARK: DigestTable

    @Test func internAssignsDenseIdsInOrder() {
        var table = DigestTable(capacity: 4)
        let digests = Self.randomDigests(50, seed: 10)
        for (index, digest) in digests.enumerated() {
            let id = table.intern(digest)
            #expect(id == UInt32(index))
            #expect(table.count == index + 1)
        }
        for (index, digest) in digests.enumerated() {
            let again = table.intern(digest)
            #expect(again == UInt32(index), "re-interning must not add")
            #expect(table.id(of: digest) == UInt32(index))
            #expect(table[UInt32(index)] == digest)
        }
        #expect(table.count == 50)
        #expect(table.digests == digests)
    }

    @Test func absentDigestsAreNotFound() {
        var table = DigestTable()
        #expect(table.id(of: Digest(w0: 0, w1: 0, w2: 0, w3: 0)) == nil)
        for digest in Self.randomDigests(100, seed: 11) { table.intern(digest) }
        for digest in Self.randomDigests(1000, seed: 12) { #expect(table.id(of: digest) == nil) }
        #expect(table.id(of: Digest(w0: 0, w1: 0, w2: 0, w3: 0)) == nil)
    }

    /// 100k digests into a table sized for 1: about 17 doublings, every id must survive them.
    @Test func growthKeepsEveryLookupRight() {
        var table = DigestTable(capacity: 1)
        let digests = Self.randomDigests(100_000, seed: 13)
        for (index, digest) in digests.enumerated() where table.intern(digest) != UInt32(index) {
            Issue.record("digest \(index) got another id")
            return
        }
        #expect(table.count == digests.count)
        var wrong = 0
        for (index, digest) in digests.enumerated() where table.id(of: digest) != UInt32(index) { wrong += 1 }
        #expect(wrong == 0)
        var found = 0
        for digest in Self.randomDigests(20_000, seed: 14) where table.id(of: digest) != nil { found += 1 }
        #expect(found == 0)
        #expect(table.memoryFootprint >= digests.count * 32)
    }

    /// Digests that all start probing at the same slot (equal w0 and w1): linear probing must
    /// still find each one, across growth and wrap-around.
    @Test func collidingDigestsStayDistinct() {
        var table = DigestTable(capacity: 1)
        let colliding = (0..<3000).map { Digest(w0: 0xDEAD, w1: 0xBEEF, w2: UInt64($0 % 7), w3: UInt64($0)) }
        for (index, digest) in colliding.enumerated() {
            let id = table.intern(digest)
            #expect(id == UInt32(index))
        }
        for (index, digest) in colliding.enumerated() { #expect(table.id(of: digest) == UInt32(index)) }
        #expect(table.id(of: Digest(w0: 0xDEAD, w1: 0xBEEF, w2: 0, w3: 3001)) == nil)
    }

    /// A sorted base loaded in runs (as blob shards are), then digests interned after it:
    /// base ids stay in load order, new ones follow, and every lookup finds its own id.
    @Test(arguments: [0, 1, 7, 8, 9, 1000, 50_000])
    func sortedBaseAndInternedDigestsShareOneIdSpace(baseSize: Int) {
        let base = Self.randomDigests(baseSize, seed: 20).sorted()
        var table = DigestTable(capacity: 1)
        // Runs of uneven length, one after the other, as shards arrive.
        var start = 0
        var length = 1
        while start < base.count {
            let end = min(base.count, start + length)
            table.load(sorted: Array(base[start..<end]))
            start = end
            length = length * 3 + 1
        }
        table.finishLoading()
        #expect(table.count == baseSize)
        for (index, digest) in base.enumerated() where table.id(of: digest) != UInt32(index) {
            Issue.record("base digest \(index) not found at its id")
            return
        }
        // Interning a base digest returns its id and adds nothing.
        if let first = base.first {
            #expect(table.intern(first) == 0)
            #expect(table.count == baseSize)
        }
        let others = Self.randomDigests(5000, seed: 21)
        for (index, digest) in others.enumerated() where table.intern(digest) != UInt32(baseSize + index) {
            Issue.record("new digest \(index) got another id")
            return
        }
        #expect(table.count == baseSize + others.count)
        var wrong = 0
        for (index, digest) in base.enumerated() where table.id(of: digest) != UInt32(index) { wrong += 1 }
        for (index, digest) in others.enumerated() where table.id(of: digest) != UInt32(baseSize + index) { wrong += 1 }
        #expect(wrong == 0)
        var found = 0
        for digest in Self.randomDigests(5000, seed: 22) where table.id(of: digest) != nil { found += 1 }
        #expect(found == 0)
        // Digests between two base neighbours, and below and above the whole base.
        let known = Set(base + others)
        for digest in base.prefix(200) {
            let next = Digest(w0: digest.w0, w1: digest.w1, w2: digest.w2, w3: digest.w3 &+ 1)
            if !known.contains(next) { #expect(table.id(of: next) == nil) }
        }
        #expect(table.id(of: Digest(w0: 0, w1: 0, w2: 0, w3: 0)) == nil)
        #expect(table.id(of: Digest(w0: .max, w1: .max, w2: .max, w3: .max)) == nil)
    }

    /// Batch interning gives the ids one-by-one interning would, including for digests that
    /// repeat within the batch, are in the base, or are new.
    @Test func batchInternMatchesOneByOne() {
        let base = Self.randomDigests(3000, seed: 30).sorted()
        let fresh = Self.randomDigests(500, seed: 31)
        var batch = Array(base.prefix(700)) + fresh + Array(base.suffix(300)) + fresh.prefix(50)
        var random = SeededGenerator(seed: 32)
        batch.shuffle(using: &random)
        var single = DigestTable()
        var batched = DigestTable()
        single.load(sorted: base)
        batched.load(sorted: base)
        let expected = batch.map { single.intern($0) }
        let ids = batched.intern(contentsOf: batch)
        #expect(ids == expected)
        #expect(batched.digests == single.digests)
        #expect(batched.intern(contentsOf: []) == [])
        // Without a base (every digest hashed), after some single interns.
        var hashedSingle = DigestTable()
        var hashedBatched = DigestTable()
        for digest in fresh.prefix(100) {
            hashedSingle.intern(digest)
            hashedBatched.intern(digest)
        }
        let mixed = Array(fresh.suffix(450)) + base.prefix(300)
        #expect(hashedBatched.intern(contentsOf: mixed) == mixed.map { hashedSingle.intern($0) })
        #expect(hashedBatched.digests == hashedSingle.digests)
    }

    // MARK: BitSet

    @Test func bitSetBasics() {
        var set = BitSet(universe: 10)
        #expect(set.isEmpty && set.count == 0 && set.ids.isEmpty)
        let first = set.insert(3)
        let second = set.insert(3)
        #expect(first && !second)
        for id: UInt32 in [0, 63, 64, 1000] {
            let inserted = set.insert(id)  // 1000: past the universe, the set grows
            #expect(inserted)
        }
        #expect(set.contains(1000) && set.contains(64) && set.contains(63) && set.contains(3) && set.contains(0))
        #expect(!set.contains(1) && !set.contains(65) && !set.contains(999) && !set.contains(UInt32.max))
        #expect(set.count == 5)
        #expect(set.ids == [0, 3, 63, 64, 1000])
        set.remove(64)
        set.remove(5000)
        #expect(!set.contains(64))
        #expect(set.ids == [0, 3, 63, 1000])
        for id in set.ids { set.remove(id) }
        #expect(set.isEmpty && set.count == 0)
    }

    /// Iterating a set visits its ids in order without building an array: leading empty words,
    /// ids on word edges, the last bit of the last word, and an empty set of any universe.
    @Test func bitSetIteration() {
        #expect(Array(BitSet()).isEmpty && Array(BitSet(universe: 1000)).isEmpty)
        var set = BitSet(universe: 4096)
        let ids: [UInt32] = [64, 127, 128, 1000, 4095]
        for id in ids { set.insert(id) }
        var visited: [UInt32] = []
        for id in set { visited.append(id) }
        #expect(visited == ids)
        #expect(set.underestimatedCount == ids.count)
        #expect(set.map { $0 * 2 } == ids.map { $0 * 2 })
        var iterator = set.makeIterator()
        for _ in ids { _ = iterator.next() }
        #expect(iterator.next() == nil && iterator.next() == nil, "an ended iteration stays ended")
    }

    @Test func bitSetUnion() {
        var small = BitSet(universe: 8)
        small.insert(1)
        var large = BitSet(universe: 4096)
        large.insert(2)
        large.insert(4000)
        small.formUnion(large)
        #expect(small.ids == [1, 2, 4000])
        var other = BitSet()
        other.insert(7)
        large.formUnion(other)
        #expect(large.ids == [2, 7, 4000])
        #expect(other.ids == [7], "the argument is unchanged")
    }

    /// Two sets with the same ids are equal whatever universe they were created with.
    @Test func bitSetEqualityIsBySetContent() {
        var a = BitSet(universe: 64)
        var b = BitSet(universe: 700)
        #expect(a == b)
        a.insert(5)
        b.insert(5)
        #expect(a == b)
        b.insert(600)
        #expect(a != b)
        b.remove(600)
        #expect(a == b)
    }

    /// Random operations against `Set<UInt32>` as the model.
    @Test func bitSetMatchesSetModel() {
        var random = SeededGenerator(seed: 15)
        var set = BitSet(universe: 100)
        var model = Set<UInt32>()
        for step in 0..<20_000 {
            let id = UInt32.random(in: 0..<5000, using: &random)
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                let inserted = set.insert(id)
                #expect(inserted == model.insert(id).inserted)
            case 1:
                set.remove(id)
                model.remove(id)
            default: #expect(set.contains(id) == model.contains(id))
            }
            if step % 1000 == 0 {
                #expect(set.count == model.count)
                #expect(set.ids == model.sorted())
            }
        }
        #expect(set.ids == model.sorted())
    }

    // MARK: ManifestTable, filled by a scan

    @Test func manifestTableFromAScannedFixture() async throws {
        let store = try FixtureStore()
        let amd = try store.image("multi", tag: nil, layers: 2, seed: "amd64")
        let arm = try store.image("multi", tag: nil, layers: 1, seed: "arm64")
        let index = try store.blob(FixtureStore.ociIndex([amd.manifest, arm.manifest]))
        try store.revision("multi", index)
        try store.tag("multi", "latest", index)
        let sbom = try store.blob("sbom")
        let artifact = try store.blob(FixtureStore.ociArtifact(blobs: [sbom], subject: index))
        try store.revision("multi", artifact)
        let broken = FixtureStore.digest(of: Array("not reachable".utf8))
        try store.writeBlob(Array("{\"schemaVersion\":2,".utf8), as: broken)
        try store.revision("multi", broken)

        let snapshot = try await StoreScanner(backend: try store.backend()).scan()
        let table = snapshot.manifests
        #expect(table.count == 5)
        func number(_ digest: Digest) throws -> Int {
            let id = try #require(snapshot.id(of: digest))
            return try #require(table.manifest(of: id))
        }
        func ids(_ digests: [Digest]) throws -> [UInt32] { try digests.map { try #require(snapshot.id(of: $0)) } }

        let image = try number(amd.manifest)
        #expect(table.manifestKind(image) == .schema2)
        #expect(Array(table.blobs(image)) == (try ids([amd.config] + amd.layers)))
        #expect(table.children(image).isEmpty)
        #expect(table.subject[image] == ManifestTable.none)
        #expect(table.digest[image] == snapshot.id(of: amd.manifest))

        let list = try number(index)
        #expect(table.manifestKind(list) == .ociIndex)
        #expect(table.blobs(list).isEmpty)
        #expect(Array(table.children(list)) == (try ids([amd.manifest, arm.manifest])))

        let referrer = try number(artifact)
        #expect(table.manifestKind(referrer) == .ociArtifact)
        #expect(Array(table.blobs(referrer)) == (try ids([sbom])))
        #expect(table.subject[referrer] == snapshot.id(of: index))

        let bad = try number(broken)
        #expect(table.manifestKind(bad) == nil)
        #expect(table.kind[bad] == ManifestTable.unreadable)
        #expect(snapshot.unreadableManifests.contains(try #require(snapshot.id(of: broken))))

        // Layers and configs are blobs, not manifests.
        for digest in amd.layers + [amd.config, sbom] {
            #expect(table.manifest(of: try #require(snapshot.id(of: digest))) == nil)
        }
        #expect(table.manifest(of: UInt32(snapshot.digests.count + 10)) == nil)
        #expect(table.memoryFootprint > 0)
    }
}
