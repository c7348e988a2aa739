import Benchmark
import RegistryStoreGenerator
import RegistrySweep

/// Digest text parsing and formatting, and the interning table at a million digests.
enum DigestBenchmarks {
    /// A million distinct, uniformly spread digests (as SHA-256 output is).
    static let million: [Digest] = makeDigests(1_000_000, seed: 7)
    /// ``million``, interned.
    static let millionTable: DigestTable = {
        var table = DigestTable(capacity: million.count)
        for digest in million { table.intern(digest) }
        return table
    }()

    /// ``million`` in digest order, as a scan loads blob shards.
    static let millionSorted: [Digest] = million.sorted()
    /// ``millionSorted`` loaded as a table's sorted base.
    static let millionBase: DigestTable = {
        var table = DigestTable(capacity: million.count)
        table.load(sorted: millionSorted)
        table.finishLoading()
        return table
    }()
    /// ``million`` in batches of 370, the layer links of one repository of the 1M store.
    static let layerBatches: [[Digest]] = stride(from: 0, to: million.count, by: 370).map {
        Array(million[$0..<min($0 + 370, million.count)]).sorted()
    }

    static func makeDigests(_ count: Int, seed: UInt64) -> [Digest] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            Digest(w0: random.next(), w1: random.next(), w2: random.next(), w3: random.next())
        }
    }

    static func register() {
        let texts = makeDigests(1000, seed: 3).map { Array($0.description.utf8) }
        Benchmark("Digest.parse (link text)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                texts[index].withUnsafeBytes { blackHole(Digest.parse($0)) }
            }
        }

        let digests = makeDigests(1000, seed: 4)
        Benchmark("Digest.description (format)", configuration: .init(scalingFactor: .kilo)) { benchmark in
            for index in benchmark.scaledIterations {
                blackHole(digests[index].description)
            }
        }

        Benchmark(
            "DigestTable.intern 1M new",
            configuration: .init(maxDuration: .seconds(10), maxIterations: 10)
        ) { benchmark in
            var table = DigestTable(capacity: 1024)
            for digest in million { blackHole(table.intern(digest)) }
            blackHole(table.count)
        }

        Benchmark(
            "DigestTable.load 1M sorted, 256 shards",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
        ) { benchmark in
            let shard = (millionSorted.count + 255) / 256
            var table = DigestTable(capacity: millionSorted.count)
            for start in stride(from: 0, to: millionSorted.count, by: shard) {
                table.load(sorted: Array(millionSorted[start..<min(start + shard, millionSorted.count)]))
            }
            table.finishLoading()
            blackHole(table.count)
        }

        Benchmark(
            "DigestTable.intern(contentsOf:) 1M base hits, batches of 370",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
        ) { benchmark in
            // The base and batches are built once, on first use (the warm-up iteration).
            var table = millionBase
            var found = 0
            for batch in layerBatches { found += table.intern(contentsOf: batch).count }
            precondition(found == million.count && table.count == million.count)
            blackHole(found)
        }

        Benchmark(
            "DigestTable.id(of:) 1M hits",
            configuration: .init(warmupIterations: 1, maxDuration: .seconds(10), maxIterations: 20)
        ) { benchmark in
            // The table is built once, on first use (the warm-up iteration).
            var found = 0
            for digest in million where millionTable.id(of: digest) != nil { found += 1 }
            precondition(found == million.count)
            blackHole(found)
        }
    }
}
